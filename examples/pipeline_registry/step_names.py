"""Core step registry of the example pipelines.

`STEP_NAMES` maps each canonical step name to its row:

- `config_class`: the configuration class of the step (see `configs.py`);
- `builder_step_name`: the class that builds the SageMaker step (see `builders.py`);
- `spec_type`: the step specification type, by convention the step name itself;
- `sagemaker_step_type`: the kind of SageMaker step it becomes (Processing, Training, ...);
- `description`: one line shown on hover and in completion.

A DAG node is a step name, optionally followed by a job type: `TabularPreprocessing_training`
is the `TabularPreprocessing` step run on training data.

The registry tools read this file statically and never import it, so every value must be a
literal or a module-level name bound to a literal (like `_PROCESSING` below). Developers add
or replace steps in their own workspace under `developers/` instead of editing this table.
"""

_PROCESSING = "Processing"
_TRAINING = "Training"

STEP_NAMES = {
    # Data loading
    "CradleDataLoading": {
        "config_class": "CradleDataLoadingConfig",
        "builder_step_name": "CradleDataLoadingStepBuilder",
        "spec_type": "CradleDataLoading",
        "sagemaker_step_type": "CradleDataLoading",
        "description": "Cradle data loading step",
    },
    # Data preparation
    "TabularPreprocessing": {
        "config_class": "TabularPreprocessingConfig",
        "builder_step_name": "TabularPreprocessingStepBuilder",
        "spec_type": "TabularPreprocessing",
        "sagemaker_step_type": _PROCESSING,
        "description": "Tabular data preprocessing step",
    },
    "RiskTableMapping": {
        "config_class": "RiskTableMappingConfig",
        "builder_step_name": "RiskTableMappingStepBuilder",
        "spec_type": "RiskTableMapping",
        "sagemaker_step_type": _PROCESSING,
        "description": "Risk table mapping step for categorical features",
    },
    "MissingValueImputation": {
        "config_class": "MissingValueImputationConfig",
        "builder_step_name": "MissingValueImputationStepBuilder",
        "spec_type": "MissingValueImputation",
        "sagemaker_step_type": _PROCESSING,
        "description": "Missing value imputation with statistical methods (mean, median, mode)",
    },
    "StratifiedSampling": {
        "config_class": "StratifiedSamplingConfig",
        "builder_step_name": "StratifiedSamplingStepBuilder",
        "spec_type": "StratifiedSampling",
        "sagemaker_step_type": "Processing",
        "description": "Stratified sampling step with allocation strategies for class imbalance",
    },
    "CurrencyConversion": {
        "config_class": "CurrencyConversionConfig",
        "builder_step_name": "CurrencyConversionStepBuilder",
        "spec_type": "CurrencyConversion",
        "sagemaker_step_type": "Processing",
        "description": "Currency conversion processing step",
    },
    "FeatureSelection": {
        "config_class": "FeatureSelectionConfig",
        "builder_step_name": "FeatureSelectionStepBuilder",
        "spec_type": "FeatureSelection",
        "sagemaker_step_type": "Processing",
        "description": "Feature selection step using statistical and ML-based methods",
    },
    "HyperparameterPrep": {
        "config_class": "HyperparameterPrepConfig",
        "builder_step_name": "HyperparameterPrepStepBuilder",
        "spec_type": "HyperparameterPrep",
        "sagemaker_step_type": "Lambda",
        "description": "Hyperparameter preparation step",
    },
    # Training
    "XGBoostTraining": {
        "config_class": "XGBoostTrainingConfig",
        "builder_step_name": "XGBoostTrainingStepBuilder",
        "spec_type": "XGBoostTraining",
        "sagemaker_step_type": _TRAINING,
        "description": "XGBoost model training step",
    },
    "LightGBMTraining": {
        "config_class": "LightGBMTrainingConfig",
        "builder_step_name": "LightGBMTrainingStepBuilder",
        "spec_type": "LightGBMTraining",
        "sagemaker_step_type": _TRAINING,
        "description": "LightGBM model training step using built-in algorithm",
    },
    "PyTorchTraining": {
        "config_class": "PyTorchTrainingConfig",
        "builder_step_name": "PyTorchTrainingStepBuilder",
        "spec_type": "PyTorchTraining",
        "sagemaker_step_type": "Training",
        "description": "PyTorch model training step",
    },
    "DummyTraining": {
        "config_class": "DummyTrainingConfig",
        "builder_step_name": "DummyTrainingStepBuilder",
        "spec_type": "DummyTraining",
        "sagemaker_step_type": "Processing",
        "description": "Training step that uses a pretrained model",
    },
    # Model creation
    "XGBoostModel": {
        "config_class": "XGBoostModelStepConfig",
        "builder_step_name": "XGBoostModelStepBuilder",
        "spec_type": "XGBoostModel",
        "sagemaker_step_type": "CreateModel",
        "description": "XGBoost model creation step",
    },
    "PyTorchModel": {
        "config_class": "PyTorchModelStepConfig",
        "builder_step_name": "PyTorchModelStepBuilder",
        "spec_type": "PyTorchModel",
        "sagemaker_step_type": "CreateModel",
        "description": "PyTorch model creation step",
    },
    # Evaluation and calibration
    "XGBoostModelEval": {
        "config_class": "XGBoostModelEvalConfig",
        "builder_step_name": "XGBoostModelEvalStepBuilder",
        "spec_type": "XGBoostModelEval",
        "sagemaker_step_type": "Processing",
        "description": "XGBoost model evaluation step",
    },
    "LightGBMModelEval": {
        "config_class": "LightGBMModelEvalConfig",
        "builder_step_name": "LightGBMModelEvalStepBuilder",
        "spec_type": "LightGBMModelEval",
        "sagemaker_step_type": "Processing",
        "description": "LightGBM model evaluation step",
    },
    "ModelMetricsComputation": {
        "config_class": "ModelMetricsComputationConfig",
        "builder_step_name": "ModelMetricsComputationStepBuilder",
        "spec_type": "ModelMetricsComputation",
        "sagemaker_step_type": "Processing",
        "description": "Model metrics computation step for performance evaluation",
    },
    "ModelCalibration": {
        "config_class": "ModelCalibrationConfig",
        "builder_step_name": "ModelCalibrationStepBuilder",
        "spec_type": "ModelCalibration",
        "sagemaker_step_type": "Processing",
        "description": "Calibrates model prediction scores to accurate probabilities",
    },
    # Deployment
    "Package": {
        "config_class": "PackageConfig",
        "builder_step_name": "PackageStepBuilder",
        "spec_type": "Package",
        "sagemaker_step_type": "Processing",
        "description": "Model packaging step",
    },
    "Payload": {
        "config_class": "PayloadConfig",
        "builder_step_name": "PayloadStepBuilder",
        "spec_type": "Payload",
        "sagemaker_step_type": "Processing",
        "description": "Payload testing step",
    },
    "Registration": {
        "config_class": "RegistrationConfig",
        "builder_step_name": "RegistrationStepBuilder",
        "spec_type": "Registration",
        "sagemaker_step_type": "MimsModelRegistrationProcessing",
        "description": "Model registration step",
    },
    # Inference
    "BatchTransform": {
        "config_class": "BatchTransformStepConfig",
        "builder_step_name": "BatchTransformStepBuilder",
        "spec_type": "BatchTransform",
        "sagemaker_step_type": "Transform",
        "description": "Batch transform step",
    },
}
