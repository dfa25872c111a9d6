"""LSP-level benchmark of `registry-lsp` against a minimal pygls server (the floor), per issue 5.

Both servers run over stdio, driven by the same small asyncio JSON-RPC client with VS Code-like
capabilities (push diagnostics: `textDocument.diagnostic` is not advertised). Requests to the
two servers are interleaved so that machine noise hits both alike. Measured:

- start-up: process spawn -> `initialize` response (median of several spawns, both servers);
- completion inside a literal with a 1- and a 3-character prefix, and after `Name_`; hover;
  definition; the floor's fixed hover and fixed 1,000-item completion (p50/p95/p99/max);
- first diagnostics after `didOpen` of the pipeline, once `hybridRegistry.status` reports
  `loading: false` for every folder;
- `didChange` -> the diagnostics of that version (the debounce is included, not subtracted);
- a workspace registry file rewritten on disk + `workspace/didChangeWatchedFiles` -> the open
  pipeline's diagnostics reflect it (a previously unknown name becomes known, and back);
- peak RSS (VmHWM from /proc) of both servers.

Run: python benchmarks/bench_lsp.py [--size large|small] [--variant python|yaml]
         [--iterations N] [--smoke] [--json OUT] [--cache DIR] [--profile OUT.prof]

Exit status: 0, or 1 when a server fails to answer (timeouts, crashes, error responses).
Timings never fail the run (`--strict` makes a FAIL exit with 2).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import platform
import random
import re
import shlex
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

FLOOR_SERVER = HERE / "floor_server.py"
STATUS_COMMAND = "hybridRegistry.status"
REQUEST_TIMEOUT = 60.0
LOAD_TIMEOUT = 300.0
WARMUP = 5
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

CAPABILITIES: dict[str, Any] = {
    "general": {"positionEncodings": ["utf-16"]},
    "window": {
        "workDoneProgress": True,
        "showMessage": {"messageActionItem": {"additionalPropertiesSupport": True}},
        "showDocument": {"support": True},
    },
    "workspace": {
        "applyEdit": True,
        "workspaceFolders": True,
        "configuration": True,
        "didChangeConfiguration": {"dynamicRegistration": True},
        "didChangeWatchedFiles": {"dynamicRegistration": True, "relativePatternSupport": True},
        "executeCommand": {"dynamicRegistration": True},
        "workspaceEdit": {"documentChanges": True},
    },
    "textDocument": {
        "synchronization": {
            "dynamicRegistration": True,
            "willSave": True,
            "willSaveWaitUntil": True,
            "didSave": True,
        },
        "completion": {
            "dynamicRegistration": True,
            "contextSupport": True,
            "completionItem": {
                "snippetSupport": True,
                "commitCharactersSupport": True,
                "documentationFormat": ["markdown", "plaintext"],
                "deprecatedSupport": True,
                "preselectSupport": True,
                "insertReplaceSupport": True,
                "labelDetailsSupport": True,
                "resolveSupport": {"properties": ["documentation", "detail"]},
            },
            "completionList": {
                "itemDefaults": ["commitCharacters", "editRange", "insertTextFormat", "data"]
            },
        },
        "hover": {"dynamicRegistration": True, "contentFormat": ["markdown", "plaintext"]},
        "definition": {"dynamicRegistration": True, "linkSupport": True},
        "declaration": {"dynamicRegistration": True, "linkSupport": True},
        "typeDefinition": {"dynamicRegistration": True, "linkSupport": True},
        "implementation": {"dynamicRegistration": True, "linkSupport": True},
        "publishDiagnostics": {
            "relatedInformation": True,
            "versionSupport": False,
            "tagSupport": {"valueSet": [1, 2]},
            "codeDescriptionSupport": True,
            "dataSupport": True,
        },
    },
}


class ServerFailure(Exception):
    """The server did not answer, answered with an error, or exited."""


# ---------------------------------------------------------------------------------- client


@dataclass
class Published:
    uri: str
    version: int | None
    diagnostics: list[dict[str, Any]]
    received: float


@dataclass
class LspClient:
    """A JSON-RPC client over a child process's stdio, timing each exchange."""

    name: str
    argv: list[str]
    cwd: Path
    log_path: Path
    settings: dict[str, Any] = field(default_factory=dict)
    process: asyncio.subprocess.Process | None = None
    spawned_at: float = 0.0
    _next_id: int = 0
    _pending: dict[int, asyncio.Future[tuple[Any, float]]] = field(default_factory=dict)
    _waiters: list[tuple[str, Callable[[Published], bool], asyncio.Future[Published]]] = field(
        default_factory=list
    )
    _reader: asyncio.Task[None] | None = None
    _log: Any = None
    notifications: list[tuple[str, Any]] = field(default_factory=list)
    server_requests: dict[str, int] = field(default_factory=dict)
    last_status: dict[str, Any] | None = None

    async def start(self) -> None:
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in close()
        self.spawned_at = time.perf_counter()
        self.process = await asyncio.create_subprocess_exec(
            *self.argv,
            cwd=self.cwd,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=self._log,
        )
        self._reader = asyncio.get_running_loop().create_task(self._read())

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def _write(self, message: dict[str, Any]) -> None:
        assert self.process is not None and self.process.stdin is not None
        body = json.dumps(message, ensure_ascii=False).encode("utf-8")
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    async def _read(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        stdout = self.process.stdout
        try:
            while True:
                length = None
                while True:
                    line = await stdout.readline()
                    if not line:
                        raise EOFError
                    line = line.strip()
                    if not line:
                        break
                    key, _, value = line.partition(b":")
                    if key.lower() == b"content-length":
                        length = int(value)
                if length is None:
                    continue
                body = await stdout.readexactly(length)
                message = json.loads(body)
                self._dispatch(message, time.perf_counter())
        except (EOFError, asyncio.IncompleteReadError, ConnectionError):
            failure = ServerFailure(f"{self.name} closed its output")
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(failure)
            for _, _, future in self._waiters:
                if not future.done():
                    future.set_exception(failure)

    def _dispatch(self, message: dict[str, Any], received: float) -> None:
        if "id" in message and "method" not in message:
            future = self._pending.pop(message["id"], None)
            if future is None or future.done():
                return
            if "error" in message:
                future.set_exception(ServerFailure(f"{self.name}: {message['error']}"))
            else:
                future.set_result((message.get("result"), received))
        elif "id" in message:
            self._answer(message)
        else:
            method, params = message.get("method"), message.get("params")
            if method == "textDocument/publishDiagnostics":
                published = Published(
                    params["uri"], params.get("version"), params["diagnostics"], received
                )
                for waiter in list(self._waiters):
                    uri, predicate, future = waiter
                    if uri == published.uri and not future.done() and predicate(published):
                        future.set_result(published)
                        self._waiters.remove(waiter)
            elif method == "hybridRegistry/statusChanged":
                self.last_status = params
            else:
                self.notifications.append((method, params))

    def _answer(self, message: dict[str, Any]) -> None:
        """Server -> client requests, answered as VS Code would."""
        method = message["method"]
        self.server_requests[method] = self.server_requests.get(method, 0) + 1
        result: Any = None
        if method == "workspace/configuration":
            items = message.get("params", {}).get("items", [])
            result = [self.settings if item.get("section") else {} for item in items]
        self._write({"jsonrpc": "2.0", "id": message["id"], "result": result})

    async def request(
        self, method: str, params: Any, timeout: float = REQUEST_TIMEOUT
    ) -> tuple[Any, float]:
        """(result, seconds from sending to the parsed response)."""
        self._next_id += 1
        future: asyncio.Future[tuple[Any, float]] = asyncio.get_running_loop().create_future()
        self._pending[self._next_id] = future
        sent = time.perf_counter()
        self._write({"jsonrpc": "2.0", "id": self._next_id, "method": method, "params": params})
        try:
            result, received = await asyncio.wait_for(future, timeout)
        except asyncio.TimeoutError:
            raise ServerFailure(f"{self.name}: no answer to {method} in {timeout:.0f} s") from None
        return result, received - sent

    def notify(self, method: str, params: Any) -> None:
        self._write({"jsonrpc": "2.0", "method": method, "params": params})

    def expect_diagnostics(
        self, uri: str, predicate: Callable[[Published], bool]
    ) -> asyncio.Future[Published]:
        """Register before sending what triggers the diagnostics."""
        future: asyncio.Future[Published] = asyncio.get_running_loop().create_future()
        self._waiters.append((uri, predicate, future))
        return future

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server so far (robust to other load on the machine)."""
        with open(f"/proc/{self.pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def memory(self) -> dict[str, int]:
        """VmHWM (peak RSS) and VmRSS in bytes, from /proc."""
        out: dict[str, int] = {}
        with open(f"/proc/{self.pid}/status", encoding="ascii") as status:
            for line in status:
                key, _, value = line.partition(":")
                if key in ("VmHWM", "VmRSS"):
                    out[key] = int(value.split()[0]) * 1024
        return out

    async def initialize(self, root: Path, options: dict[str, Any] | None) -> float:
        """Send `initialize` (right after spawning); seconds from spawn to its response."""
        _, _ = await self.request(
            "initialize",
            {
                "processId": os.getpid(),
                "clientInfo": {"name": "bench_lsp", "version": "1"},
                "rootUri": root.as_uri(),
                "rootPath": str(root),
                "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}],
                "capabilities": CAPABILITIES,
                "initializationOptions": options,
                "trace": "off",
            },
        )
        startup = time.perf_counter() - self.spawned_at
        self.notify("initialized", {})
        return startup

    async def close(self) -> None:
        if self.process is None:
            return
        with contextlib.suppress(Exception):
            await self.request("shutdown", None, timeout=10)
            self.notify("exit", None)
        try:
            await asyncio.wait_for(self.process.wait(), 30)
        except asyncio.TimeoutError:
            self.process.kill()
            await self.process.wait()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        if self._log is not None:
            self._log.close()


# ---------------------------------------------------------------------------------- workload


@dataclass(frozen=True)
class Literal:
    line: int
    start: int
    """UTF-16 column of the first character inside the quotes."""
    value: str


LITERAL = re.compile(r'"([A-Za-z0-9_\-]+)"')


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def literals_of(text: str) -> list[Literal]:
    """Step-name literals of `add_node(...)` / `add_edge(...)` calls, with UTF-16 columns."""
    found = []
    for number, line in enumerate(text.split("\n")):
        call = max(line.find("add_node("), line.find("add_edge("))
        if call < 0:
            continue
        for match in LITERAL.finditer(line, call):
            found.append(Literal(number, utf16_len(line[: match.start(1)]), match.group(1)))
    return found


def probe_entry(name: str) -> str:
    return (
        f'    "{name}": {{\n'
        f'        "config_class": "{name}Config",\n'
        f'        "builder_step_name": "{name}StepBuilder",\n'
        f'        "spec_type": "{name}",\n'
        f'        "sagemaker_step_type": "Processing",\n'
        f'        "description": "Added by bench_lsp.py to time reloads",\n'
        "    },\n"
    )


def with_probe(registry_text: str, name: str) -> str:
    """The workspace registry text with `name` added first in LOCAL_STEPS."""
    marker = "LOCAL_STEPS = {\n"
    at = registry_text.index(marker) + len(marker)
    return registry_text[:at] + probe_entry(name) + registry_text[at:]


# ---------------------------------------------------------------------------------- stats


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def summary(seconds: list[float]) -> dict[str, Any]:
    ms = [s * 1000 for s in seconds]
    return {
        "n": len(ms),
        "p50": percentile(ms, 50),
        "p95": percentile(ms, 95),
        "p99": percentile(ms, 99),
        "max": max(ms),
        "mean": statistics.fmean(ms),
    }


# ---------------------------------------------------------------------------------- benchmark


@dataclass
class Plan:
    size: str
    variant: str
    iterations: int
    startups: int
    edits: int
    reloads: int
    debounce_ms: int
    smoke: bool
    profile: Path | None
    cache: Path | None
    seed: int
    server_cmd: list[str] | None = None


def registry_lsp_argv(profile: Path | None) -> list[str]:
    if profile is not None:
        return [sys.executable, "-m", "cProfile", "-o", str(profile), "-m", "registry_lsp"]
    script = Path(sys.executable).parent / "registry-lsp"
    if script.exists():
        return [str(script)]
    found = shutil.which("registry-lsp")
    if found:
        return [found]
    return [sys.executable, "-m", "registry_lsp"]


async def measure_startup(make: Callable[[], LspClient], root: Path, options: Any) -> float:
    client = make()
    await client.start()
    try:
        return await client.initialize(root, options)
    finally:
        await client.close()


async def wait_loaded(client: LspClient, timeout: float = LOAD_TIMEOUT) -> dict[str, Any]:
    """Poll `hybridRegistry.status` until every folder reports `loading: false`."""
    deadline = time.perf_counter() + timeout
    while True:
        status, _ = await client.request(
            "workspace/executeCommand", {"command": STATUS_COMMAND, "arguments": []}
        )
        folders = (status or {}).get("folders") or []
        if (
            folders
            and not any(f.get("loading") for f in folders)
            and all(f.get("stepCount") or f.get("error") for f in folders)
        ):
            return status
        if time.perf_counter() > deadline:
            raise ServerFailure(f"registry not loaded after {timeout:.0f} s: {status}")
        await asyncio.sleep(0.02)


def has_unknown(published: Published, line: int, name: str | None = None) -> bool:
    return any(
        d.get("code") == "unknown-step"
        and d["range"]["start"]["line"] == line
        and (name is None or name in d.get("message", ""))
        for d in published.diagnostics
    )


def position(literal: Literal, offset: int) -> dict[str, int]:
    return {"line": literal.line, "character": literal.start + offset}


async def run(plan: Plan) -> dict[str, Any]:
    temp = Path(tempfile.mkdtemp(prefix="bench_lsp_"))
    try:
        if plan.cache is not None:
            root, manifest = generate.cached(plan.size, plan.cache, plan.seed, plan.variant)
        else:
            root = temp / "workload"
            manifest = generate.generate(plan.size, root, plan.seed, plan.variant)
        root = root.resolve()
        return await _run(plan, root, manifest, temp)
    finally:
        shutil.rmtree(temp, ignore_errors=True)


async def _run(plan: Plan, root: Path, manifest: dict[str, Any], temp: Path) -> dict[str, Any]:
    probe = manifest["reload_probe"]
    pipeline = root / manifest["pipeline"]
    pipeline_uri = pipeline.as_uri()
    text = pipeline.read_text(encoding="utf-8")
    if f'"{probe}"' not in text:
        text += f'\ndag.add_node("{probe}")\n'
    lines = text.split("\n")
    probe_line = next(i for i, line in enumerate(lines) if f'"{probe}"' in line)
    literals = [lit for lit in literals_of(text) if lit.value != probe]
    rng = random.Random(plan.seed)
    rng.shuffle(literals)
    options = {"diagnostics": {"debounceMs": plan.debounce_ms}}
    profile = plan.profile

    def floor() -> LspClient:
        return LspClient("floor", [sys.executable, str(FLOOR_SERVER)], root, temp / "floor.log")

    def ours(profile_to: Path | None = None) -> LspClient:
        return LspClient(
            "registry-lsp",
            plan.server_cmd or registry_lsp_argv(profile_to),
            root,
            temp / "registry-lsp.log",
            settings=dict(options),
        )

    results: dict[str, Any] = {}
    # -- start-up: spawn -> initialize response, alternating servers
    floor_starts, our_starts = [], []
    for _ in range(plan.startups):
        floor_starts.append(await measure_startup(floor, root, None))
        our_starts.append(await measure_startup(ours, root, options))
    results["startup_floor"] = summary(floor_starts)
    results["startup"] = summary(our_starts)

    floor_client, client = floor(), ours(profile)
    try:
        await floor_client.start()
        await floor_client.initialize(root, None)
        await client.start()
        await client.initialize(root, options)
        initialized_at = time.perf_counter()
        status = await wait_loaded(client)
        results["server_registry_load_ms"] = (time.perf_counter() - initialized_at) * 1000
        folder_status = status["folders"][0]
        results["registry"] = {
            key: folder_status.get(key)
            for key in ("stepCount", "conflictCount", "problemCount", "error")
        }
        results["registry"]["workspaces"] = len(folder_status.get("workspaces") or [])

        # -- first diagnostics after didOpen (registry loaded)
        opened = {
            "textDocument": {
                "uri": pipeline_uri,
                "languageId": "python",
                "version": 1,
                "text": text,
            }
        }
        floor_client.notify("textDocument/didOpen", opened)
        first = client.expect_diagnostics(pipeline_uri, lambda p: True)
        cpu_before = client.cpu_seconds()
        sent = time.perf_counter()
        client.notify("textDocument/didOpen", opened)
        published = await asyncio.wait_for(first, REQUEST_TIMEOUT)
        results["first_diagnostics_ms"] = (published.received - sent) * 1000
        results["first_diagnostics_server_cpu_ms"] = (client.cpu_seconds() - cpu_before) * 1000
        results["first_diagnostics_count"] = len(published.diagnostics)
        counts: dict[str, int] = {}
        for d in published.diagnostics:
            counts[str(d.get("code"))] = counts.get(str(d.get("code")), 0) + 1
        results["diagnostic_codes"] = counts
        if not has_unknown(published, probe_line, probe):
            raise ServerFailure(f"no unknown-step diagnostic for {probe} on line {probe_line}")
        version = 1

        # -- interactive requests, interleaved with the floor's
        doc = {"uri": pipeline_uri}
        job_typed = [lit for lit in literals if re.fullmatch(r"[A-Za-z0-9]+_[a-z]+", lit.value)]
        long_enough = [lit for lit in literals if len(lit.value) >= 3]
        kinds: dict[str, tuple[LspClient, str, Callable[[int], dict[str, Any]]]] = {
            "floor_hover": (
                floor_client,
                "textDocument/hover",
                lambda i: position(long_enough[i % len(long_enough)], 2),
            ),
            "floor_completion": (
                floor_client,
                "textDocument/completion",
                lambda i: position(long_enough[i % len(long_enough)], 1),
            ),
            "completion_1char": (
                client,
                "textDocument/completion",
                lambda i: position(long_enough[i % len(long_enough)], 1),
            ),
            "completion_3char": (
                client,
                "textDocument/completion",
                lambda i: position(long_enough[(i + 7) % len(long_enough)], 3),
            ),
            "completion_after_name_": (
                client,
                "textDocument/completion",
                lambda i: position(
                    job_typed[i % len(job_typed)],
                    job_typed[i % len(job_typed)].value.index("_") + 1,
                ),
            ),
            "hover": (
                client,
                "textDocument/hover",
                lambda i: position(
                    long_enough[(i + 13) % len(long_enough)],
                    len(long_enough[(i + 13) % len(long_enough)].value) // 2,
                ),
            ),
            "definition": (
                client,
                "textDocument/definition",
                lambda i: position(
                    long_enough[(i + 29) % len(long_enough)],
                    len(long_enough[(i + 29) % len(long_enough)].value) // 2,
                ),
            ),
        }
        timings: dict[str, list[float]] = {kind: [] for kind in kinds}
        cpu: dict[str, float] = {kind: 0.0 for kind in kinds}
        sizes: dict[str, list[int]] = {kind: [] for kind in kinds if "completion" in kind}
        empty: dict[str, int] = {kind: 0 for kind in kinds}
        cold: dict[str, float] = {}
        for i in range(-WARMUP, plan.iterations):
            for kind, (target, method, where) in kinds.items():
                params = {"textDocument": doc, "position": where(i)}
                if method == "textDocument/completion":
                    params["context"] = {"triggerKind": 1}
                cpu_before = target.cpu_seconds()
                result, elapsed = await target.request(method, params)
                cpu_spent = target.cpu_seconds() - cpu_before
                if i == -WARMUP:
                    cold[kind] = elapsed * 1000
                if i < 0:
                    continue
                timings[kind].append(elapsed)
                cpu[kind] += cpu_spent
                if not result:
                    empty[kind] += 1
                if kind in sizes:
                    items = result.get("items", []) if isinstance(result, dict) else result or []
                    sizes[kind].append(len(items))
        for kind, values in timings.items():
            results[kind] = summary(values)
            results[kind]["empty_answers"] = empty[kind]
            results[kind]["first_request_ms"] = cold[kind]
            results[kind]["server_cpu_ms_mean"] = cpu[kind] * 1000 / max(len(values), 1)
            if kind in sizes:
                results[kind]["items_median"] = statistics.median(sizes[kind])

        # -- didChange -> refreshed diagnostics (a name mistyped, then restored)
        edit_lines = [lit for lit in literals if lit.line != probe_line][: max(plan.edits, 1)]
        edit_times = []
        cpu_before = client.cpu_seconds()
        for n in range(plan.edits):
            target_literal = edit_lines[n % len(edit_lines)]
            typo = target_literal.value + "Zq"
            for new, old in ((typo, target_literal.value), (target_literal.value, typo)):
                version += 1
                want_version = version
                line = target_literal.line
                waiter = client.expect_diagnostics(
                    pipeline_uri, lambda p, v=want_version: p.version in (v, None)
                )
                change = {
                    "textDocument": {"uri": pipeline_uri, "version": version},
                    "contentChanges": [
                        {
                            "range": {
                                "start": {"line": line, "character": target_literal.start},
                                "end": {
                                    "line": line,
                                    "character": target_literal.start + utf16_len(old),
                                },
                            },
                            "text": new,
                        }
                    ],
                }
                sent = time.perf_counter()
                client.notify("textDocument/didChange", change)
                floor_client.notify("textDocument/didChange", change)
                published = await asyncio.wait_for(waiter, REQUEST_TIMEOUT)
                edit_times.append(published.received - sent)
                expect_unknown = new == typo
                if has_unknown(published, line, typo) != expect_unknown:
                    raise ServerFailure(f"diagnostics after the edit of line {line} are wrong")
        results["diagnostics_after_edit"] = summary(edit_times) if edit_times else None
        if edit_times:
            results["diagnostics_after_edit"]["server_cpu_ms_mean"] = (
                (client.cpu_seconds() - cpu_before) * 1000 / len(edit_times)
            )
        results["debounce_ms"] = plan.debounce_ms

        # -- reload: a workspace registry file changes on disk
        registry_file = root / manifest["reload_file"]
        original = registry_file.read_text(encoding="utf-8")
        changed = with_probe(original, probe)
        reload_times: dict[str, list[float]] = {"add": [], "remove": []}
        cpu_before = client.cpu_seconds()
        try:
            for _ in range(plan.reloads):
                for direction, content in (("add", changed), ("remove", original)):
                    known = direction == "add"
                    waiter = client.expect_diagnostics(
                        pipeline_uri,
                        lambda p, k=known: has_unknown(p, probe_line, probe) != k,
                    )
                    sent = time.perf_counter()
                    registry_file.write_text(content, encoding="utf-8")
                    client.notify(
                        "workspace/didChangeWatchedFiles",
                        {"changes": [{"uri": registry_file.as_uri(), "type": 2}]},
                    )
                    published = await asyncio.wait_for(waiter, REQUEST_TIMEOUT)
                    reload_times[direction].append(published.received - sent)
        finally:
            registry_file.write_text(original, encoding="utf-8")
        all_reloads = reload_times["add"] + reload_times["remove"]
        results["reload"] = summary(all_reloads) if all_reloads else None
        if all_reloads:
            results["reload"]["server_cpu_ms_mean"] = (
                (client.cpu_seconds() - cpu_before) * 1000 / len(all_reloads)
            )
        for direction, values in reload_times.items():
            if values:
                results[f"reload_{direction}"] = summary(values)

        results["rss_floor"] = floor_client.memory()
        results["rss"] = client.memory()
        results["server_requests"] = dict(client.server_requests)
    finally:
        await floor_client.close()
        await client.close()
    log_text = (temp / "registry-lsp.log").read_text(encoding="utf-8", errors="replace")
    results["server_log_tracebacks"] = log_text.count("Traceback")
    return results


# ---------------------------------------------------------------------------------- report


def targets(r: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target of issue 5: measure, value, limit, verdict (values in ms or MB)."""
    floor_hover = r["floor_hover"]["p50"]
    floor_completion = r["floor_completion"]["p50"]
    rows: list[dict[str, Any]] = []

    def row(measure: str, value: float | None, limit: float, rule: str, unit: str = "ms") -> None:
        ok = value is not None and value <= limit
        rows.append(
            {
                "measure": measure,
                "value": value,
                "limit": limit,
                "rule": rule,
                "unit": unit,
                "pass": ok,
            }
        )

    for kind, label in (
        ("completion_1char", "1-char prefix"),
        ("completion_3char", "3-char prefix"),
        ("completion_after_name_", "after `Name_`"),
    ):
        row(
            f"completion p50, {label}",
            r[kind]["p50"],
            floor_completion,
            "<= floor 1,000-item completion p50",
        )
    for kind, label in (
        ("completion_1char", "1-char prefix"),
        ("completion_3char", "3-char prefix"),
        ("completion_after_name_", "after `Name_`"),
    ):
        row(f"completion p99, {label}", r[kind]["p99"], 3 * r[kind]["p50"], "<= 3x own p50")
    row("hover p50", r["hover"]["p50"], 2 * floor_hover, "<= 2x floor hover p50")
    row("definition p50", r["definition"]["p50"], 2 * floor_hover, "<= 2x floor hover p50")
    row(
        "`initialize` response (spawn -> response, median)",
        r["startup"]["p50"],
        1.3 * r["startup_floor"]["p50"],
        "<= 1.3x floor start-up",
    )
    row(
        "first diagnostics after `didOpen` (registry loaded)",
        r["first_diagnostics_ms"],
        100 * floor_hover,
        "<= 100x floor hover p50",
    )
    if r.get("diagnostics_after_edit"):
        row(
            f"diagnostics after an edit, p50 (debounce {r['debounce_ms']} ms included)",
            r["diagnostics_after_edit"]["p50"],
            r["debounce_ms"] + 50 * floor_hover,
            "<= debounce + 50x floor hover p50",
        )
    if r.get("reload"):
        row(
            "reload of one workspace file -> diagnostics, p50",
            r["reload"]["p50"],
            50 * floor_hover,
            "<= 50x floor hover p50",
        )
    row(
        "peak RSS (VmHWM)",
        r["rss"]["VmHWM"] / 2**20,
        2.5 * r["rss_floor"]["VmHWM"] / 2**20,
        "<= 2.5x floor RSS",
        "MB",
    )
    return rows


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "MB":
        return f"{value:.1f} MB"
    return f"{value:.2f} ms" if value < 100 else f"{value:.0f} ms"


def markdown(rows: list[dict[str, Any]], r: dict[str, Any]) -> str:
    out = ["| measure | value | limit | rule | result |", "|---|---|---|---|---|"]
    for t in rows:
        out.append(
            f"| {t['measure']} | {fmt(t['value'], t['unit'])} | {fmt(t['limit'], t['unit'])} "
            f"| {t['rule']} | {'PASS' if t['pass'] else 'FAIL'} |"
        )
    out += [
        "",
        "| distribution (ms) | p50 | p95 | p99 | max | n | server CPU/op |",
        "|---|---|---|---|---|---|---|",
    ]
    for kind in (
        "floor_hover",
        "floor_completion",
        "completion_1char",
        "completion_3char",
        "completion_after_name_",
        "hover",
        "definition",
        "diagnostics_after_edit",
        "reload_add",
        "reload_remove",
        "startup_floor",
        "startup",
    ):
        s = r.get(kind)
        if kind.startswith("reload_") and r.get("reload"):
            cpu_ms = r["reload"].get("server_cpu_ms_mean")
        else:
            cpu_ms = s.get("server_cpu_ms_mean") if s else None
        if s:
            out.append(
                f"| {kind} | {s['p50']:.2f} | {s['p95']:.2f} | {s['p99']:.2f} | {s['max']:.2f} "
                f"| {s['n']} | {'' if cpu_ms is None else f'{cpu_ms:.2f}'} |"
            )
    out += [
        "",
        f"Registry load in the server (`initialized` -> status `loading: false`): "
        f"{r['server_registry_load_ms']:.0f} ms; {r['registry']}.",
        f"First diagnostics: {r['first_diagnostics_count']} ({r['diagnostic_codes']}), "
        f"server CPU {r['first_diagnostics_server_cpu_ms']:.0f} ms. "
        f"Completion items (median): "
        + ", ".join(
            f"{k} {r[k]['items_median']:.0f}"
            for k in ("completion_1char", "completion_3char", "completion_after_name_")
        )
        + f". RSS: registry-lsp {r['rss']['VmHWM'] / 2**20:.1f} MB, "
        f"floor {r['rss_floor']['VmHWM'] / 2**20:.1f} MB.",
    ]
    return "\n".join(out)


def revision() -> dict[str, Any]:
    """The commit the product code was measured at, and whether it had local changes."""
    import subprocess

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=HERE.parent, capture_output=True, text=True, check=False
        )
        return done.stdout.strip()

    return {
        "commit": git("rev-parse", "--short", "HEAD") or None,
        "product_changes_uncommitted": bool(git("status", "--porcelain", "registry", "server")),
    }


def machine() -> dict[str, Any]:
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average": os.getloadavg(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=("large", "small"), default="large")
    parser.add_argument("--variant", choices=("python", "yaml"), default="python")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--iterations", type=int, default=None, help="samples per request kind")
    parser.add_argument("--startups", type=int, default=None, help="spawns per server")
    parser.add_argument("--edits", type=int, default=None, help="edit pairs (typo + restore)")
    parser.add_argument("--reloads", type=int, default=None, help="reload pairs (add + remove)")
    parser.add_argument("--debounce-ms", type=int, default=150)
    parser.add_argument("--smoke", action="store_true", help="small workload, few iterations")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--cache", type=Path, help="keep generated workloads in this folder")
    parser.add_argument(
        "--profile", type=Path, help="run registry-lsp under cProfile, writing this file"
    )
    parser.add_argument(
        "--server-cmd", help="command line of the server to test instead of registry-lsp"
    )
    parser.add_argument("--strict", action="store_true", help="exit 2 when a target fails")
    args = parser.parse_args(argv)
    size = "small" if args.smoke else args.size
    smoke_or_small = args.smoke or size == "small"
    plan = Plan(
        size=size,
        variant=args.variant,
        iterations=args.iterations or (10 if args.smoke else 200),
        startups=args.startups or (1 if args.smoke else 5),
        edits=args.edits if args.edits is not None else (2 if args.smoke else 20),
        reloads=args.reloads if args.reloads is not None else (1 if args.smoke else 10),
        debounce_ms=args.debounce_ms,
        smoke=args.smoke,
        profile=args.profile.resolve() if args.profile else None,
        cache=args.cache,
        seed=args.seed,
        server_cmd=shlex.split(args.server_cmd) if args.server_cmd else None,
    )
    started = time.perf_counter()
    try:
        results = asyncio.run(run(plan))
    except (ServerFailure, asyncio.TimeoutError, OSError) as exc:
        print(f"bench_lsp: the server failed: {exc!r}", file=sys.stderr)
        return 1
    rows = targets(results)
    report = {
        "benchmark": "bench_lsp",
        "workload": {"size": plan.size, "variant": plan.variant, "seed": plan.seed},
        "settings": {
            "iterations": plan.iterations,
            "startups": plan.startups,
            "edits": plan.edits,
            "reloads": plan.reloads,
            "debounce_ms": plan.debounce_ms,
            "warmup": WARMUP,
            "profiled": plan.profile is not None,
        },
        "machine": machine(),
        "revision": revision(),
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "duration_s": time.perf_counter() - started,
        "targets": rows,
        "results": results,
    }
    title = f"bench_lsp: {plan.size}" + (f" ({plan.variant})" if plan.size == "large" else "")
    note = " — not the large workload the targets are set for" if smoke_or_small else ""
    print(f"## {title}{note}\n")
    print(markdown(rows, results))
    print(f"\n{report['machine']}; {report['duration_s']:.0f} s")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    if args.strict and not all(t["pass"] for t in rows):
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
