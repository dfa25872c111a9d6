"""Raw JSON-RPC edge cases a typed client cannot send: every request gets an answer."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

TIMEOUT = 30


class RawClient:
    def __init__(self, cwd: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "registry_lsp"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=cwd,
        )

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def receive(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        length = 0
        while True:
            line = self.process.stdout.readline()
            assert line, "the server closed its output"
            if line in (b"\r\n", b"\n"):
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        message: dict[str, Any] = json.loads(self.process.stdout.read(length))
        return message

    def response(self, request_id: int) -> dict[str, Any]:
        while True:
            message = self.receive()
            if message.get("id") == request_id and "method" not in message:
                return message
            if "method" in message and "id" in message:  # a request to the client
                self.send({"id": message["id"], "result": None})

    def initialize(self, request_id: int = 1) -> None:
        """`initialize` (no folder, no capabilities), answered with a result."""
        self.send(
            {
                "id": request_id,
                "method": "initialize",
                "params": {"processId": None, "rootUri": None, "capabilities": {}},
            }
        )
        assert "result" in self.response(request_id)

    def close(self) -> None:
        self.process.kill()
        self.process.wait(TIMEOUT)


def test_malformed_requests_are_answered_and_the_server_keeps_serving(tmp_path: Path) -> None:
    client = RawClient(tmp_path)
    try:
        client.initialize()
        client.send({"method": "initialized", "params": {}})
        uri = (tmp_path / "p.py").as_uri()
        client.send(
            {
                "method": "textDocument/didOpen",
                "params": {
                    "textDocument": {
                        "uri": uri,
                        "languageId": "python",
                        "version": 1,
                        "text": 'dag.add_node("A")\n',
                    }
                },
            }
        )
        for request_id, params in enumerate(
            [{}, None, {"textDocument": {"uri": uri}, "position": {"line": -1}}], start=2
        ):
            client.send({"id": request_id, "method": "textDocument/hover", "params": params})
            answer = client.response(request_id)
            assert answer["error"]["code"] == -32602
        client.send(
            {
                "id": 9,
                "method": "textDocument/hover",
                "params": {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 15}},
            }
        )
        assert "result" in client.response(9)  # still serving
    finally:
        client.close()


def test_bad_notifications_are_logged_not_popped_up(tmp_path: Path) -> None:
    client = RawClient(tmp_path)
    try:
        client.initialize()
        client.send({"method": "initialized", "params": {}})
        never_opened = (tmp_path / "not_open.py").as_uri()
        change = {"range": {"start": {"line": -3, "character": 0}, "end": {"line": 0}}, "text": ""}
        for params in (
            {
                "textDocument": {"uri": never_opened, "version": 2},
                "contentChanges": [{"text": "x"}],
            },
            {"textDocument": {"uri": never_opened, "version": 3}, "contentChanges": [change]},
        ):
            client.send({"method": "textDocument/didChange", "params": params})
        client.send({"id": 2, "method": "shutdown", "params": None})
        seen: list[dict[str, Any]] = []
        while True:
            message = client.receive()
            if message.get("id") == 2 and "method" not in message:
                break
            if "method" in message and "id" in message:  # a request to the client
                client.send({"id": message["id"], "result": None})
            seen.append(message)
        popups = [m for m in seen if m.get("method") == "window/showMessage"]
        assert popups == []
        logged = [m["params"]["message"] for m in seen if m.get("method") == "window/logMessage"]
        assert any("not_open.py" in text for text in logged), logged
        # after shutdown every request but exit is refused with InvalidRequest, not dropped
        position = {"line": 0, "character": 0}
        hover = {"textDocument": {"uri": never_opened}, "position": position}
        client.send({"id": 3, "method": "textDocument/hover", "params": hover})
        assert client.response(3)["error"]["code"] == -32600
    finally:
        client.close()


def test_requests_before_initialize_get_server_not_initialized(tmp_path: Path) -> None:
    client = RawClient(tmp_path)
    try:
        uri = (tmp_path / "p.py").as_uri()
        position = {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}}
        client.send({"id": 1, "method": "textDocument/hover", "params": position})
        assert client.response(1)["error"]["code"] == -32002
        client.send({"method": "initialized", "params": {}})  # dropped, not acted on
        client.initialize(2)
        client.send({"id": 3, "method": "textDocument/hover", "params": position})
        assert "result" in client.response(3)
    finally:
        client.close()


def test_requests_that_are_not_json_rpc_2_are_answered(tmp_path: Path) -> None:
    client = RawClient(tmp_path)
    try:
        client.initialize()
        for request_id, message in [
            (2, {"jsonrpc": "1.0", "id": 2, "method": "textDocument/hover", "params": {}}),
            (3, {"jsonrpc": "2.0", "id": 3, "method": 5, "params": {}}),
        ]:
            body = json.dumps(message).encode()
            assert client.process.stdin is not None
            client.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            client.process.stdin.flush()
            assert client.response(request_id)["error"]["code"] == -32600
        # objects nested in a request's params may hold "id" and "method": plain data
        client.send(
            {
                "id": 4,
                "method": "workspace/executeCommand",
                "params": {
                    "command": "hybridRegistry.status",
                    "arguments": [{"id": 1, "method": "x", "uri": "file:///nowhere.py"}],
                },
            }
        )
        seen = []
        while not seen or seen[-1].get("id") != 4 or "method" in seen[-1]:
            seen.append(client.receive())
        assert "result" in seen[-1]
        assert not any(m.get("id") == 1 and "method" not in m for m in seen)  # no stray answer
    finally:
        client.close()
