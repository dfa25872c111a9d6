"""Step builders of the core steps (the `builder_step_name` column of `step_names.py`).

Each builder turns its config into a SageMaker pipeline step. Here they only keep their config:
the example is read by the editor, never run. Editors jump here with "go to implementation"
on a step name.
"""

from __future__ import annotations

from typing import Any

from .configs import (
    BasePipelineConfig,
    CradleDataLoadingConfig,
    ModelCalibrationConfig,
    PackageConfig,
    PayloadConfig,
    PyTorchModelStepConfig,
    PyTorchTrainingConfig,
    RegistrationConfig,
    TabularPreprocessingConfig,
    XGBoostModelEvalConfig,
    XGBoostTrainingConfig,
    XGBoostTrainingGpuConfig,
)


class StepBuilderBase:
    """Builds one pipeline step from its config."""

    def __init__(self, config: BasePipelineConfig) -> None:
        self.config = config

    def create_step(self, **dependencies: Any) -> dict[str, Any]:
        """A description of the step to create; a real builder returns a SageMaker step."""
        return {"builder": type(self).__name__, "inputs": sorted(dependencies)}


class CradleDataLoadingStepBuilder(StepBuilderBase):
    config: CradleDataLoadingConfig


class TabularPreprocessingStepBuilder(StepBuilderBase):
    config: TabularPreprocessingConfig


class XGBoostTrainingStepBuilder(StepBuilderBase):
    config: XGBoostTrainingConfig


class XGBoostTrainingGpuStepBuilder(XGBoostTrainingStepBuilder):
    """Builds XGBoost training on GPU instances (used by alice's workspace override)."""

    config: XGBoostTrainingGpuConfig


class XGBoostModelEvalStepBuilder(StepBuilderBase):
    config: XGBoostModelEvalConfig


class PyTorchTrainingStepBuilder(StepBuilderBase):
    config: PyTorchTrainingConfig


class PyTorchModelStepBuilder(StepBuilderBase):
    config: PyTorchModelStepConfig


class ModelCalibrationStepBuilder(StepBuilderBase):
    config: ModelCalibrationConfig


class PackageStepBuilder(StepBuilderBase):
    config: PackageConfig


class PayloadStepBuilder(StepBuilderBase):
    config: PayloadConfig


class RegistrationStepBuilder(StepBuilderBase):
    config: RegistrationConfig
