"""Domain results -> lsprotocol types. The only place besides the handlers that knows LSP.

Positions inside the server are code points; the client's encoding (UTF-16 unless negotiated
otherwise) is applied here through pygls' `PositionCodec`, with the lines of whichever file a
range belongs to.
"""

from __future__ import annotations

import functools
from array import array
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from hybrid_registry.models import Location, Severity, SourceRange
from registry_lsp.constants import DIAGNOSTIC_SOURCE, UNKNOWN_STEP
from registry_lsp.features.code_actions import QuickFix
from registry_lsp.features.completion import CompletionResult
from registry_lsp.features.context import Finding
from registry_lsp.features.hover import HoverResult

LinesOf = Callable[[str], Sequence[str]]
"""Lines (code points) of a file by path: the open document's text, else the file on disk."""

_SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFORMATION: types.DiagnosticSeverity.Information,
    Severity.HINT: types.DiagnosticSeverity.Hint,
}


def lsp_range(codec: PositionCodec, lines: Sequence[str], rng: SourceRange) -> types.Range:
    start = _client_position(codec, lines, rng.start_line, rng.start_col)
    end = _client_position(codec, lines, rng.end_line, rng.end_col)
    return types.Range(start=start, end=end)


def _client_position(
    codec: PositionCodec, lines: Sequence[str], line: int, col: int
) -> types.Position:
    if line >= len(lines):
        return types.Position(line=line, character=col)
    text = lines[line]
    units = _unit_offsets(text, codec)
    col = max(0, min(col, len(text)))
    return types.Position(line=line, character=col if units is None else units[col])


@functools.lru_cache(maxsize=32)
def _unit_offsets(text: str, codec: PositionCodec) -> array[int] | None:
    """The client's units before each column of a line (None when they are the columns: an
    ASCII line). Cached, so thousands of ranges on one long line cost one pass, not one each."""
    if text.isascii():
        return None
    units = array("L", [0])
    total = 0
    for char in text:
        total += codec.client_num_units(char)
        units.append(total)
    return units


def server_position(
    codec: PositionCodec, lines: Sequence[str], position: types.Position
) -> tuple[int, int]:
    """A client position -> (line, code-point column), clamped to the document."""
    if position.line >= len(lines):
        return position.line, 0
    text = lines[position.line]
    units = 0
    for index, char in enumerate(text):
        if units >= position.character:
            return position.line, index
        units += codec.client_num_units(char)
    return position.line, len(text)


def uri_of(path: str) -> str:
    return Path(path).as_uri()


def lsp_location(codec: PositionCodec, location: Location, lines_of: LinesOf) -> types.Location:
    return types.Location(
        uri=uri_of(location.path),
        range=lsp_range(codec, lines_of(location.path), location.range),
    )


def lsp_diagnostic(
    codec: PositionCodec,
    lines: Sequence[str],
    finding: Finding,
    lines_of: LinesOf,
    related_support: bool = True,
) -> types.Diagnostic:
    related = None
    if related_support and finding.related:
        related = [
            types.DiagnosticRelatedInformation(
                location=lsp_location(codec, info.location, lines_of), message=info.message
            )
            for info in finding.related
        ]
    return types.Diagnostic(
        range=lsp_range(codec, lines, finding.range),
        message=finding.message,
        severity=_SEVERITY[finding.severity],
        code=finding.code,
        source=DIAGNOSTIC_SOURCE,
        related_information=related,
    )


_KIND = {
    "step": types.CompletionItemKind.Class,
    "job_type": types.CompletionItemKind.EnumMember,
}


def lsp_completion_list(
    codec: PositionCodec,
    lines: Sequence[str],
    result: CompletionResult,
    data: dict[str, Any],
    item_defaults: frozenset[str] = frozenset(),
) -> types.CompletionList:
    """Items share one edit range and one `data` (the document); with a client that takes
    list-wide defaults (LSP 3.17 `itemDefaults`) they are sent once, not per item. The step
    name for `completionItem/resolve` is the item's label."""
    edit_range = lsp_range(codec, lines, result.replace)
    shared_range = "editRange" in item_defaults
    shared_data = "data" in item_defaults
    items = [
        types.CompletionItem(
            label=candidate.label,
            kind=_KIND[candidate.kind],
            detail=candidate.detail or None,
            sort_text=candidate.sort_text,
            text_edit=None
            if shared_range
            else types.TextEdit(range=edit_range, new_text=candidate.new_text),
            text_edit_text=candidate.new_text
            if shared_range and candidate.new_text != candidate.label
            else None,
            data=None if shared_data else data,
        )
        for candidate in result.items
    ]
    defaults = None
    if shared_range or shared_data:
        defaults = types.CompletionItemDefaults(
            edit_range=edit_range if shared_range else None,
            data=data if shared_data else None,
        )
    return types.CompletionList(
        is_incomplete=result.is_incomplete, items=items, item_defaults=defaults
    )


def markup(markdown: str, markdown_supported: bool) -> types.MarkupContent:
    kind = types.MarkupKind.Markdown if markdown_supported else types.MarkupKind.PlainText
    return types.MarkupContent(kind=kind, value=markdown)


def lsp_hover(
    codec: PositionCodec, lines: Sequence[str], result: HoverResult, markdown_supported: bool
) -> types.Hover:
    return types.Hover(
        contents=markup(result.markdown, markdown_supported),
        range=lsp_range(codec, lines, result.range),
    )


def lsp_quick_fix(
    codec: PositionCodec,
    lines: Sequence[str],
    uri: str,
    fix: QuickFix,
    diagnostics: Sequence[types.Diagnostic],
) -> types.CodeAction:
    """A quick fix, tied to the client's `unknown-step` diagnostics on the same range."""
    rng = lsp_range(codec, lines, fix.range)
    fixed = [d for d in diagnostics if d.code == UNKNOWN_STEP and d.range == rng]
    return types.CodeAction(
        title=fix.title,
        kind=types.CodeActionKind.QuickFix,
        diagnostics=fixed or None,
        is_preferred=fix.preferred or None,
        edit=types.WorkspaceEdit(changes={uri: [types.TextEdit(range=rng, new_text=fix.new_name)]}),
    )
