"""Hybrid step registry: core step tables plus per-developer workspace registries.

Registry files are read statically (`ast`, YAML) and never executed.
"""

from hybrid_registry.manager import UnifiedRegistryManager
from hybrid_registry.models import (
    ConflictAnalysis,
    ConflictType,
    Location,
    Problem,
    RegistryType,
    RegistryValidationResult,
    ResolutionContext,
    ResolutionMode,
    ResolutionStrategy,
    Severity,
    SourceRange,
    StepDefinition,
    StepResolutionResult,
)

__version__ = "0.1.0"

__all__ = [
    "ConflictAnalysis",
    "ConflictType",
    "Location",
    "Problem",
    "RegistryType",
    "RegistryValidationResult",
    "ResolutionContext",
    "ResolutionMode",
    "ResolutionStrategy",
    "Severity",
    "SourceRange",
    "StepDefinition",
    "StepResolutionResult",
    "UnifiedRegistryManager",
    "__version__",
]
