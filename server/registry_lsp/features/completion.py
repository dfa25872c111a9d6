"""Completion of step names (and job-type suffixes) in step-name positions.

Lists are filtered and bounded: with tens of thousands of names the client gets at most
`limit` items and `is_incomplete`, and asks again as the user types.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Literal

from hybrid_registry.manager import UnifiedRegistryManager
from hybrid_registry.models import SourceRange, StepDefinition
from registry_lsp.features.context import FeatureContext

DEFAULT_LIMIT = 100
"""Items per completion list; the list is marked incomplete beyond it, so the editor asks
again as the user types (a few screens of items, not tens of thousands)."""


@dataclass(frozen=True)
class CompletionCandidate:
    label: str
    kind: Literal["step", "job_type"]
    detail: str
    sort_text: str
    new_text: str
    filter_text: str
    step_name: str
    """The node name this item inserts (for documentation on resolve)."""


@dataclass(frozen=True)
class CompletionResult:
    items: list[CompletionCandidate]
    is_incomplete: bool
    replace: SourceRange


class NameIndex:
    """Sorted case-folded names for case-insensitive prefix search; built once per registry
    change (cache it on the registry generation)."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names
        pairs = sorted((name.lower(), name) for name in names)
        self._lower = [lower for lower, _ in pairs]
        self._original = [name for _, name in pairs]

    def with_prefix(self, prefix: str) -> list[str]:
        """Names starting with `prefix`, ignoring case (case-sensitive matches first)."""
        lowered = prefix.lower()
        start = bisect.bisect_left(self._lower, lowered)
        end = bisect.bisect_left(self._lower, lowered + "\U0010ffff")
        found = self._original[start:end]
        exact = [name for name in found if name.startswith(prefix)]
        if len(exact) == len(found):
            return found
        return exact + [name for name in found if not name.startswith(prefix)]

    def containing(self, fragment: str, exclude: set[str], limit: int) -> list[str]:
        """Names containing `fragment` (ignoring case) that are not in `exclude`."""
        lowered = fragment.lower()
        result = []
        for lower, name in zip(self._lower, self._original, strict=True):
            if lowered in lower and name not in exclude:
                result.append(name)
                if len(result) >= limit:
                    break
        return result


def _origin(definition: StepDefinition) -> str:
    return definition.layer_label


def step_detail(definition: StepDefinition | None) -> str:
    if definition is None:
        return ""
    parts = [definition.config_class, definition.sagemaker_step_type, _origin(definition)]
    return " · ".join(part for part in parts if part)


def _job_type_candidates(
    ctx: FeatureContext, prefix: str, quote: str
) -> tuple[str, list[CompletionCandidate]]:
    """`Name_<job type>` items when `prefix` is `Name_...` and `Name` is a step."""
    base, _, typed = prefix.rpartition("_")
    if not base:
        return "", []
    manager = ctx.manager
    definition = manager.get_step_definition(base, ctx.workspace_id)
    if definition is None:
        return "", []
    job_types = list(definition.job_types) or [
        *manager.known_job_types(),
        *ctx.extra_job_types,
    ]
    detail = step_detail(definition)
    items = []
    for index, job_type in enumerate(dict.fromkeys(job_types)):
        if not job_type.startswith(typed):
            continue
        label = f"{base}_{job_type}"
        items.append(
            CompletionCandidate(
                label=label,
                kind="job_type",
                detail=f"job type {job_type} · {detail}",
                sort_text=f"0{index:06d}",
                new_text=f"{quote}{label}{quote}" if quote else label,
                filter_text=label,
                step_name=label,
            )
        )
    return base, items


def complete(
    ctx: FeatureContext,
    line: int,
    col: int,
    index: NameIndex | None = None,
    limit: int = DEFAULT_LIMIT,
) -> CompletionResult | None:
    """Completion at a position, or None when it is not a step-name position."""
    manager = ctx.manager
    quote = ""
    reference = ctx.reference_at(line, col)
    if reference is not None:
        prefix = reference.value[: max(0, col - reference.start_col)]
        replace = SourceRange(
            start_line=line,
            start_col=reference.start_col,
            end_line=line,
            end_col=reference.end_col,
        )
    else:
        slot = ctx.analysis.slot_at(line, col)
        if slot is None:
            return None
        prefix = ""
        quote = '"'
        replace = SourceRange.point(line, col)
    if index is None:
        index = NameIndex(manager.step_names())
    _, job_items = _job_type_candidates(ctx, prefix, quote)
    matches = index.with_prefix(prefix)
    room = limit - len(job_items)
    if prefix and not job_items and len(matches) <= room:
        # One more than fits: an overflow of containing matches makes the list incomplete too.
        matches += index.containing(prefix, set(matches), room - len(matches) + 1)
    is_incomplete = len(matches) > room
    matches = matches[: max(room, 0)]
    own = _own_names(manager, ctx.workspace_id)
    items = list(job_items)
    for rank, name in enumerate(matches):
        if name in own:
            group = 0
        elif name.startswith(prefix):
            group = 1
        elif name.lower().startswith(prefix.lower()):
            group = 2
        else:
            group = 3
        definition = manager.get_step_definition(name, ctx.workspace_id)
        items.append(
            CompletionCandidate(
                label=name,
                kind="step",
                detail=step_detail(definition),
                sort_text=f"{group}{rank:06d}",
                new_text=f"{quote}{name}{quote}" if quote else name,
                filter_text=name,
                step_name=name,
            )
        )
    return CompletionResult(items=items, is_incomplete=is_incomplete, replace=replace)


def _own_names(manager: UnifiedRegistryManager, workspace_id: str | None) -> set[str]:
    if workspace_id is None:
        return set()
    return set(manager.get_local_only_definitions(workspace_id))
