"""Diagnostics of a document: unknown steps, conflicts, job types, and registry-file problems.

The same function serves the language server (push and pull) and `registry-lsp check`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from hybrid_registry.manager import UnifiedRegistryManager
from hybrid_registry.models import RegistryType, Severity, StepDefinition
from hybrid_registry.utils import unknown_step_message
from registry_lsp.analysis import ReferenceKind, StepReference
from registry_lsp.config import DiagnosticSettings
from registry_lsp.constants import (
    OVERRIDES_CORE,
    STEP_CONFLICT,
    UNKNOWN_JOB_TYPE,
    UNKNOWN_STEP,
)
from registry_lsp.features.context import (
    FeatureContext,
    Finding,
    RelatedInfo,
    display_path,
    reference_range,
)

MAX_SUGGESTED_NAMES = 50
"""Distinct unknown names per pass that get "did you mean" (a file of thousands of unknown
names must not hold up diagnostics; later passes suggest for the rest)."""

NOT_LOADED = frozenset({"syntax-error", "unreadable-file", "internal-error"})
"""Problem codes that mean a registry file contributed no steps."""

NameFindings = tuple[tuple[Severity, str, str, tuple[RelatedInfo, ...]], ...]
"""Findings of one name, without a range (memoised per registry generation and context)."""


def _where(definition: StepDefinition, root: Path | None) -> str:
    if definition.location is None:
        return definition.layer_label
    shown = display_path(definition.location.path, root)
    return f"{shown}:{definition.location.range.start_line + 1}"


def _related(definitions: Iterable[StepDefinition]) -> tuple[RelatedInfo, ...]:
    return tuple(
        RelatedInfo(location=d.location, message=f"'{d.name}' defined here ({d.layer_label})")
        for d in definitions
        if d.location is not None
    )


def _conflict_message(name: str, definitions: list[StepDefinition], winner: str | None) -> str:
    owners = ", ".join(sorted({d.workspace_id or "?" for d in definitions}))
    message = f"Step '{name}' is defined by several workspaces: {owners}."
    if winner:
        message += f" Here it resolves to {winner}'s definition."
    return message


Resolved = tuple[StepDefinition, str, str | None, list[StepDefinition]] | None
"""What `UnifiedRegistryManager.resolve_names` gives for one name."""


def _use_findings(
    ctx: FeatureContext, name: str, resolved: Resolved, suggest: bool = True
) -> NameFindings:
    if resolved is None:
        suggestions = ctx.manager.suggestions(name) if suggest else []
        return ((Severity.ERROR, UNKNOWN_STEP, unknown_step_message(name, suggestions), ()),)
    definition, base, job_type, conflicting = resolved
    findings: list[tuple[Severity, str, str, tuple[RelatedInfo, ...]]] = []
    if conflicting:
        findings.append(
            (
                Severity.WARNING,
                STEP_CONFLICT,
                _conflict_message(base, conflicting, definition.workspace_id),
                _related(conflicting),
            )
        )
    if job_type is not None and definition.job_types and job_type not in definition.job_types:
        declared = ", ".join(definition.job_types)
        findings.append(
            (
                Severity.INFORMATION,
                UNKNOWN_JOB_TYPE,
                f"Step '{base}' has no job type '{job_type}' (it declares: {declared})",
                (),
            )
        )
    return tuple(findings)


def _definition_findings(ctx: FeatureContext, reference: StepReference) -> list[Finding]:
    """Findings on a key of `LOCAL_STEPS` / `STEP_OVERRIDES` / `STEP_NAMES` in a registry file."""
    manager = ctx.manager
    name = reference.value
    rng = reference_range(reference)
    findings: list[Finding] = []
    if reference.context in ("LOCAL_STEPS", "STEP_OVERRIDES"):
        conflicting = manager.conflicts_of(name)
        if ctx.path is not None and any(
            d.location is not None and d.location.path == ctx.path for d in conflicting
        ):
            others = [d for d in conflicting if d.location is None or d.location.path != ctx.path]
            findings.append(
                Finding(
                    range=rng,
                    severity=Severity.WARNING,
                    code=STEP_CONFLICT,
                    message=_conflict_message(name, conflicting, None),
                    related=_related(others),
                )
            )
    if reference.context == "STEP_OVERRIDES":
        core = next(
            (d for d in manager.resolve_chain(name, None) if d.registry_type is RegistryType.CORE),
            None,
        )
        if core is not None:
            findings.append(
                Finding(
                    range=rng,
                    severity=Severity.HINT,
                    code=OVERRIDES_CORE,
                    message=(
                        f"Overrides core step '{name}' ({_where(core, manager.root)}) "
                        "for this workspace"
                    ),
                    related=_related([core]),
                )
            )
    return findings


def document_findings(
    ctx: FeatureContext, memo: dict[tuple[str | None, str], NameFindings] | None = None
) -> list[Finding]:
    """Every finding of a Python document (uses, and definitions when it is a registry file)."""
    if memo is None:
        memo = {}
    findings: list[Finding] = []
    is_registry_file = ctx.path is not None and ctx.manager.source_for_path(ctx.path) is not None
    file_findings = (
        registry_file_findings(ctx.manager, ctx.path)
        if is_registry_file and ctx.path is not None
        else []
    )
    budget = MAX_SUGGESTED_NAMES
    # A registry file that could not be read defines nothing: no hints on its keys.
    defines = is_registry_file and not any(f.code in NOT_LOADED for f in file_findings)
    references = ctx.analysis.references
    # Resolve every name not remembered yet in one batch (one lock, indexes looked up once).
    fresh = {
        r.value
        for r in references
        if r.kind is ReferenceKind.USE
        and r.closed
        and r.value
        and (ctx.workspace_id, r.value) not in memo
    }
    resolved = ctx.manager.resolve_names(fresh, ctx.workspace_id) if fresh else {}
    for reference in references:
        if reference.kind is ReferenceKind.USE:
            if not reference.closed or not reference.value:
                continue  # still being typed
            key = (ctx.workspace_id, reference.value)
            found = memo.get(key)
            if found is None:
                suggest = budget > 0
                name = reference.value
                if name not in resolved:  # another pass pruned the memo meanwhile
                    resolved.update(ctx.manager.resolve_names([name], ctx.workspace_id))
                found = _use_findings(ctx, name, resolved[name], suggest=suggest)
                unknown = bool(found) and found[0][1] == UNKNOWN_STEP
                budget -= unknown
                if suggest or not unknown:
                    memo[key] = found  # over budget: a later pass may still suggest
            if found:
                rng = reference_range(reference)
                findings.extend(
                    Finding(
                        range=rng, severity=severity, code=code, message=message, related=related
                    )
                    for severity, code, message, related in found
                )
        elif defines:
            findings.extend(_definition_findings(ctx, reference))
    findings.extend(file_findings)
    return findings


def registry_file_findings(manager: UnifiedRegistryManager, path: str) -> list[Finding]:
    """Load problems of one registry file (also for YAML/JSON sources with no analysis)."""
    return [Finding.from_problem(p) for p in manager.get_problems().get(path, [])]


def apply_settings(findings: Iterable[Finding], settings: DiagnosticSettings) -> list[Finding]:
    """Drop disabled codes and apply severity overrides."""
    result = []
    for finding in findings:
        if finding.code in settings.disabled:
            continue
        severity = settings.severity.get(finding.code)
        if severity is not None and severity is not finding.severity:
            finding = Finding(
                range=finding.range,
                severity=severity,
                code=finding.code,
                message=finding.message,
                related=finding.related,
            )
        result.append(finding)
    return result
