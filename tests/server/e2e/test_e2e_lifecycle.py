"""The server's life around the features: loading with progress and status notifications, file
watchers, multi-root folders, commands, documents outside every folder, the TCP transport,
the log file, and exiting when the client process dies."""

from __future__ import annotations

import asyncio
import contextlib
import json
import queue
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import pytest
from lsprotocol import types

from registry_lsp import __version__

from lsp_session import TIMEOUT, Session

VSCODE = pytest.mark.parametrize("client", ["visual-studio-code"], indirect=True)
SCRIPT = Path(sys.executable).parent / "registry-lsp"
SERVER = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "registry_lsp"]
WORKSPACE = Path("src", "cursus_dev", "registry", "workspace_registry.py")
EXAMPLE_STEPS = 27


def plain(value: Any) -> Any:
    """pygls hands unknown notifications' params over as namedtuples: make them JSON-like."""
    if hasattr(value, "_asdict"):
        return {key: plain(item) for key, item in value._asdict().items()}
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


async def until(predicate: Callable[[], Any], timeout: float = TIMEOUT) -> Any:
    """Poll `predicate` until it returns something truthy."""

    async def poll() -> Any:
        while not (result := predicate()):
            await asyncio.sleep(0.05)
        return result

    return await asyncio.wait_for(poll(), timeout)


async def status_until(session: Session, predicate: Callable[[dict[str, Any]], bool]) -> Any:
    async def poll() -> dict[str, Any]:
        while True:
            status = await session.status()
            if predicate(status):
                return status
            await asyncio.sleep(0.05)

    return await asyncio.wait_for(poll(), TIMEOUT)


def step_row(name: str) -> str:
    return (
        f'    "{name}": {{"config_class": "{name}Config", "builder_step_name": "{name}Builder", '
        f'"spec_type": "{name}", "sagemaker_step_type": "Processing"}},\n'
    )


def codes(diagnostics: list[types.Diagnostic]) -> list[str]:
    return [str(d.code) for d in diagnostics]


# ------------------------------------------------------------------------------ loading


@VSCODE
async def test_loading_reports_work_done_progress_and_status(session: Session) -> None:
    client: Any = session.client
    reports = await until(lambda: next(iter(client.progress_reports.values()), None))
    begin, *middle, end = await until(
        lambda: reports if isinstance(reports[-1], types.WorkDoneProgressEnd) else None
    )
    assert isinstance(begin, types.WorkDoneProgressBegin)
    assert (begin.title, begin.message, begin.percentage) == (
        "Loading step registry",
        "examples",
        0,
    )
    assert isinstance(end, types.WorkDoneProgressEnd) and end.message == "Done"
    assert all(isinstance(report, types.WorkDoneProgressReport) for report in middle)
    assert middle[-1].percentage == 100
    assert middle[-1].message == "4/4 files"  # one core module and three workspaces

    statuses = await until(
        lambda: (
            [plain(s) for s in client.statuses]
            if client.statuses and not plain(client.statuses[-1])["folders"][0]["loading"]
            else None
        )
    )
    assert statuses[0]["folders"][0]["loading"] is True
    last = statuses[-1]
    assert last["version"] == __version__
    (folder,) = last["folders"]
    assert folder["folder"] == str(session.folder.resolve())
    assert folder["stepCount"] == EXAMPLE_STEPS
    assert folder["configFile"] == str(session.folder.resolve() / "pyproject.toml")
    assert sorted(w["id"] for w in folder["workspaces"]) == ["alice", "bob_ml", "carol"]


@VSCODE
async def test_status_right_after_start_up_never_reads_as_an_empty_registry(
    client: Any, folder: Path
) -> None:
    """Asked before the first load is even scheduled, a folder is loading, not 0 steps."""
    session = Session(client, folder)
    first = await session.status()
    for status in [first, await session.wait_loaded()]:
        (entry,) = plain(status)["folders"]
        assert entry["loading"] or entry["stepCount"] == EXAMPLE_STEPS, entry


async def test_file_watchers_are_registered_when_the_client_can(session: Session) -> None:
    client: Any = session.client
    caps = client.capabilities.workspace.did_change_watched_files
    if not caps.dynamic_registration:  # Neovim: the server must not ask
        await asyncio.sleep(0.2)
        assert client.registrations == []
        return
    (registration,) = await until(lambda: client.registrations)
    assert registration.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
    options = registration.register_options
    watchers = options["watchers"] if isinstance(options, dict) else options.watchers
    patterns = {w["globPattern"] if isinstance(w, dict) else w.glob_pattern for w in watchers}
    assert patterns == {
        "**/*.step.yaml",
        "**/workspace_registry.py",
        "**/pyproject.toml",
        "**/.hybrid-registry.toml",
        "**/step_names.py",  # the core module, by name
    }


# ------------------------------------------------------------------------------ folders


@VSCODE
async def test_workspace_folders_can_be_added_and_removed(
    session: Session, folder: Path, tmp_path: Path
) -> None:
    second = tmp_path / "second"
    shutil.copytree(folder, second)
    registry = second / "developers" / "zed" / WORKSPACE
    registry.parent.mkdir(parents=True)
    registry.write_text("LOCAL_STEPS = {\n" + step_row("ZedOnlyStep") + "}\n", encoding="utf-8")
    session.client.workspace_did_change_workspace_folders(
        types.DidChangeWorkspaceFoldersParams(
            event=types.WorkspaceFoldersChangeEvent(
                added=[types.WorkspaceFolder(uri=second.as_uri(), name="second")], removed=[]
            )
        )
    )
    status = await status_until(
        session,
        lambda s: (
            len(s["folders"]) == 2
            and all(not f["loading"] and f["stepCount"] for f in s["folders"])
        ),
    )
    counts = {f["folder"]: f["stepCount"] for f in status["folders"]}
    assert counts == {
        str(folder.resolve()): EXAMPLE_STEPS,
        str(second.resolve()): EXAMPLE_STEPS + 1,
    }
    text = 'dag.add_node("ZedOnlyStep")\n'
    inside = session.open(str(second / "pipelines" / "zed.py"), text)
    first = session.open("pipelines/zed.py", text)
    assert codes(await session.diagnostics_until(inside, lambda ds: True)) == []
    assert codes(await session.diagnostics_until(first, lambda ds: len(ds) == 1)) == [
        "unknown-step"
    ]
    session.close(inside)
    session.client.workspace_did_change_workspace_folders(
        types.DidChangeWorkspaceFoldersParams(
            event=types.WorkspaceFoldersChangeEvent(
                added=[], removed=[types.WorkspaceFolder(uri=second.as_uri(), name="second")]
            )
        )
    )
    status = await status_until(session, lambda s: len(s["folders"]) == 1)
    assert status["folders"][0]["folder"] == str(folder.resolve())


@VSCODE
async def test_an_added_folder_reports_loading_until_loaded(
    session: Session, folder: Path, tmp_path: Path
) -> None:
    second = tmp_path / "second"
    shutil.copytree(folder, second)
    session.client.workspace_did_change_workspace_folders(
        types.DidChangeWorkspaceFoldersParams(
            event=types.WorkspaceFoldersChangeEvent(
                added=[types.WorkspaceFolder(uri=second.as_uri(), name="second")], removed=[]
            )
        )
    )
    status = await status_until(session, lambda s: len(s["folders"]) == 2)
    added = next(f for f in status["folders"] if f["folder"] == str(second.resolve()))
    assert added["loading"] or added["stepCount"] == EXAMPLE_STEPS


@VSCODE
async def test_document_outside_every_folder_uses_its_own_registry(
    session: Session, folder: Path, tmp_path: Path
) -> None:
    other = tmp_path / "elsewhere" / "examples"
    shutil.copytree(folder, other)
    uri = session.open(str(other / "pipelines" / "pytorch_pipeline.py"))
    diagnostics = await session.diagnostics_until(uri, lambda ds: "unknown-step" in codes(ds))
    (typo,) = [d for d in diagnostics if d.code == "unknown-step"]
    assert typo.range.start == types.Position(line=45, character=51)
    hover = await session.hover(uri, session.find(uri, "PyTorchTraining", offset=2))
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "PyTorchTrainingConfig" in hover.contents.value
    status = await session.status()
    assert str(other.resolve()) in [f["folder"] for f in status["folders"]]
    # a lone file with no registry anywhere above it still gets answers
    loose = session.open(str(tmp_path / "loose" / "script.py"), 'dag.add_node("Anything")\n')
    diagnostics = await session.diagnostics_until(loose, lambda ds: len(ds) == 1)
    assert diagnostics[0].message == "Unknown step 'Anything'."


# ------------------------------------------------------------------------------ commands


@VSCODE
async def test_reload_command_rereads_every_source(session: Session, folder: Path) -> None:
    uri = session.open("pipelines/silent.py", 'dag.add_node("SilentStep")\n')
    position = session.find(uri, "SilentStep", offset=1)
    hover = await session.hover(uri, position)
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "Unknown step 'SilentStep'" in hover.contents.value
    carol = folder / "developers" / "carol" / WORKSPACE
    text = carol.read_text(encoding="utf-8")
    carol.write_text(
        text.replace("LOCAL_STEPS = {\n", "LOCAL_STEPS = {\n" + step_row("SilentStep"), 1),
        encoding="utf-8",
    )
    # nobody told the server: it still has the old registry
    assert (await session.status())["folders"][0]["stepCount"] == EXAMPLE_STEPS
    result = await session.command("hybridRegistry.reload")
    assert plain(result) == {"reloaded": [str(folder.resolve())]}
    status = await status_until(
        session, lambda s: s["folders"][0]["stepCount"] == EXAMPLE_STEPS + 1
    )
    assert not status["folders"][0]["loading"]
    hover = await session.hover(uri, position)
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "| Config class | `SilentStepConfig` |" in hover.contents.value
    assert "workspace carol — **wins**" in hover.contents.value


@VSCODE
async def test_create_workspace_command_writes_a_registry(session: Session, folder: Path) -> None:
    target = folder / "developers" / "dave"
    result = plain(
        await session.command(
            "hybridRegistry.createWorkspace", {"path": str(target), "developerId": "dave"}
        )
    )
    file = target / WORKSPACE
    assert result == {"file": str(file)}
    assert file.is_file()
    assert "dave" in file.read_text(encoding="utf-8")
    status = await session.status()
    workspaces = {w["id"]: w for w in status["folders"][0]["workspaces"]}
    assert sorted(workspaces) == ["alice", "bob_ml", "carol", "dave"]
    assert workspaces["dave"]["path"] == str(target.resolve())
    client: Any = session.client
    await until(
        lambda: any(
            "dave" in [w["id"] for w in plain(s)["folders"][0]["workspaces"]]
            for s in client.statuses
        )
    )
    # an existing registry is never overwritten; a bad id writes nothing
    again = plain(
        await session.command(
            "hybridRegistry.createWorkspace", {"path": str(target), "developerId": "dave"}
        )
    )
    assert "already exists" in again["error"]
    bad = folder / "developers" / "eve"
    error = plain(
        await session.command(
            "hybridRegistry.createWorkspace", {"path": str(bad), "developerId": "not valid!"}
        )
    )
    assert set(error) == {"error"}
    assert not bad.exists()


async def test_a_hover_sent_right_after_start_up_waits_for_the_registry(
    client: Any, folder: Path
) -> None:
    # no waiting for the load: didOpen and hover go out right after `initialized`
    session = Session(client, folder)
    uri = session.open("pipelines/xgboost_pipeline.py")
    hover = await session.hover(uri, session.find(uri, 'Registration")', offset=4))
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "RegistrationConfig" in hover.contents.value


@VSCODE
async def test_create_workspace_never_writes_outside_the_open_folder(
    session: Session, folder: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    # a workspace folder whose `src` is a symlink leading out of the open folder
    (folder / "developers" / "evil").mkdir()
    (folder / "developers" / "evil" / "src").symlink_to(outside, target_is_directory=True)
    # asking about a file outside must not make that folder "open" either
    (outside / "probe.py").write_text("x = 1\n", encoding="utf-8")
    await session.command("hybridRegistry.status", {"uri": (outside / "probe.py").as_uri()})
    for path in (folder / "developers" / "evil", outside / "ws", folder / ".." / "escape"):
        result = plain(
            await session.command(
                "hybridRegistry.createWorkspace", {"path": str(path), "developerId": "mallory"}
            )
        )
        assert "outside the open folders" in result["error"], (path, result)
    assert sorted(p.name for p in outside.iterdir()) == ["probe.py"]
    assert not (tmp_path / "escape").exists()
    assert [f["folder"] for f in (await session.status())["folders"]] == [str(folder.resolve())]


@VSCODE
async def test_create_workspace_refuses_the_folder_that_holds_workspaces(
    session: Session, folder: Path
) -> None:
    for path in ("developers", ".", "developers/x/.."):
        result = plain(
            await session.command(
                "hybridRegistry.createWorkspace", {"path": path, "developerId": "dave"}
            )
        )
        assert "holds the workspaces" in result["error"], (path, result)
    assert not (folder / "developers" / "src").exists() and not (folder / "src").exists()


# ------------------------------------------------------------------------------ processes


class RawClient:
    """JSON-RPC over a byte stream, without pygls: for the transport and process tests."""

    def __init__(self, reader: IO[bytes], write: Callable[[bytes], Any]) -> None:
        self._write = write
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self._thread = threading.Thread(target=self._read, args=(reader,), daemon=True)
        self._thread.start()

    def _read(self, reader: IO[bytes]) -> None:
        with contextlib.suppress(OSError, ValueError):
            while True:
                length = None
                while (line := reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.decode("ascii").partition(":")
                    if name.lower() == "content-length":
                        length = int(value)
                if not line or length is None:
                    return
                self.messages.put(json.loads(reader.read(length)))

    def send(self, method: str, params: Any, id: int | None = None) -> None:
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "params": params}
        if id is not None:
            message["id"] = id
        body = json.dumps(message).encode("utf-8")
        self._write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))

    def response(self, id: int, timeout: float = TIMEOUT) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            message = self.messages.get(timeout=max(0.01, deadline - time.monotonic()))
            if message.get("id") == id and "method" not in message:
                return message


def initialize_params(root: Path, process_id: int | None) -> dict[str, Any]:
    return {
        "processId": process_id,
        "rootUri": root.as_uri(),
        "capabilities": {},
        "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}],
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def started(args: list[str], **kwargs: Any) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(args, **kwargs)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def wait_exit(process: subprocess.Popen[Any], timeout: float) -> int | None:
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    return process.poll()


def test_tcp_transport_serves_a_client_and_writes_the_log_file(
    folder: Path, tmp_path: Path
) -> None:
    port = free_port()
    log = tmp_path / "server.log"
    command = [*SERVER, "--tcp", f"127.0.0.1:{port}", "--log-file", str(log)]
    with started(command, stderr=subprocess.PIPE) as server:
        deadline = time.monotonic() + TIMEOUT
        while True:
            try:
                connection = socket.create_connection(("127.0.0.1", port), timeout=1)
                break
            except OSError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "the server never listened"
                time.sleep(0.1)
        with connection:
            client = RawClient(connection.makefile("rb"), connection.sendall)
            client.send("initialize", initialize_params(folder, None), id=1)
            result = client.response(1)["result"]
            assert result["serverInfo"] == {"name": "registry-lsp", "version": __version__}
            completion = result["capabilities"]["completionProvider"]
            assert completion["triggerCharacters"] == ['"', "'", "_"]
            client.send("initialized", {})
            client.send("workspace/executeCommand", {"command": "hybridRegistry.status"}, id=2)
            status = client.response(2)["result"]
            assert status["folders"][0]["folder"] == str(folder.resolve())
            client.send("shutdown", None, id=3)
            assert client.response(3)["result"] is None
            client.send("exit", None)
    text = log.read_text(encoding="utf-8")
    assert f"registry-lsp {__version__} started (pid {server.pid})" in text
    assert "INFO [registry_lsp.server]" in text


def test_server_exits_when_the_client_process_dies(tmp_path: Path) -> None:
    root = tmp_path / "empty"
    root.mkdir()
    log = tmp_path / "server.log"
    with (
        started([sys.executable, "-c", "import time; time.sleep(60)"]) as parent,
        started(
            [sys.executable, "-m", "registry_lsp", "--log-file", str(log)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        ) as server,
    ):
        assert server.stdin is not None and server.stdout is not None
        stdin = server.stdin

        def write(data: bytes) -> None:
            stdin.write(data)
            stdin.flush()

        client = RawClient(server.stdout, write)
        client.send("initialize", initialize_params(root, parent.pid), id=1)
        assert "capabilities" in client.response(1)["result"]
        client.send("initialized", {})
        client.send("workspace/executeCommand", {"command": "hybridRegistry.status"}, id=2)
        assert client.response(2)["result"]["version"] == __version__
        assert server.poll() is None
        parent.kill()
        parent.wait(timeout=10)  # reaped: the pid is really gone
        # stdin stays open: only the processId watch can end the server
        assert wait_exit(server, timeout=15) == 0
    assert f"Client process {parent.pid} is gone; exiting" in log.read_text(encoding="utf-8")


def test_unwritable_log_file_is_a_one_line_error(tmp_path: Path) -> None:
    log = tmp_path / "no" / "such" / "folder" / "server.log"
    result = subprocess.run(
        [*SERVER, "--log-file", str(log)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith(f"registry-lsp: error: cannot write the log file {log}: ")
    assert "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 1
