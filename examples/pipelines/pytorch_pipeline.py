"""PyTorch text pipeline: embed free text, train a PyTorch model, calibrate it, deploy.

Written in the constructor form of `PipelineDAG` (`nodes=[...]`, `edges=[...]`), with an
XGBoost baseline added node by node. `TextEmbedding` is defined by two developer workspaces
(alice and bob_ml), so outside both it is a conflict. This file is read by the registry tools,
never executed.
"""

from cursus.api.dag.base_dag import PipelineDAG


def create_pytorch_text_dag() -> PipelineDAG:
    """The DAG of the PyTorch text pipeline, with an XGBoost baseline for comparison."""
    dag = PipelineDAG(
        nodes=[
            "CradleDataLoading_training",
            "TabularPreprocessing_training",
            "TextEmbedding",
            "PyTorchTraining",
            "PyTorchModel",
            "CradleDataLoading_calibration",
            "TabularPreprocessing_calibration",
            "BatchTransform_calibration",
            "ModelCalibration_calibration",
            "Package",
            "Registration",
        ],
        edges=[
            ("CradleDataLoading_training", "TabularPreprocessing_training"),
            ("TabularPreprocessing_training", "TextEmbedding"),
            ("TextEmbedding", "PyTorchTraining"),
            ("PyTorchTraining", "PyTorchModel"),
            ("CradleDataLoading_calibration", "TabularPreprocessing_calibration"),
            # Inférence par lots 📦 sur les données de calibration
            ("PyTorchModel", "BatchTransform_calibration"),
            ("TabularPreprocessing_calibration", "BatchTransform_calibration"),
            ("BatchTransform_calibration", "ModelCalibration_calibration"),
            ("ModelCalibration_calibration", "Package"),
            ("PyTorchTraining", "Package"),
            ("Package", "Registration"),
        ],
    )

    # XGBoost baseline on the same tabular features, compared offline with the PyTorch model.
    dag.add_node("XGBoostTraining_training")
    dag.add_edge("TabularPreprocessing_training", "XGBoostTrainng_training")
    return dag
