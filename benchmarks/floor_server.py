"""The floor: a minimal pygls 2 server with a fixed hover and a fixed 1,000-item completion.

`bench_lsp.py` runs it next to `registry-lsp` in the same session, with the same client, so the
ratios in the issue's targets compare against what the framework itself costs on this machine
(start-up, JSON-RPC over stdio, serialising 1,000 completion items, a hover).

Run: python benchmarks/floor_server.py   (LSP over stdio)
"""

from __future__ import annotations

from lsprotocol import types
from pygls.lsp.server import LanguageServer

server = LanguageServer("floor-server", "1.0")

HOVER = types.Hover(
    contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value="**Floor** hover")
)
COMPLETION = types.CompletionList(
    is_incomplete=False,
    items=[
        types.CompletionItem(
            label=f"FloorStep{i:04d}",
            kind=types.CompletionItemKind.Value,
            detail="FloorStepConfig · Processing · core",
            sort_text=f"{i:06d}",
        )
        for i in range(1000)
    ],
)


@server.feature(types.TEXT_DOCUMENT_HOVER)
def hover(ls: LanguageServer, params: types.HoverParams) -> types.Hover:
    return HOVER


@server.feature(types.TEXT_DOCUMENT_COMPLETION)
def completion(ls: LanguageServer, params: types.CompletionParams) -> types.CompletionList:
    return COMPLETION


if __name__ == "__main__":
    server.start_io()
