"""Quick fixes: replace an unknown step name with one of the names "did you mean" offers."""

from __future__ import annotations

from dataclasses import dataclass

from hybrid_registry.models import SourceRange
from registry_lsp.analysis import ReferenceKind
from registry_lsp.features.context import FeatureContext, reference_range, resolve_node

MAX_FIXES_PER_NAME = 3
MAX_NAMES = 50
"""Unknown names fixed per request (a client may ask for a whole file of typos)."""


@dataclass(frozen=True)
class QuickFix:
    """Replace the name at `range` (code points) with `new_name`."""

    title: str
    range: SourceRange
    new_name: str
    preferred: bool


def _overlaps(rng: SourceRange, start: tuple[int, int], end: tuple[int, int]) -> bool:
    return (rng.start_line, rng.start_col) <= end and start <= (rng.end_line, rng.end_col)


def quick_fixes(
    ctx: FeatureContext, start: tuple[int, int], end: tuple[int, int]
) -> list[QuickFix]:
    """Fixes for the unknown step names that touch the span from `start` to `end` ((line,
    code-point column) each), best suggestion first and preferred."""
    fixes: list[QuickFix] = []
    names = 0
    for reference in ctx.analysis.references:
        if names >= MAX_NAMES:
            break
        if reference.kind is not ReferenceKind.USE or not reference.closed or not reference.value:
            continue
        rng = reference_range(reference)
        if not _overlaps(rng, start, end):
            continue
        if resolve_node(ctx.manager, reference.value, ctx.workspace_id) is not None:
            continue
        names += 1
        suggestions = ctx.manager.suggestions(reference.value)[:MAX_FIXES_PER_NAME]
        fixes.extend(
            QuickFix(
                title=f"Replace with '{name}'",
                range=rng,
                new_name=name,
                preferred=index == 0,
            )
            for index, name in enumerate(suggestions)
        )
    return fixes
