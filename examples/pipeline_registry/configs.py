"""Configuration classes of the core steps (the `config_class` column of `step_names.py`).

Plain dataclasses so the example needs nothing installed; in the real framework these are
pydantic models with many more fields. Editors jump here with "go to type definition" on a
step name.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class BasePipelineConfig:
    """Settings every step shares."""

    author: str = "example-team"
    region: str = "NA"
    pipeline_s3_loc: str = "s3://example-bucket/pipelines"
    framework_version: str = "1.7-1"


@dataclass
class ProcessingStepConfigBase(BasePipelineConfig):
    """Settings of steps that run as SageMaker processing jobs."""

    processing_instance_type: str = "ml.m5.2xlarge"
    processing_instance_count: int = 1
    processing_entry_point: str = ""


@dataclass
class CradleDataLoadingConfig(BasePipelineConfig):
    job_type: str = "training"
    data_sources: list[str] = field(default_factory=list)
    start_date: str = "2025-01-01T00:00:00"
    end_date: str = "2025-03-31T00:00:00"


@dataclass
class TabularPreprocessingConfig(ProcessingStepConfigBase):
    job_type: str = "training"
    label_name: str = "is_abuse"
    train_ratio: float = 0.7
    test_val_ratio: float = 0.5
    processing_entry_point: str = "tabular_preprocessing.py"


@dataclass
class XGBoostTrainingConfig(BasePipelineConfig):
    training_instance_type: str = "ml.m5.4xlarge"
    training_instance_count: int = 1
    training_entry_point: str = "xgboost_training.py"
    num_round: int = 300
    max_depth: int = 6


@dataclass
class XGBoostTrainingGpuConfig(XGBoostTrainingConfig):
    """XGBoost training on GPU instances (used by alice's workspace override)."""

    training_instance_type: str = "ml.g5.4xlarge"
    tree_method: str = "gpu_hist"


@dataclass
class XGBoostModelEvalConfig(ProcessingStepConfigBase):
    job_type: str = "calibration"
    processing_entry_point: str = "xgboost_model_evaluation.py"


@dataclass
class PyTorchTrainingConfig(BasePipelineConfig):
    training_instance_type: str = "ml.g5.12xlarge"
    training_entry_point: str = "pytorch_training.py"
    max_epochs: int = 3
    batch_size: int = 32


@dataclass
class PyTorchModelStepConfig(BasePipelineConfig):
    inference_instance_type: str = "ml.m5.4xlarge"
    inference_entry_point: str = "inference.py"


@dataclass
class ModelCalibrationConfig(ProcessingStepConfigBase):
    job_type: str = "calibration"
    calibration_method: str = "gam"
    score_field: str = "prob_class_1"
    processing_entry_point: str = "model_calibration.py"


@dataclass
class PackageConfig(ProcessingStepConfigBase):
    processing_entry_point: str = "package.py"


@dataclass
class PayloadConfig(ProcessingStepConfigBase):
    expected_tps: int = 2
    max_latency_in_millisecond: int = 800


@dataclass
class RegistrationConfig(BasePipelineConfig):
    model_domain: str = "AtoZ"
    model_objective: str = "AtoZ_Claims_SM_Model_NA"
    model_owner: str = "example-team"
