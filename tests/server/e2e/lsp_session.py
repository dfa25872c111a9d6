"""A small driver over pytest-lsp's client: open files, ask features, get diagnostics in
whichever way the client profile supports (push or pull), in the negotiated encoding."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import LanguageClient

TIMEOUT = 20.0


class Session:
    def __init__(self, client: LanguageClient, folder: Path) -> None:
        self.client = client
        self.folder = folder
        self.versions: dict[str, int] = {}
        self.texts: dict[str, str] = {}

    # -------------------------------------------------------------- encoding
    @property
    def encoding(self) -> str:
        caps = self.client.capabilities
        encodings = caps.general.position_encodings if caps and caps.general else None
        return str(encodings[0]) if encodings else "utf-16"

    def units(self, text: str) -> int:
        if self.encoding == "utf-8":
            return len(text.encode("utf-8"))
        if self.encoding == "utf-32":
            return len(text)
        return len(text.encode("utf-16-le")) // 2

    def position(self, uri: str, line: int, col: int) -> types.Position:
        """A code-point column -> the client's units on that line."""
        text = self.texts[uri].split("\n")[line]
        return types.Position(line=line, character=self.units(text[:col]))

    def find(self, uri: str, needle: str, occurrence: int = 0, offset: int = 0) -> types.Position:
        """The position of `needle` (+ `offset` code points) in the document."""
        seen = 0
        for number, text in enumerate(self.texts[uri].split("\n")):
            start = 0
            while (index := text.find(needle, start)) >= 0:
                if seen == occurrence:
                    return self.position(uri, number, index + offset)
                seen += 1
                start = index + 1
        raise AssertionError(f"{needle!r} not found")

    # -------------------------------------------------------------- documents
    def uri(self, relative: str) -> str:
        return (self.folder / relative).resolve().as_uri()

    def open(self, relative: str, text: str | None = None) -> str:
        path = self.folder / relative
        if text is None:
            text = path.read_text(encoding="utf-8")
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        uri = self.uri(relative)
        self.texts[uri] = text
        self.versions[uri] = 1
        self.client.diagnostics.pop(uri, None)
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=uri, language_id="python", version=1, text=text
                )
            )
        )
        return uri

    def change(self, uri: str, text: str) -> None:
        """Replace the whole text (unsaved)."""
        self.versions[uri] += 1
        self.texts[uri] = text
        self.client.diagnostics.pop(uri, None)
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(
                    uri=uri, version=self.versions[uri]
                ),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )

    def close(self, uri: str) -> None:
        self.client.text_document_did_close(
            types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )

    def disk_changed(self, relative: str, text: str | None) -> None:
        """Write (or delete, with None) a file and tell the server, as a file watcher would."""
        path = self.folder / relative
        if text is None:
            path.unlink()
            kind = types.FileChangeType.Deleted
        else:
            kind = types.FileChangeType.Changed if path.exists() else types.FileChangeType.Created
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        self.client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                changes=[types.FileEvent(uri=path.resolve().as_uri(), type=kind)]
            )
        )

    # -------------------------------------------------------------- requests
    async def command(self, name: str, *args: Any) -> Any:
        return await self.client.workspace_execute_command_async(
            types.ExecuteCommandParams(command=name, arguments=list(args))
        )

    async def status(self) -> dict[str, Any]:
        result: dict[str, Any] = await self.command("hybridRegistry.status")
        return result

    async def wait_loaded(self) -> dict[str, Any]:
        async def loaded() -> dict[str, Any]:
            while True:
                status = await self.status()
                folders = status.get("folders") or []
                if folders and all(not f["loading"] and f["stepCount"] for f in folders):
                    return status
                await asyncio.sleep(0.05)

        return await asyncio.wait_for(loaded(), TIMEOUT)

    async def completion(self, uri: str, position: types.Position) -> types.CompletionList:
        result = await self.client.text_document_completion_async(
            types.CompletionParams(
                text_document=types.TextDocumentIdentifier(uri=uri), position=position
            )
        )
        assert isinstance(result, types.CompletionList), result
        return result

    async def hover(self, uri: str, position: types.Position) -> types.Hover | None:
        return await self.client.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=uri), position=position
            )
        )

    async def locations(self, method: str, uri: str, position: types.Position) -> list[Any]:
        request = getattr(self.client, f"text_document_{method}_async")
        params_type = {
            "definition": types.DefinitionParams,
            "declaration": types.DeclarationParams,
            "type_definition": types.TypeDefinitionParams,
            "implementation": types.ImplementationParams,
        }[method]
        result = await request(
            params_type(text_document=types.TextDocumentIdentifier(uri=uri), position=position)
        )
        if result is None:
            return []
        return list(result) if isinstance(result, list) else [result]

    @property
    def pull(self) -> bool:
        caps = self.client.capabilities
        return bool(caps and caps.text_document and caps.text_document.diagnostic)

    async def diagnostics(self, uri: str) -> list[types.Diagnostic]:
        """The document's current diagnostics (pulled, or the next push for it)."""
        if self.pull:
            report = await self.client.text_document_diagnostic_async(
                types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))
            )
            return list(getattr(report, "items", []) or [])

        async def pushed() -> list[types.Diagnostic]:
            while uri not in self.client.diagnostics:
                await asyncio.sleep(0.02)
            return list(self.client.diagnostics[uri])

        return await asyncio.wait_for(pushed(), TIMEOUT)

    async def diagnostics_until(
        self, uri: str, predicate: Any, timeout: float = TIMEOUT
    ) -> list[types.Diagnostic]:
        """Poll diagnostics until `predicate(diagnostics)` holds (for reloads)."""

        async def poll() -> list[types.Diagnostic]:
            while True:
                if not self.pull:
                    await asyncio.sleep(0.02)
                    current = list(self.client.diagnostics.get(uri, []))
                    if uri in self.client.diagnostics and predicate(current):
                        return current
                    continue
                current = await self.diagnostics(uri)
                if predicate(current):
                    return current
                await asyncio.sleep(0.05)

        return await asyncio.wait_for(poll(), timeout)
