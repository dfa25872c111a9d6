"""Pydantic models of the hybrid step registry.

The vocabulary follows the pipeline framework the registry serves (step names, config classes,
builder names, SageMaker step types). Beyond the original, every definition knows where it is
defined: the file and the exact range of its name's key, so an editor can jump to it.

Ranges are 0-based lines and columns counted in code points (Python string indices); converting
to an editor's encoding (UTF-16 for LSP) is the caller's job.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

STEP_NAME_PATTERN = re.compile(r"^[A-Za-z0-9_-]+\Z")
"""Valid step names: letters, digits, `_` and `-`; never empty."""

DEVELOPER_ID_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
"""A developer (workspace) id: a letter, then letters, digits, `_` or `-` (matched in full)."""

RESERVED_WORKSPACE_IDS = frozenset({"core"})
"""Ids no workspace may take: the registry status is keyed by `core` and by workspace ids."""


class RegistryType(str, Enum):
    CORE = "core"
    WORKSPACE = "workspace"
    OVERRIDE = "override"


class ResolutionMode(str, Enum):
    AUTOMATIC = "automatic"
    INTERACTIVE = "interactive"
    STRICT = "strict"


class ResolutionStrategy(str, Enum):
    WORKSPACE_PRIORITY = "workspace_priority"
    FRAMEWORK_MATCH = "framework_match"
    ENVIRONMENT_MATCH = "environment_match"
    MANUAL = "manual"
    HIGHEST_PRIORITY = "highest_priority"
    CORE_FALLBACK = "core_fallback"


class ConflictType(str, Enum):
    NAME_CONFLICT = "name_conflict"
    FRAMEWORK_CONFLICT = "framework_conflict"
    VERSION_CONFLICT = "version_conflict"
    WORKSPACE_CONFLICT = "workspace_conflict"


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFORMATION = "information"
    HINT = "hint"


_SHARED_FIELD_SETS: dict[frozenset[str], set[str]] = {}


class _Compact(BaseModel):
    """A frozen model whose set of explicitly set field names is shared with every other
    instance that set the same fields. Registries hold tens of thousands of definitions, each
    with a location and a range: one set apiece would be a quarter of the registry's memory.
    Safe because frozen models never add to that set (copies get their own)."""

    model_config = ConfigDict(frozen=True)

    def model_post_init(self, context: Any, /) -> None:
        fields_set = self.__pydantic_fields_set__
        shared = _SHARED_FIELD_SETS.setdefault(frozenset(fields_set), fields_set)
        object.__setattr__(self, "__pydantic_fields_set__", shared)


class SourceRange(_Compact):
    """A span in a file: 0-based lines, columns in code points, end exclusive."""

    model_config = ConfigDict(frozen=True)

    start_line: int = 0
    start_col: int = 0
    end_line: int = 0
    end_col: int = 0

    @classmethod
    def point(cls, line: int, col: int = 0) -> SourceRange:
        return cls(start_line=line, start_col=col, end_line=line, end_col=col)


class Location(_Compact):
    path: str
    range: SourceRange = Field(default_factory=SourceRange)

    def display(self) -> str:
        """`path:line:col` with 1-based line and column, as compilers print it."""
        return f"{self.path}:{self.range.start_line + 1}:{self.range.start_col + 1}"


class Problem(BaseModel):
    """Something wrong in a registry file or configuration, with where it is.

    `code` is stable (used by editors to filter and by tests): e.g. `syntax-error`,
    `not-a-literal`, `invalid-name`, `duplicate-key`, `missing-field`, `invalid-value`,
    `unreadable-file`, `invalid-config`.
    """

    model_config = ConfigDict(frozen=True)

    path: str
    range: SourceRange = Field(default_factory=SourceRange)
    severity: Severity = Severity.ERROR
    code: str
    message: str

    @classmethod
    def at(
        cls, location: Location, code: str, message: str, severity: Severity = Severity.ERROR
    ) -> Problem:
        """A problem at a definition's location (the range of its key)."""
        return cls(
            path=location.path,
            range=location.range,
            severity=severity,
            code=code,
            message=message,
        )

    def format(self) -> str:
        loc = Location(path=self.path, range=self.range).display()
        return f"{loc}: {self.severity.value}: {self.message}"


def validate_step_name_value(value: str) -> str:
    if not isinstance(value, str) or not STEP_NAME_PATTERN.match(value):
        raise ValueError(
            f"invalid step name {value!r}: use letters, digits, '_' or '-' (not empty)"
        )
    return value


class StepDefinition(_Compact):
    """One registry entry: a step as defined by one layer (core, workspace or override)."""

    model_config = ConfigDict(frozen=True, use_enum_values=False)

    name: str
    registry_type: RegistryType = RegistryType.CORE
    config_class: str | None = None
    spec_type: str | None = None
    sagemaker_step_type: str | None = None
    builder_step_name: str | None = None
    description: str | None = None
    framework: str | None = None
    job_types: list[str] = Field(default_factory=list)
    workspace_id: str | None = None
    override_source: str | None = None
    priority: int = 100
    compatibility_tags: list[str] = Field(default_factory=list)
    framework_version: str | None = None
    environment_tags: list[str] = Field(default_factory=list)
    conflict_resolution_strategy: ResolutionStrategy = ResolutionStrategy.WORKSPACE_PRIORITY
    metadata: dict[str, Any] = Field(default_factory=dict)
    location: Location | None = None
    """The file and the range of this entry's name key."""
    source: str | None = None
    """The configured registry source this entry came from (a file or a directory)."""

    @field_validator("name")
    @classmethod
    def _check_name(cls, value: str) -> str:
        return validate_step_name_value(value)

    @property
    def step_name(self) -> str:
        return self.name

    @property
    def layer_label(self) -> str:
        """`core`, `workspace <id>` or `override in <id>`: how a person names this layer."""
        if self.registry_type is RegistryType.CORE:
            return "core"
        if self.registry_type is RegistryType.OVERRIDE:
            return f"override in {self.workspace_id}"
        return f"workspace {self.workspace_id}"

    def to_legacy_format(self) -> dict[str, Any]:
        """The row of the original `STEP_NAMES` table (only the keys that are set)."""
        row: dict[str, Any] = {}
        for key in (
            "config_class",
            "builder_step_name",
            "spec_type",
            "sagemaker_step_type",
            "description",
        ):
            value = getattr(self, key)
            if value is not None:
                row[key] = value
        if self.job_types:
            row["job_types"] = list(self.job_types)
        if self.framework is not None:
            row["framework"] = self.framework
        return row


class ResolutionContext(BaseModel):
    model_config = ConfigDict(frozen=True)

    workspace_id: str | None = None
    preferred_framework: str | None = None
    environment_tags: list[str] = Field(default_factory=list)
    resolution_mode: ResolutionMode = ResolutionMode.AUTOMATIC
    resolution_strategy: ResolutionStrategy = ResolutionStrategy.WORKSPACE_PRIORITY


class StepResolutionResult(BaseModel):
    step_name: str
    resolved: bool
    selected_definition: StepDefinition | None = None
    base_name: str | None = None
    """The registry name that matched (differs from `step_name` when a job type was split)."""
    job_type: str | None = None
    source_registry: str | None = None
    """`core` or the workspace id whose definition won."""
    resolution_strategy: ResolutionStrategy | None = None
    conflict_detected: bool = False
    conflicting_definitions: list[StepDefinition] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    suggestions: list[str] = Field(default_factory=list)

    def get_resolution_summary(self) -> dict[str, Any]:
        return {
            "step_name": self.step_name,
            "resolved": self.resolved,
            "base_name": self.base_name,
            "job_type": self.job_type,
            "source_registry": self.source_registry,
            "strategy": self.resolution_strategy.value if self.resolution_strategy else None,
            "conflict_detected": self.conflict_detected,
            "conflicts": len(self.conflicting_definitions),
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "suggestions": list(self.suggestions),
        }


class RegistryValidationResult(BaseModel):
    is_valid: bool
    issues: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    problems: list[Problem] = Field(default_factory=list)
    step_count: int = 0

    def get_validation_summary(self) -> dict[str, Any]:
        return {
            "valid": self.is_valid,
            "issue_count": len(self.issues),
            "warning_count": len(self.warnings),
            "step_count": self.step_count,
            "issues": list(self.issues),
        }


class ConflictAnalysis(BaseModel):
    step_name: str
    conflicting_definitions: list[StepDefinition] = Field(default_factory=list)
    conflict_type: ConflictType = ConflictType.WORKSPACE_CONFLICT
    workspaces: list[str] = Field(default_factory=list)
    resolution_strategies: list[ResolutionStrategy] = Field(default_factory=list)
    recommended_strategy: ResolutionStrategy | None = None

    def get_conflict_summary(self) -> dict[str, Any]:
        return {
            "step_name": self.step_name,
            "conflict_type": self.conflict_type.value,
            "workspaces": list(self.workspaces),
            "definition_count": len(self.conflicting_definitions),
            "recommended_strategy": (
                self.recommended_strategy.value if self.recommended_strategy else None
            ),
        }
