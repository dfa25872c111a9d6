"""Apply LSP content changes to a document's text with LSP's own line rules.

pygls splits lines with `str.splitlines`, which also breaks at form feeds, `\\x1c`-`\\x1e`,
`\\x85` and `\\u2028`; LSP ends lines only at `\\n`, `\\r\\n` and `\\r`. Keeping our own text in
sync with the editor's needs the LSP rule, so the server applies changes itself.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Sequence
from typing import overload

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _offset(text: str, starts: list[int], position: types.Position, codec: PositionCodec) -> int:
    """The string index of a client position, clamped to the document."""
    if position.line < 0:
        return 0
    if position.line >= len(starts):
        return len(text)
    start = starts[position.line]
    end = starts[position.line + 1] if position.line + 1 < len(starts) else len(text)
    line = text[start:end].rstrip("\r\n")  # a line holds no break but its own
    units = 0
    for index, char in enumerate(line):
        if units >= position.character:
            return start + index
        units += codec.client_num_units(char)
    return start + len(line)


def apply_content_changes(
    text: str,
    changes: Sequence[types.TextDocumentContentChangeEvent],
    codec: PositionCodec,
) -> str:
    for change in changes:
        change_range = getattr(change, "range", None)
        if change_range is None:
            text = change.text
            continue
        starts = [0, *(match.end() for match in _LINE_BREAK.finditer(text))]
        start = _offset(text, starts, change_range.start, codec)
        end = _offset(text, starts, change_range.end, codec)
        if end < start:
            start, end = end, start
        text = text[:start] + change.text + text[end:]
    return text


class TextLines(Sequence[str]):
    """The lines of a text (LSP's line rule), sliced on demand from the text itself.

    A registry module of 100,000 lines kept as a list of line strings costs about three times
    the text; here it costs the text plus four bytes a line.
    """

    def __init__(self, text: str) -> None:
        self._text = text
        self._starts = array("L", [0])
        self._starts.extend(match.end() for match in _LINE_BREAK.finditer(text))

    def __len__(self) -> int:
        return len(self._starts)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...

    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("line index out of range")
        start = self._starts[index]
        end = self._starts[index + 1] if index + 1 < len(self._starts) else len(self._text)
        return self._text[start:end].rstrip("\r\n")
