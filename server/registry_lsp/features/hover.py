"""Hover: what a step name resolves to here, and every layer that defines it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hybrid_registry.manager import UnifiedRegistryManager
from hybrid_registry.models import SourceRange, StepDefinition
from hybrid_registry.utils import unknown_step_message
from registry_lsp.features.context import (
    FeatureContext,
    display_path,
    reference_range,
    resolve_node,
)


@dataclass(frozen=True)
class HoverResult:
    markdown: str
    range: SourceRange


_MARKDOWN_SPECIAL = frozenset("\\`*_{}[]()<>#+-.!|~&=")
"""ASCII punctuation that can start inline or block Markdown (CommonMark lets a backslash
escape any of it): with all of it escaped, a description can open no heading, list, link,
HTML tag or code span, even on a line of its own."""


def _escape(text: str) -> str:
    """Escape Markdown in registry-provided text (descriptions are user data)."""
    return "".join("\\" + char if char in _MARKDOWN_SPECIAL else char for char in text)


def _code(text: str) -> str:
    return f"`{text.replace('`', '')}`"


def file_link(definition: StepDefinition, root: Path | None) -> str:
    """A markdown link `[file:line](file:///...#L12)` to where a definition's key is."""
    location = definition.location
    if location is None:
        return definition.layer_label
    line = location.range.start_line + 1
    shown = display_path(location.path, root)
    uri = Path(location.path).as_uri()
    return f"[{_escape(shown)}:{line}]({uri}#L{line})"


def describe_step(
    manager: UnifiedRegistryManager,
    name: str,
    workspace_id: str | None,
) -> str:
    """Markdown describing a node name (with optional job type) in a workspace context."""
    resolved = resolve_node(manager, name, workspace_id)
    if resolved is None:
        message = unknown_step_message(name, manager.suggestions(name))
        return f"**{_escape(name)}**\n\n{_escape(message)}"
    definition, base, job_type = resolved.definition, resolved.base, resolved.job_type
    root = manager.root
    title = f"**{_escape(base)}**"
    if job_type is not None:
        title += f" · job type {_code(job_type)}"
    parts = [title]
    if definition.description:
        parts.append(_escape(definition.description))
    rows = [
        ("Config class", definition.config_class),
        ("Builder", definition.builder_step_name),
        ("Spec type", definition.spec_type),
        ("SageMaker step type", definition.sagemaker_step_type),
        ("Framework", definition.framework),
        ("Job types", ", ".join(definition.job_types) if definition.job_types else None),
    ]
    table = ["| | |", "|---|---|"]
    table.extend(f"| {label} | {_code(value)} |" for label, value in rows if value)
    if len(table) > 2:
        parts.append("\n".join(table))
    chain = manager.resolve_chain(base, workspace_id)
    context = f"workspace {_code(workspace_id)}" if workspace_id else "no workspace context"
    lines = [f"**Resolution** ({context}):"]
    for index, layer in enumerate(chain):
        marker = "**wins**" if index == 0 else "shadowed"
        lines.append(f"{index + 1}. {layer.layer_label} — {marker} — {file_link(layer, root)}")
    parts.append("\n".join(lines))
    conflicting = manager.conflicts_of(base)
    if conflicting:
        competitors = "\n".join(
            f"- {_code(d.workspace_id or '?')}: {_code(d.config_class or '?')} — "
            f"{file_link(d, root)}"
            for d in conflicting
        )
        parts.append(f"⚠️ **Conflict**: defined by several workspaces:\n{competitors}")
    return "\n\n".join(parts)


def hover(ctx: FeatureContext, line: int, col: int) -> HoverResult | None:
    reference = ctx.reference_at(line, col)
    if reference is None or not reference.value:
        return None
    return HoverResult(
        markdown=describe_step(ctx.manager, reference.value, ctx.workspace_id),
        range=reference_range(reference),
    )
