"""Read a very large Python registry module in a child process.

`ast.parse` of a multi-megabyte `STEP_NAMES` module briefly needs far more memory than the
definitions it yields (~150 MB for 10,000 rows), and a long-running process such as the
language server keeps that peak for good (CPython seldom returns freed arenas). A child
interpreter parses the file statically, exactly as `load_python_registry` does in-process,
and streams back one JSON line per definition and problem; its memory goes away with it.

The child runs our own code only (`python -I -m hybrid_registry.isolated`: isolated mode, so
neither the user's folder nor PYTHON* variables can put another module in its place); the
registry file is read as text, never imported. Any failure falls back to the in-process read.
"""

from __future__ import annotations

import logging
import pickle
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from hybrid_registry.loaders import CORE_VARIABLE, SourceLoad, load_python_registry
from hybrid_registry.models import Problem, StepDefinition

log = logging.getLogger(__name__)

CHILD_TIMEOUT = 120.0
"""Seconds a child may take before the read falls back to this process."""


def load_python_registry_isolated(
    path: str | Path,
    text: str,
    *,
    variable: str = CORE_VARIABLE,
    source: str | None = None,
) -> SourceLoad:
    """`load_python_registry(path, text, ...)`, parsed in a child interpreter.

    The answer comes back as one pickle stream, read as it arrives (so the parent never holds
    a serialised copy of the whole table) and with objects the child shared kept shared. The
    stream is written by our own child from literal values only (strings, numbers and
    containers of them: all a static read can produce), never by the registry file.
    """
    request = {"path": str(path), "text": text, "variable": variable, "source": source}
    try:
        return _run_child(request)
    except Exception as exc:  # any failure of the child: read the file here instead
        log.warning("Reading %s in a child process failed (%s); reading it here", path, exc)
        return load_python_registry(path, text, variable=variable, source=source)


def _run_child(request: dict[str, Any]) -> SourceLoad:
    child = subprocess.Popen(
        [sys.executable, "-I", "-m", "hybrid_registry.isolated"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    timer = threading.Timer(CHILD_TIMEOUT, child.kill)
    timer.start()
    try:
        assert child.stdin is not None and child.stdout is not None
        with child.stdin:
            pickle.dump(request, child.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        answer = pickle.load(child.stdout)  # our own child's stream (see above)
        if child.wait() != 0:
            raise RuntimeError(f"the child exited with status {child.returncode}")
    finally:
        timer.cancel()
        if child.poll() is None:
            child.kill()
            child.wait()
        if child.stdout is not None:
            child.stdout.close()
    definitions, problems = answer
    if not all(isinstance(d, StepDefinition) for d in definitions) or not all(
        isinstance(p, Problem) for p in problems
    ):
        raise RuntimeError("unexpected answer")
    result = SourceLoad(path=str(request["path"]))
    result.definitions = {definition.name: definition for definition in definitions}
    result.problems = list(problems)
    return result


def _serve() -> None:
    """The child: read one request from stdin, answer on stdout."""
    request: dict[str, Any] = pickle.load(sys.stdin.buffer)  # from our parent
    loaded = load_python_registry(
        request["path"],
        request["text"],
        variable=request["variable"],
        source=request["source"],
    )
    answer = (list(loaded.definitions.values()), loaded.problems)
    pickle.dump(answer, sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    _serve()
