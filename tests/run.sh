#!/usr/bin/env bash
# Set up and run every test: lint, types, the Python suites (registry, server unit and
# end-to-end through a real LSP client), the benchmark smoke run, and the editor tests.
#   SKIP_EDITORS=1  skip the editor tests (VS Code in headless Chromium, Neovim)
#   SKIP_BROWSER=1  skip only the browser (code-server) part of the editor tests
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON_FOR_VENV:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
VENV_PY="$PWD/.venv/bin/python"
"$VENV_PY" -m pip install --quiet --upgrade pip
"$VENV_PY" -m pip install --quiet -e ".[test]"

echo "== ruff"
"$VENV_PY" -m ruff check .
"$VENV_PY" -m ruff format --check .
echo "== mypy"
"$VENV_PY" -m mypy
echo "== pytest"
"$VENV_PY" -m pytest -q -p no:cacheprovider
if [ -f benchmarks/bench_lsp.py ]; then
  echo "== benchmark smoke run (small workload)"
  "$VENV_PY" benchmarks/bench_lsp.py --size small --smoke
fi
if [ "${SKIP_EDITORS:-0}" != 1 ] && [ -f tests/editors/run.sh ]; then
  echo "== editor tests"
  PYTHON="$VENV_PY" bash tests/editors/run.sh
fi
