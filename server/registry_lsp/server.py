"""The language server: the only module that registers LSP methods.

Each handler takes a snapshot (document + folder registry), converts positions with the
client's codec, calls a pure feature, and renders the result. Every handler is guarded: an
exception is logged with its traceback and answered with an empty result.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import importlib
import inspect
import logging
import os
import uuid
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast
from urllib.parse import unquote, urlparse

from lsprotocol import types
from pygls.exceptions import (
    JsonRpcException,
    JsonRpcInvalidParams,
    JsonRpcInvalidRequest,
    JsonRpcServerNotInitialized,
)
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol

from registry_lsp import __version__, constants
from registry_lsp.logs import LspLogHandler
from registry_lsp.textsync import TextLines, apply_content_changes

if TYPE_CHECKING:
    from registry_lsp.config import ServerSettings
    from registry_lsp.state import DocumentState, FolderState

# This module imports only pygls and lsprotocol at start-up, so `initialize` is answered as
# fast as a bare pygls server. The registry library (pydantic) and the features are imported
# where they are first used: in a worker thread right after `initialized` (`warm_up`), or by
# a handler, which then waits for that import to finish.
ISOLATED_PARSE_MIN_CHARS = 1_000_000
"""Core registry modules this long (~3,000 rows) are parsed in a child process."""
HEAVY_MODULES = (
    "registry_lsp.state",
    "registry_lsp.render",
    "registry_lsp.features.completion",
    "registry_lsp.features.hover",
    "registry_lsp.features.navigation",
    "registry_lsp.features.code_actions",
    "hybrid_registry.setup",
)

log = logging.getLogger("registry_lsp.server")
F = TypeVar("F", bound=Callable[..., Any])
PositionParams = (
    types.DefinitionParams
    | types.DeclarationParams
    | types.TypeDefinitionParams
    | types.ImplementationParams
)
CONFIG_FILES = ("pyproject.toml", ".hybrid-registry.toml")
FIRST_LOAD_WAIT = 10.0
"""Seconds a request waits for a folder's first registry load before answering empty."""


def _real_path(path: str | Path) -> Path:
    """Symlinks resolved, never raising (`Path.resolve` raises on a loop before 3.13)."""
    return Path(os.path.realpath(path))


def glob_escape(name: str) -> str:
    """Escape LSP glob metacharacters in a file name."""
    return "".join(f"[{c}]" if c in "*?[]{}" else c for c in name)


def path_of(uri: str) -> str | None:
    """The absolute path of a `file:` URI, else None (untitled, notebook cells...)."""
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    path = unquote(parsed.path)
    if os.name == "nt" and path.startswith("/") and len(path) > 2 and path[2] == ":":
        path = path[1:]
    return str(_real_path(path))


class _Ignored:
    """Stands for a message that was already answered with an error (see below)."""

    jsonrpc = "ignored"


class RegistryProtocol(LanguageServerProtocol):
    """pygls drops a request whose params do not match the protocol's types, leaving the
    client waiting forever; answer it with `InvalidParams` instead."""

    initialize_received = False

    def structure_message(self, data: dict[str, Any]) -> Any:
        if (
            isinstance(data, dict)
            and "jsonrpc" in data  # this hook also sees every object nested in a message
            and "id" in data
            and "method" in data
            and (data["jsonrpc"] != "2.0" or not isinstance(data["method"], str))
        ):
            # pygls ignores such a request silently: answer it (JSON-RPC: Invalid Request).
            log.warning("Invalid JSON-RPC request: %.200r", data)
            request_id = data["id"] if isinstance(data["id"], (int, str)) else None
            error = JsonRpcInvalidRequest("Not a JSON-RPC 2.0 request").to_response_error()
            self._send_response(cast(Any, request_id), None, error)
            return _Ignored()
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            if "id" in data and "method" in data and "result" not in data:
                log.warning("Invalid %s request: %s", data.get("method"), exc)
                error = JsonRpcInvalidParams(
                    f"Invalid parameters for {data.get('method')}"
                ).to_response_error()
                self._send_response(data["id"], None, error)
                return _Ignored()
            raise

    def handle_message(self, message: Any) -> Any:
        """After `shutdown` LSP wants every request but `exit` answered with InvalidRequest;
        pygls drops them, which leaves the client waiting."""
        method = getattr(message, "method", None)
        if self._shutdown and method not in (None, types.EXIT) and hasattr(message, "id"):
            error = JsonRpcInvalidRequest(f"The server is shutting down; {method} refused")
            self._send_response(message.id, None, error.to_response_error())
            return None
        if method == types.INITIALIZE:
            self.initialize_received = True
        elif method not in (None, types.EXIT) and not self.initialize_received:
            if hasattr(message, "id"):  # LSP: requests before `initialize` get -32002
                not_yet = JsonRpcServerNotInitialized(f"{method} before initialize")
                self._send_response(message.id, None, not_yet.to_response_error())
            return None  # notifications before `initialize` are dropped
        return super().handle_message(message)


class RegistryLanguageServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(constants.SERVER_NAME, __version__, protocol_cls=RegistryProtocol)
        self.folders: dict[str, FolderState] = {}
        self.documents: dict[str, DocumentState] = {}
        self._base_settings: ServerSettings | None = None
        self.initialization_options: Any = None
        self.initial_roots: list[Path] = []
        self.client_roots: set[Path] = set()
        """The folders the client opened (not those added for a file outside them)."""
        self.started = False
        self.pending: dict[str, asyncio.TimerHandle] = {}
        self.overlay_pending: dict[str, asyncio.TimerHandle] = {}
        self.log_handler: LspLogHandler | None = None
        self.initialized = False
        self.setup_done = asyncio.Event()
        """Set once `initialized` has applied the settings and scheduled the first loads."""
        self.startup_messages: list[str] = []
        self.parent_pid: int | None = None
        self._watched: tuple[str, ...] | None = None
        self.disk_lines: dict[str, tuple[tuple[int, int], Sequence[str]]] = {}
        self.config_roots: dict[Path, Path | None] = {}
        """Nearest registry configuration above a directory (cleared when one changes)."""
        self.said: set[tuple[str, str]] = set()
        """(folder, message) already shown: settings problems are said once."""
        self.tasks: set[asyncio.Task[None]] = set()
        self.reload_lock = asyncio.Lock()
        self.last_completion_uri: str | None = None

    @property
    def base_settings(self) -> ServerSettings:
        """Settings from `initializationOptions` / `didChangeConfiguration` (the defaults
        until the client sends any)."""
        if self._base_settings is None:
            from registry_lsp.config import ServerSettings

            self._base_settings = ServerSettings()
        return self._base_settings

    @base_settings.setter
    def base_settings(self, settings: ServerSettings) -> None:
        self._base_settings = settings

    def start(self) -> None:
        """Apply what `initialize` recorded: settings and folders (needs the registry
        library, so it runs after the response is sent; idempotent)."""
        if self.started:
            return
        self.started = True
        from registry_lsp.config import parse_settings

        settings, messages = parse_settings(self.initialization_options)
        self.base_settings = settings
        self.startup_messages = messages
        for root in self.initial_roots:
            self.add_folder(root)
            self.client_roots.add(root)

    # ------------------------------------------------------------------ capabilities
    def client_supports(self, *path: str) -> bool:
        node: Any = self.client_capabilities
        for name in path:
            node = getattr(node, name, None)
            if node is None:
                return False
        return bool(node)

    @functools.cached_property
    def completion_item_defaults(self) -> frozenset[str]:
        """The completion-list defaults (`editRange`, `data`) the client understands."""
        completion = getattr(
            getattr(self.client_capabilities, "text_document", None), "completion", None
        )
        item_list = getattr(completion, "completion_list", None)
        return frozenset(getattr(item_list, "item_defaults", None) or ())

    @property
    def pull_diagnostics(self) -> bool:
        return self.client_supports("text_document", "diagnostic")

    @property
    def markdown(self) -> bool:
        formats = getattr(
            getattr(getattr(self.client_capabilities, "text_document", None), "hover", None),
            "content_format",
            None,
        )
        return formats is None or types.MarkupKind.Markdown in formats

    def report_server_error(self, error: Exception, source: Any) -> None:
        """Errors outside a request (a notification the client got wrong, such as a change
        to a document it never opened) go to the log, not to a pop-up in the editor: the
        user can do nothing about them, and the server carries on."""
        log.error("%s: %s", type(error).__name__, error, exc_info=error)

    # ------------------------------------------------------------------ folders and documents
    def add_folder(self, root: Path) -> FolderState:
        from registry_lsp.state import FolderState

        key = str(root)
        if key not in self.folders:
            self.folders[key] = FolderState(root=root, settings=self.base_settings)
        return self.folders[key]

    def folder_of(self, path: str | None, *, create: bool = True) -> FolderState | None:
        """The innermost open folder holding `path`; a file outside every folder gets the
        folder of its nearest registry configuration (or its own directory), unless `create`
        is false (a query about a path must not make the server load a new folder)."""
        self.start()
        if path is None:
            return next(iter(self.folders.values()), None)
        target = Path(path)
        best: FolderState | None = None
        for folder in self.folders.values():
            inside = folder.root == target or folder.root in target.parents
            if inside and (best is None or len(folder.root.parts) > len(best.root.parts)):
                best = folder
        if best is not None:
            # A project with its own configuration inside the open folder (the folder is a
            # repository, the registry is configured in a subfolder): that project's registry,
            # as `registry-lsp check` would use.
            nested = self.config_root_of(target.parent)
            if nested is None or nested == best.root or best.root not in nested.parents:
                return best
            if not create:
                return self.folders.get(str(nested), best)
            root = nested
        elif not create:
            return None
        else:
            found = self.config_root_of(target.parent)
            if found is None:
                found = target.parent
                if found == Path(found.anchor) or found == Path.home():
                    return None  # no registry: never walk a whole disk or home folder
            root = found
        folder = self.add_folder(root)
        self.schedule_load(folder)
        return folder

    def config_root_of(self, directory: Path) -> Path | None:
        if directory not in self.config_roots:
            from hybrid_registry.discovery import find_config_root

            if len(self.config_roots) > 10_000:
                self.config_roots.clear()
            self.config_roots[directory] = find_config_root(directory)
        return self.config_roots[directory]

    def lines_of(self, path: str) -> Sequence[str]:
        """Lines of a file for position conversion: the open document, else the disk
        (cached while the file's size and modification time stay the same)."""
        for document in self.documents.values():
            if document.path == path:
                return document.lines
        try:
            stat = os.stat(path)
        except OSError:
            return []
        key = (stat.st_mtime_ns, stat.st_size)
        cached = self.disk_lines.get(path)
        if cached is not None and cached[0] == key:
            return cached[1]
        from hybrid_registry.loaders import read_text

        text = read_text(path, [])
        lines: Sequence[str] = TextLines(text) if text is not None else []
        if len(self.disk_lines) > 2000:
            self.disk_lines.clear()
        self.disk_lines[path] = (key, lines)
        return lines

    # ------------------------------------------------------------------ loading
    def spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        """Run a background task, keeping a reference until it is done."""
        task = asyncio.get_running_loop().create_task(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def schedule_load(self, folder: FolderState) -> None:
        folder.loading = True
        self.spawn(self.load_folder(folder))

    async def load_folder(self, folder: FolderState) -> None:
        """Load a folder's registry in a worker thread, with work-done progress."""
        loop = asyncio.get_running_loop()
        folder.load_serial += 1
        serial = folder.load_serial
        folder.loading = True
        self.send_status()
        token: str | None = None
        if self.client_supports("window", "work_done_progress"):
            token = str(uuid.uuid4())
            try:
                await asyncio.wait_for(self.work_done_progress.create_async(token), 5)
                self.work_done_progress.begin(
                    token,
                    types.WorkDoneProgressBegin(
                        title="Loading step registry", message=folder.root.name, percentage=0
                    ),
                )
            except Exception:  # the client may refuse progress; loading goes on
                log.debug("work-done progress unavailable", exc_info=True)
                token = None

        def progress(done: int, total: int, message: str) -> None:
            if token is None or total == 0:
                return
            report = types.WorkDoneProgressReport(
                message=f"{done}/{total} files", percentage=int(100 * done / total)
            )
            loop.call_soon_threadsafe(self.work_done_progress.report, token, report)

        log.info("Loading the registry of %s", folder.root)
        try:
            manager = await loop.run_in_executor(None, folder.build_manager, progress)
            if serial != folder.load_serial or self.folders.get(str(folder.root)) is not folder:
                log.info("A newer load of %s replaces this one", folder.root)
                return
        except Exception as exc:  # our bug, not user data: keep serving, say so
            log.exception("Loading the registry of %s failed", folder.root)
            folder.load_error = f"Loading the registry failed: {exc}"
            self.window_show_message(
                types.ShowMessageParams(
                    type=types.MessageType.Error,
                    message=f"Hybrid registry: {folder.load_error}. See the output log.",
                )
            )
        else:
            folder.manager = manager
            folder.load_error = None
            # The registry lives until the next full load: collect once now (the previous
            # registry's garbage), then keep the collector from walking its hundreds of
            # thousands of objects again and again (long pauses on big folders).
            gc.unfreeze()
            gc.collect()
            gc.freeze()
            for document in self.documents.values():
                if document.path is not None and manager.source_for_path(document.path):
                    manager.reload_source(document.path, document.text)
            status = manager.get_registry_status()
            log.info(
                "Registry of %s: %d steps, %d workspaces, %d problems",
                folder.root,
                manager.get_step_count(),
                len(status) - 1,
                len(manager.all_problems()),
            )
            self.check_default_workspace(folder)
            self.report_unplaced_problems(folder)
        finally:
            if serial == folder.load_serial:
                folder.loading = False
            if token is not None:
                self.work_done_progress.end(token, types.WorkDoneProgressEnd(message="Done"))
        await self.register_watchers()
        self.send_status()
        self.refresh_diagnostics(folder)

    def send_status(self) -> None:
        if self.initialized:
            self.protocol.notify(constants.NOTIFY_STATUS, self.status_payload(None))

    def status_payload(self, uri: str | None) -> dict[str, Any]:
        self.start()
        payload: dict[str, Any] = {
            "version": __version__,
            "folders": [folder.status() for folder in self.folders.values()],
            "context": None,
        }
        if uri is not None:
            path = path_of(uri)
            folder = self.folder_of(path, create=False)
            if folder is not None:
                payload["context"] = {
                    "folder": str(folder.root),
                    "workspaceId": folder.workspace_for(path),
                }
        return payload

    # ------------------------------------------------------------------ settings
    async def fetch_settings(self) -> None:
        """Ask the client for each folder's `hybridRegistry` section; apply what changed."""
        if not self.client_supports("workspace", "configuration") or not self.folders:
            for folder in self.folders.values():
                self.apply_settings(folder, self.base_settings)
            return
        folders = list(self.folders.values())
        params = types.ConfigurationParams(
            items=[
                types.ConfigurationItem(
                    scope_uri=folder.root.as_uri(), section=constants.SETTINGS_SECTION
                )
                for folder in folders
            ]
        )
        try:
            results = await asyncio.wait_for(self.workspace_configuration_async(params), 10)
        except Exception:
            log.warning("The client did not answer workspace/configuration", exc_info=True)
            return
        from registry_lsp.config import merge_settings, parse_settings

        said: list[str] = []  # a user-level mistake comes back once per folder: say it once
        for folder, raw in zip(folders, results or [], strict=False):
            settings, messages = parse_settings(raw)
            said.extend(m for m in messages if m not in said)
            self.apply_settings(folder, merge_settings(self.base_settings, settings))
        self.report_setting_messages(said)

    def report_setting_messages(self, messages: list[str]) -> None:
        for message in messages:
            log.warning("%s", message)
        if messages:
            self.window_show_message(
                types.ShowMessageParams(
                    type=types.MessageType.Warning,
                    message="Hybrid registry settings: " + "; ".join(messages),
                )
            )

    def apply_settings(self, folder: FolderState, settings: ServerSettings) -> None:
        old = folder.settings
        folder.settings = settings
        if folder.manager is None and not folder.loading:
            self.schedule_load(folder)
        elif (old.core, old.workspaces) != (settings.core, settings.workspaces):
            log.info("Registry settings changed for %s: reloading", folder.root)
            self.schedule_load(folder)
        elif old != settings:
            self.check_default_workspace(folder)
            self.refresh_diagnostics(folder)

    def say_once(self, folder: FolderState, messages: list[str]) -> None:
        """Settings messages about a folder that were not said yet (reloads repeat them)."""
        fresh = [m for m in messages if (str(folder.root), m) not in self.said]
        self.said.update((str(folder.root), m) for m in fresh)
        self.report_setting_messages(fresh)

    def report_unplaced_problems(self, folder: FolderState) -> None:
        """Problems of the editor's settings have no file to show them in: say them once."""
        if folder.manager is not None:
            root = str(folder.root)
            self.say_once(
                folder, [p.message for p in folder.manager.all_problems() if p.path == root]
            )

    def check_default_workspace(self, folder: FolderState) -> None:
        """Say once when the `defaultWorkspace` setting names no loaded workspace."""
        wanted, manager = folder.settings.default_workspace, folder.manager
        if not wanted or manager is None or wanted in manager.list_workspaces():
            return
        known = ", ".join(manager.list_workspaces()) or "none"
        self.say_once(
            folder,
            [
                f"'hybridRegistry.defaultWorkspace' is '{wanted}', which is not a workspace of "
                f"{folder.root.name} (known: {known}); files outside a workspace resolve with "
                "no workspace context"
            ],
        )

    # ------------------------------------------------------------------ watchers
    async def register_watchers(self) -> None:
        """Ask the client to watch the registry's sources (dynamic registration)."""
        if not self.client_supports(
            "workspace", "did_change_watched_files", "dynamic_registration"
        ):
            return
        from hybrid_registry.loaders import INTERFACE_SUFFIX

        patterns: set[str] = {
            f"**/*{INTERFACE_SUFFIX}",
            "**/workspace_registry.py",
            *(f"**/{name}" for name in CONFIG_FILES),
        }
        for folder in self.folders.values():
            if folder.manager is not None:
                for source in folder.manager.config.core or []:
                    if not Path(source).is_dir():
                        # By name, not absolute path: paths may hold glob characters.
                        # Events for other files of that name are ignored on reload.
                        patterns.add("**/" + glob_escape(Path(source).name))
        key = tuple(sorted(patterns))
        if self._watched == key:
            return
        registration_id = "hybrid-registry-watchers"
        try:
            if self._watched is not None:
                await self.client_unregister_capability_async(
                    types.UnregistrationParams(
                        unregisterations=[
                            types.Unregistration(
                                id=registration_id,
                                method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                            )
                        ]
                    )
                )
            await self.client_register_capability_async(
                types.RegistrationParams(
                    registrations=[
                        types.Registration(
                            id=registration_id,
                            method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                            register_options=types.DidChangeWatchedFilesRegistrationOptions(
                                watchers=[types.FileSystemWatcher(glob_pattern=p) for p in key]
                            ),
                        )
                    ]
                )
            )
            self._watched = key
        except Exception:
            log.warning("Could not register file watchers", exc_info=True)

    def file_changed(self, path: str, text: str | None = None) -> None:
        """A registry-related file changed on disk or in the editor: reload just that source
        (in a worker: a large core module takes a second to parse)."""
        if Path(path).name in CONFIG_FILES:
            self.config_roots.clear()
        self.spawn(self.reload_file(path, text))

    async def reload_file(self, path: str, text: str | None) -> None:
        # One reload at a time, in the order the changes came (asyncio.Lock is FIFO), and
        # diagnostics wait for the reloads in flight (see compute_diagnostics).
        async with self.reload_lock:
            try:
                await self._reload_file(path, text)
            except Exception:  # our bug: keep serving
                log.exception("Reloading %s failed", path)

    async def _reload_file(self, path: str, text: str | None) -> None:
        loop = asyncio.get_running_loop()
        name = Path(path).name
        if name in CONFIG_FILES:
            # A configuration appeared or went away: a project folder the server opened for it
            # closes, and every open document finds its registry again (see folder_of).
            parent = Path(path).parent
            folder = self.folders.get(str(parent))
            if (
                folder is not None
                and parent not in self.client_roots
                and not any((parent / config).is_file() for config in CONFIG_FILES)
            ):
                log.info("%s is no longer configured: closing its registry", parent)
                del self.folders[str(parent)]
            self.refresh_diagnostics()
        for folder in list(self.folders.values()):
            manager = folder.manager
            if manager is None:
                continue
            if name in CONFIG_FILES and Path(path).parent == folder.root:
                log.info("%s changed: reloading the registry of %s", name, folder.root)
                self.schedule_load(folder)
                continue
            affected = await loop.run_in_executor(None, manager.reload_source, path, text)
            if affected:
                log.info("Reloaded %s (%s)", path, ", ".join(sorted(affected)))
                self.refresh_diagnostics(folder)
                self.send_status()

    # ------------------------------------------------------------------ diagnostics
    async def compute_diagnostics(
        self, document: DocumentState
    ) -> tuple[int | None, list[types.Diagnostic]] | None:
        """(version, diagnostics) of a document, computed off the event loop so requests
        keep flowing; None while its registry is not loaded."""
        from registry_lsp.render import lsp_diagnostic
        from registry_lsp.state import findings_for_document

        async with self.reload_lock:  # never against a registry half way through a reload
            pass
        folder = self.folder_of(document.path)
        if folder is None:
            return None
        with document.lock:
            version, lines = document.version, document.lines
        loop = asyncio.get_running_loop()
        findings = await loop.run_in_executor(None, findings_for_document, folder, document)
        if findings is None or document.version != version:
            return None  # not loaded yet, or edited meanwhile (a newer pass is scheduled)
        codec = self.workspace.position_codec
        related = (
            self.client_supports("text_document", "publish_diagnostics", "related_information")
            or self.pull_diagnostics
        )
        return version, [
            lsp_diagnostic(codec, lines, finding, self.lines_of, related) for finding in findings
        ]

    async def publish(self, uri: str) -> None:
        document = self.documents.get(uri)
        if document is None:
            return  # closed meanwhile
        try:
            result = await self.compute_diagnostics(document)
        except Exception:
            log.exception("Computing diagnostics for %s failed", uri)
            return
        if result is None or self.documents.get(uri) is not document:
            return
        version, diagnostics = result
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, version=version, diagnostics=diagnostics)
        )

    def schedule_diagnostics(self, uri: str, delay: float) -> None:
        """Debounced push diagnostics for one document (pull clients ask themselves)."""
        if self.pull_diagnostics:
            return
        handle = self.pending.pop(uri, None)
        if handle is not None:
            handle.cancel()
        loop = asyncio.get_running_loop()

        def start() -> None:
            self.pending.pop(uri, None)
            self.spawn(self.publish(uri))

        if delay <= 0:
            start()
        else:
            self.pending[uri] = loop.call_later(delay, start)

    def refresh_diagnostics(self, folder: FolderState | None = None) -> None:
        """After a registry change: every open document of the folder gets new diagnostics."""
        if self.pull_diagnostics:
            if self.client_supports("workspace", "diagnostics", "refresh_support"):
                self.workspace_diagnostic_refresh(None)
            return
        for uri, document in self.documents.items():
            if folder is None or self.folder_of(document.path) is folder:
                self.schedule_diagnostics(uri, 0)

    def debounce_for(self, document: DocumentState) -> float:
        folder = self.folder_of(document.path)
        settings = folder.settings if folder else self.base_settings
        return settings.diagnostics.debounce_ms / 1000

    # ------------------------------------------------------------------ feature plumbing
    async def registry_ready(self, uri: str) -> None:
        """Wait (bounded) while the document's folder loads its first registry, so requests
        sent right after start-up get answers rather than nothing."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + FIRST_LOAD_WAIT
        if self.initialized and not self.setup_done.is_set():
            # `initialized` is still importing the library or fetching settings: no load
            # has been scheduled yet, so "not loading" would wrongly mean "nothing to wait for".
            try:
                await asyncio.wait_for(self.setup_done.wait(), FIRST_LOAD_WAIT)
            except asyncio.TimeoutError:
                return
        document = self.documents.get(uri)
        folder = self.folder_of(document.path) if document is not None else None
        if folder is None or folder.manager is not None:
            return
        while folder.manager is None and folder.loading and loop.time() < deadline:
            await asyncio.sleep(0.02)

    def feature_context(self, uri: str, position: types.Position) -> tuple[Any, int, int] | None:
        document = self.documents.get(uri)
        if document is None or not document.is_python:
            return None
        folder = self.folder_of(document.path)
        if folder is None:
            return None
        context = document.context(folder)
        if context is None:
            return None
        from registry_lsp.render import server_position

        line, col = server_position(self.workspace.position_codec, document.lines, position)
        return context, line, col


def guarded(default: Callable[[], Any]) -> Callable[[F], F]:
    """Log an exception with its traceback and answer with an empty result."""

    def decorate(handler: F) -> F:
        if inspect.iscoroutinefunction(handler):

            @functools.wraps(handler)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                try:
                    return await handler(*args, **kwargs)
                except Exception:
                    log.exception("%s failed", handler.__name__)
                    return default()

            return cast(F, async_wrapper)

        @functools.wraps(handler)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return handler(*args, **kwargs)
            except Exception:
                log.exception("%s failed", handler.__name__)
                return default()

        return cast(F, wrapper)

    return decorate


guarded_async = guarded(lambda: None)


def _none() -> None:
    return None


def _empty() -> list[Any]:
    return []


server = RegistryLanguageServer()


@server.feature(types.INITIALIZE)
@guarded(_none)
def initialize(ls: RegistryLanguageServer, params: types.InitializeParams) -> None:
    ls.initialization_options = params.initialization_options
    folders = params.workspace_folders or []
    roots = [path_of(f.uri) for f in folders]
    if not folders and params.root_uri:
        roots = [path_of(params.root_uri)]
    elif not folders and params.root_path:
        roots = [str(_real_path(params.root_path))]
    ls.initial_roots = [Path(root) for root in roots if root is not None]
    if params.process_id:
        ls.parent_pid = params.process_id


@server.feature(types.INITIALIZED)
@guarded_async
async def initialized(ls: RegistryLanguageServer, params: types.InitializedParams) -> None:
    ls.initialized = True
    if ls.log_handler is not None:
        ls.log_handler.attach(ls)
    log.info("registry-lsp %s started (pid %d)", __version__, os.getpid())
    try:
        await asyncio.get_running_loop().run_in_executor(None, warm_up)
        ls.start()
        ls.report_setting_messages(ls.startup_messages)
        watch_parent(ls)
        await ls.fetch_settings()
        for folder in ls.folders.values():
            if folder.manager is None and not folder.loading:
                ls.schedule_load(folder)
    finally:
        ls.setup_done.set()


def warm_up() -> None:
    """Import the registry library and the features (off the event loop)."""
    for name in HEAVY_MODULES:
        importlib.import_module(name)
    loaders: Any = importlib.import_module("hybrid_registry.loaders")
    # A long-running server keeps the parser's peak of a huge core module for good: parse
    # those in a child process (a few hundred milliseconds more, ~100 MB less).
    loaders.ISOLATED_PARSE_MIN_CHARS = ISOLATED_PARSE_MIN_CHARS


def watch_parent(ls: RegistryLanguageServer) -> None:
    """Exit when the client process dies (LSP `processId`)."""
    pid = ls.parent_pid
    if not pid:
        return

    async def poll() -> None:
        while True:
            await asyncio.sleep(3)
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                log.info("Client process %d is gone; exiting", pid)
                os._exit(0)
            except OSError:
                pass

    ls.spawn(poll())


@server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
@guarded_async
async def did_change_configuration(
    ls: RegistryLanguageServer, params: types.DidChangeConfigurationParams
) -> None:
    raw = params.settings
    ls.start()
    if isinstance(raw, dict) and constants.SETTINGS_SECTION in raw:
        from registry_lsp.config import parse_settings

        settings, messages = parse_settings(raw[constants.SETTINGS_SECTION])
        if not ls.client_supports("workspace", "configuration"):
            ls.report_setting_messages(messages)  # else the answers below say them again
        ls.base_settings = settings
    if ls.client_supports("workspace", "configuration"):
        await ls.fetch_settings()
    else:
        for folder in ls.folders.values():
            ls.apply_settings(folder, ls.base_settings)


@server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
@guarded_async
async def did_change_folders(
    ls: RegistryLanguageServer, params: types.DidChangeWorkspaceFoldersParams
) -> None:
    ls.start()
    for removed in params.event.removed:
        path = path_of(removed.uri)
        if path is not None:
            ls.folders.pop(path, None)
            ls.client_roots.discard(Path(path))
    for added in params.event.added:
        path = path_of(added.uri)
        if path is not None:
            ls.client_roots.add(Path(path))
        if path is not None and path not in ls.folders:
            ls.schedule_load(ls.add_folder(Path(path)))
    await ls.fetch_settings()
    ls.send_status()


@server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
@guarded(_none)
def did_change_watched_files(
    ls: RegistryLanguageServer, params: types.DidChangeWatchedFilesParams
) -> None:
    for change in params.changes:
        path = path_of(change.uri)
        if path is None:
            continue
        document = next((d for d in ls.documents.values() if d.path == path), None)
        if document is not None and change.type != types.FileChangeType.Deleted:
            continue  # the editor's text wins while the file is open
        ls.file_changed(path)


def _document_changed(ls: RegistryLanguageServer, document: DocumentState, opened: bool) -> None:
    folder = ls.folder_of(document.path)
    if (
        document.path is not None
        and folder is not None
        and folder.manager is not None
        and folder.manager.source_for_path(document.path) is not None
    ):
        if opened:
            ls.file_changed(document.path, document.text)
        else:
            schedule_overlay(ls, document)
    ls.schedule_diagnostics(document.uri, 0 if opened else ls.debounce_for(document))


def schedule_overlay(ls: RegistryLanguageServer, document: DocumentState) -> None:
    """Unsaved edits of a registry file count: reload it from the editor's text (debounced)."""
    handle = ls.overlay_pending.pop(document.uri, None)
    if handle is not None:
        handle.cancel()

    @guarded(_none)
    def apply() -> None:
        ls.overlay_pending.pop(document.uri, None)
        if document.uri in ls.documents and document.path is not None:
            ls.file_changed(document.path, document.text)

    ls.overlay_pending[document.uri] = asyncio.get_running_loop().call_later(
        ls.debounce_for(document), apply
    )


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
@guarded(_none)
def did_open(ls: RegistryLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
    from registry_lsp.state import DocumentState

    item = params.text_document
    document = ls.documents.get(item.uri)
    if document is None:
        document = ls.documents[item.uri] = DocumentState(uri=item.uri, path=path_of(item.uri))
    document.update(item.text, item.version)
    _document_changed(ls, document, opened=True)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
@guarded(_none)
def did_change(ls: RegistryLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
    document = ls.documents.get(params.text_document.uri)
    if document is None:
        log.warning("didChange for %s, which is not open", params.text_document.uri)
        return
    text = apply_content_changes(document.text, params.content_changes, ls.workspace.position_codec)
    document.update(text, params.text_document.version)
    _document_changed(ls, document, opened=False)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
@guarded(_none)
def did_close(ls: RegistryLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    document = ls.documents.pop(uri, None)
    for pending in (ls.pending, ls.overlay_pending):
        handle = pending.pop(uri, None)
        if handle is not None:
            handle.cancel()
    if document is not None and document.path is not None:
        folder = ls.folder_of(document.path)
        manager = folder.manager if folder is not None else None
        if manager is not None and manager.source_for_path(document.path) is not None:
            ls.file_changed(document.path)  # back to the file on disk
    if not ls.pull_diagnostics:
        ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=[])
        )


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
@guarded(_none)
def did_save(ls: RegistryLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
    document = ls.documents.get(params.text_document.uri)
    if document is not None and document.path is not None:
        folder = ls.folder_of(document.path)
        if folder is not None and folder.index.ready and document.is_python:
            folder.index.invalidate()


@server.feature(
    types.TEXT_DOCUMENT_DIAGNOSTIC,
    types.DiagnosticOptions(
        identifier=constants.DIAGNOSTIC_SOURCE,
        inter_file_dependencies=True,
        workspace_diagnostics=False,
    ),
)
@guarded(lambda: types.RelatedFullDocumentDiagnosticReport(items=[]))
async def pull_diagnostics(
    ls: RegistryLanguageServer, params: types.DocumentDiagnosticParams
) -> types.RelatedFullDocumentDiagnosticReport:
    await ls.registry_ready(params.text_document.uri)
    document = ls.documents.get(params.text_document.uri)
    result = None
    for _ in range(3):  # an edit during the computation makes it stale: compute again
        if document is None or ls.documents.get(params.text_document.uri) is not document:
            break
        result = await ls.compute_diagnostics(document)
        if result is not None:
            break
    return types.RelatedFullDocumentDiagnosticReport(items=result[1] if result else [])


@server.feature(
    types.TEXT_DOCUMENT_COMPLETION,
    types.CompletionOptions(trigger_characters=['"', "'", "_"], resolve_provider=True),
)
@guarded(_none)
async def completion(
    ls: RegistryLanguageServer, params: types.CompletionParams
) -> types.CompletionList | None:
    await ls.registry_ready(params.text_document.uri)
    found = ls.feature_context(params.text_document.uri, params.position)
    if found is None:
        return None
    context, line, col = found
    folder = ls.folder_of(context.path)
    from registry_lsp.features import completion as completion_feature
    from registry_lsp.render import lsp_completion_list

    index = folder.name_index() if folder is not None else None
    result = completion_feature.complete(context, line, col, index)
    if result is None:
        return None
    document = ls.documents[params.text_document.uri]
    ls.last_completion_uri = params.text_document.uri
    return lsp_completion_list(
        ls.workspace.position_codec,
        document.lines,
        result,
        {"uri": params.text_document.uri},
        ls.completion_item_defaults,
    )


@server.feature(types.COMPLETION_ITEM_RESOLVE)
@guarded(lambda: types.CompletionItem(label=""))
def completion_resolve(
    ls: RegistryLanguageServer, item: types.CompletionItem
) -> types.CompletionItem:
    data = item.data if isinstance(item.data, dict) else {}
    # A client that did not copy the list's default `data` onto the item: the item comes
    # from the latest completion list.
    uri, name = data.get("uri", ls.last_completion_uri), item.label
    document = ls.documents.get(uri) if isinstance(uri, str) else None
    folder = ls.folder_of(document.path) if document is not None else None
    if folder is None or folder.manager is None or not isinstance(name, str):
        return item
    from registry_lsp.features import hover as hover_feature
    from registry_lsp.render import markup

    workspace_id = folder.workspace_for(document.path if document else None)
    markdown = hover_feature.describe_step(folder.manager, name, workspace_id)
    item.documentation = markup(markdown, ls.markdown)
    return item


@server.feature(types.TEXT_DOCUMENT_HOVER)
@guarded(_none)
async def hover(ls: RegistryLanguageServer, params: types.HoverParams) -> types.Hover | None:
    await ls.registry_ready(params.text_document.uri)
    found = ls.feature_context(params.text_document.uri, params.position)
    if found is None:
        return None
    from registry_lsp.features import hover as hover_feature
    from registry_lsp.render import lsp_hover

    context, line, col = found
    result = hover_feature.hover(context, line, col)
    if result is None:
        return None
    document = ls.documents[params.text_document.uri]
    return lsp_hover(ls.workspace.position_codec, document.lines, result, ls.markdown)


@server.feature(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
)
@guarded(_empty)
async def code_action(
    ls: RegistryLanguageServer, params: types.CodeActionParams
) -> list[types.CodeAction]:
    only = params.context.only
    wanted = [str(getattr(kind, "value", kind)) for kind in only or ()]
    if wanted and not any(types.CodeActionKind.QuickFix.value.startswith(k) for k in wanted):
        return []  # e.g. only source actions were asked for
    await ls.registry_ready(params.text_document.uri)
    uri = params.text_document.uri
    found = ls.feature_context(uri, params.range.start)
    if found is None:
        return []
    from registry_lsp.features.code_actions import quick_fixes
    from registry_lsp.render import lsp_quick_fix, server_position

    context, line, col = found
    document = ls.documents[uri]
    codec = ls.workspace.position_codec
    end = server_position(codec, document.lines, params.range.end)
    return [
        lsp_quick_fix(codec, document.lines, uri, fix, params.context.diagnostics)
        for fix in quick_fixes(context, (line, col), end)
    ]


async def _locations(
    ls: RegistryLanguageServer,
    params: PositionParams,
    finder: str,
    needs_index: bool = False,
) -> list[types.Location]:
    """Locations from the `registry_lsp.features.navigation` function named `finder`."""
    from registry_lsp.features import navigation

    find: Callable[..., list[Any]] = getattr(navigation, finder)
    found = ls.feature_context(params.text_document.uri, params.position)
    if found is None:
        return []
    context, line, col = found
    if needs_index:
        folder = ls.folder_of(context.path)
        if folder is None:
            return []
        index = folder.index
        if not index.ready:  # the first build reads the folder's files: off the event loop
            await asyncio.get_running_loop().run_in_executor(None, index.get)
        locations = find(context, line, col, index.get())
    else:
        locations = find(context, line, col)
    from registry_lsp.render import lsp_location

    codec = ls.workspace.position_codec
    return [lsp_location(codec, location, ls.lines_of) for location in locations]


@server.feature(types.TEXT_DOCUMENT_DEFINITION)
@guarded(_empty)
async def definition(
    ls: RegistryLanguageServer, params: types.DefinitionParams
) -> list[types.Location]:
    await ls.registry_ready(params.text_document.uri)
    return await _locations(ls, params, "definition")


@server.feature(types.TEXT_DOCUMENT_DECLARATION)
@guarded(_empty)
async def declaration(
    ls: RegistryLanguageServer, params: types.DeclarationParams
) -> list[types.Location]:
    await ls.registry_ready(params.text_document.uri)
    return await _locations(ls, params, "declarations")


@server.feature(types.TEXT_DOCUMENT_TYPE_DEFINITION)
@guarded(_empty)
async def type_definition(
    ls: RegistryLanguageServer, params: types.TypeDefinitionParams
) -> list[types.Location]:
    await ls.registry_ready(params.text_document.uri)
    return await _locations(ls, params, "type_definition", needs_index=True)


@server.feature(types.TEXT_DOCUMENT_IMPLEMENTATION)
@guarded(_empty)
async def implementation(
    ls: RegistryLanguageServer, params: types.ImplementationParams
) -> list[types.Location]:
    await ls.registry_ready(params.text_document.uri)
    return await _locations(ls, params, "implementation", needs_index=True)


@server.command(constants.CMD_STATUS)
@guarded(lambda: {"folders": [], "context": None})
def status_command(ls: RegistryLanguageServer, *args: Any) -> dict[str, Any]:
    uri = None
    for arg in args:
        if isinstance(arg, dict) and isinstance(arg.get("uri"), str):
            uri = arg["uri"]
        elif isinstance(arg, list) and arg and isinstance(arg[0], dict):
            uri = arg[0].get("uri") if isinstance(arg[0].get("uri"), str) else None
    return ls.status_payload(uri)


@server.command(constants.CMD_RELOAD)
@guarded(lambda: {"reloaded": []})
def reload_command(ls: RegistryLanguageServer, *args: Any) -> dict[str, Any]:
    ls.start()
    for folder in ls.folders.values():
        folder.index.invalidate()
        ls.schedule_load(folder)
    return {"reloaded": [str(folder.root) for folder in ls.folders.values()]}


@server.command(constants.CMD_CREATE_WORKSPACE)
@guarded(lambda: {"error": "Creating the workspace failed; see the output log"})
def create_workspace_command(ls: RegistryLanguageServer, *args: Any) -> dict[str, Any]:
    """Write a new workspace registry on the user's explicit request, inside an open folder."""
    options: Any = args[0] if args else {}
    if isinstance(options, list):
        options = options[0] if options else {}
    if not isinstance(options, dict):
        return {"error": "Expected one argument {path, developerId, template}"}
    raw_path, developer_id = options.get("path"), options.get("developerId")
    template = options.get("template") or "standard"
    if not isinstance(raw_path, str) or not raw_path.strip():
        return {"error": "'path' must be the folder of the new workspace"}
    if not isinstance(developer_id, str) or template not in ("standard", "minimal"):
        return {"error": "'developerId' must be a string and 'template' standard or minimal"}
    roots = sorted(ls.client_roots)
    if not roots:
        return {"error": "Open a folder first: workspaces are created inside it"}
    from hybrid_registry.loaders import workspace_registry_file

    try:
        target = _real_path(roots[0] / raw_path)
        # Where the file would really be written: a symlinked `src` or `registry` folder
        # inside the workspace must not carry the write out of the open folders.
        written = _real_path(workspace_registry_file(target))
    except (OSError, ValueError) as exc:
        return {"error": f"Invalid path {raw_path!r}: {exc}"}
    if not any(root in written.parents for root in roots):
        return {"error": f"{target} is outside the open folders; choose a folder inside them"}
    from hybrid_registry.discovery import workspace_target_problem
    from hybrid_registry.setup import create_workspace_registry

    folder = ls.folder_of(str(target / "x.py"), create=False)
    refused = workspace_target_problem(folder.root if folder else roots[0], target)
    if refused is not None:
        return {"error": refused}

    try:
        file = create_workspace_registry(
            target, developer_id, "minimal" if template == "minimal" else "standard"
        )
    except (ValueError, OSError) as exc:
        return {"error": str(exc)}
    ls.file_changed(str(_real_path(file)))
    return {"file": str(_real_path(file))}


@server.feature(types.SHUTDOWN)
@guarded(_none)
def shutdown(ls: RegistryLanguageServer, *args: Any) -> None:
    log.info("Shutting down")
