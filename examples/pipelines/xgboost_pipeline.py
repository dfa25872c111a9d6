"""XGBoost end-to-end pipeline: train, evaluate on calibration data, calibrate, deploy.

The node names follow a saved configuration of the real framework
(`pipeline_config_ab_lightgbm.json`): a step name, optionally with a job type suffix
(`_training`, `_calibration`). This file is read by the registry tools, never executed.
"""

from cursus.api.dag.base_dag import PipelineDAG

from pipeline_registry.step_names import STEP_NAMES

# The config class the training node uses, looked up in the core registry.
TRAINING_CONFIG_CLASS = STEP_NAMES["XGBoostTraining"]["config_class"]


def create_xgboost_complete_e2e_dag() -> PipelineDAG:
    """The DAG of the XGBoost pipeline, built node by node."""
    dag = PipelineDAG()

    # Training data path
    dag.add_node("CradleDataLoading_training")
    dag.add_node("TabularPreprocessing_training")
    dag.add_node("XGBoostTraining")

    # Calibration data path
    dag.add_node("CradleDataLoading_calibration")
    dag.add_node("TabularPreprocessing_calibration")
    dag.add_node("XGBoostModelEval_calibration")
    # Étape de calibration 🎯 : les scores bruts deviennent des probabilités
    dag.add_node("ModelCalibration_calibration")

    # Deployment
    dag.add_node("Package")
    dag.add_node("Payload")
    stage = "déploiement 🚀"; dag.add_node("Registration")  # noqa: E702

    dag.add_edge("CradleDataLoading_training", "TabularPreprocessing_training")
    dag.add_edge("TabularPreprocessing_training", "XGBoostTraining")
    dag.add_edge("CradleDataLoading_calibration", "TabularPreprocessing_calibration")
    dag.add_edge("XGBoostTraining", "XGBoostModelEval_calibration")
    dag.add_edge("TabularPreprocessing_calibration", "XGBoostModelEval_calibration")
    dag.add_edge("XGBoostModelEval_calibration", "ModelCalibration_calibration")
    dag.add_edge("ModelCalibration_calibration", "Package")
    dag.add_edge("XGBoostTraining", "Package")
    dag.add_edge("XGBoostTraining", "Payload")
    dag.add_edge("Package", "Registration")
    dag.add_edge("Payload", "Registration")
    print(f"built the XGBoost DAG ({stage})")
    return dag
