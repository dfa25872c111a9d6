"""The server answers `initialize` before importing the registry library (issue 5)."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY_PREFIXES = ("hybrid_registry", "pydantic", "yaml", "parso", "jedi", "registry_lsp.state")


def test_importing_the_server_module_imports_only_pygls_and_lsprotocol() -> None:
    code = "import json, sys\nimport registry_lsp.server\nprint(json.dumps(sorted(sys.modules)))\n"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    loaded = json.loads(out)
    heavy = [name for name in loaded if name.startswith(HEAVY_PREFIXES)]
    assert heavy == []


def test_warm_up_imports_every_deferred_module() -> None:
    code = (
        "import json, sys\n"
        "from registry_lsp import server\n"
        "server.warm_up()\n"
        "print(json.dumps([m in sys.modules for m in server.HEAVY_MODULES]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert all(json.loads(out))
