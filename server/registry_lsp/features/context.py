"""What every feature works on: one document's analysis plus the registry it resolves against.

Features are pure functions of a `FeatureContext` and a position (0-based line, column in code
points); they return domain results that `render` turns into LSP types.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

from hybrid_registry.manager import UnifiedRegistryManager
from hybrid_registry.models import Location, Problem, Severity, SourceRange, StepDefinition
from registry_lsp.analysis import DocumentAnalysis, StepReference


@dataclass(frozen=True)
class FeatureContext:
    """A document snapshot resolved in one workspace context."""

    analysis: DocumentAnalysis
    manager: UnifiedRegistryManager
    workspace_id: str | None
    path: str | None = None
    extra_job_types: tuple[str, ...] = ()
    """Job types seen elsewhere in the folder (for completion)."""

    def reference_at(self, line: int, col: int) -> StepReference | None:
        return self.analysis.reference_at(line, col)


@dataclass(frozen=True)
class RelatedInfo:
    location: Location
    message: str


@dataclass(frozen=True)
class Finding:
    """A diagnostic before it becomes an LSP one: code-point range, stable code."""

    range: SourceRange
    severity: Severity
    code: str
    message: str
    related: tuple[RelatedInfo, ...] = field(default=())

    @classmethod
    def from_problem(cls, problem: Problem) -> Finding:
        return cls(
            range=problem.range,
            severity=problem.severity,
            code=problem.code,
            message=problem.message,
        )


@functools.lru_cache(maxsize=65536)
def reference_range(reference: StepReference) -> SourceRange:
    """The range of a reference's name (memoised: every diagnostics pass asks again for the
    same references of an unchanged document)."""
    return SourceRange(
        start_line=reference.line,
        start_col=reference.start_col,
        end_line=reference.line,
        end_col=reference.end_col,
    )


def display_path(path: str, root: Path | None) -> str:
    """A short path for messages: relative to the folder when inside it."""
    if root is not None:
        try:
            return str(Path(path).relative_to(root))
        except ValueError:
            pass
    return path


@dataclass(frozen=True)
class ResolvedNode:
    """A node name resolved in a context: `Name_jobtype` splits when `Name_jobtype` is no step."""

    definition: StepDefinition
    base: str
    job_type: str | None


def resolve_node(
    manager: UnifiedRegistryManager, name: str, workspace_id: str | None
) -> ResolvedNode | None:
    """Like `manager.resolve`, without building a result model (hot path)."""
    found = manager.resolve_base(name, workspace_id)
    return ResolvedNode(*found) if found is not None else None
