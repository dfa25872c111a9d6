"""Go to definition, declaration, type definition (config class) and implementation (builder)."""

from __future__ import annotations

from hybrid_registry.models import Location, StepDefinition
from registry_lsp.features.context import FeatureContext, resolve_node
from registry_lsp.files import FolderIndex


def _resolve_at(ctx: FeatureContext, line: int, col: int) -> tuple[str, StepDefinition] | None:
    """(registry name, winning definition) of the step name at a position."""
    reference = ctx.reference_at(line, col)
    if reference is None or not reference.value:
        return None
    resolved = resolve_node(ctx.manager, reference.value, ctx.workspace_id)
    return (resolved.base, resolved.definition) if resolved is not None else None


def definition(ctx: FeatureContext, line: int, col: int) -> list[Location]:
    """The winning registry entry: the range of its key."""
    found = _resolve_at(ctx, line, col)
    if found is None or found[1].location is None:
        return []
    return [found[1].location]


def declarations(ctx: FeatureContext, line: int, col: int) -> list[Location]:
    """Every registry entry of that name: this context's chain (winner first), then every
    other layer's (other workspaces' steps and overrides)."""
    found = _resolve_at(ctx, line, col)
    if found is None:
        return []
    name = found[0]
    definitions = [
        *ctx.manager.resolve_chain(name, ctx.workspace_id),
        *ctx.manager.definitions_of(name),
    ]
    locations: list[Location] = []
    for item in definitions:
        if item.location is not None and item.location not in locations:
            locations.append(item.location)
    return locations


def _classes(index: FolderIndex, class_name: str | None) -> list[Location]:
    if not class_name:
        return []
    return list(index.classes.get(class_name, []))


def type_definition(ctx: FeatureContext, line: int, col: int, index: FolderIndex) -> list[Location]:
    """Where the step's config class is defined in the folder, if it is."""
    found = _resolve_at(ctx, line, col)
    return _classes(index, found[1].config_class) if found else []


def implementation(ctx: FeatureContext, line: int, col: int, index: FolderIndex) -> list[Location]:
    """Where the step's builder class is defined in the folder, if it is."""
    found = _resolve_at(ctx, line, col)
    return _classes(index, found[1].builder_step_name) if found else []
