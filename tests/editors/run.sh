#!/usr/bin/env bash
# Editor tests: the VS Code extension (unit tests, lint, typecheck, .vsix), the language server in
# headless Neovim, and the packaged extension in a real VS Code (code-server in headless Chromium),
# including a mocha suite inside code-server's extension host. Installs what it needs on a fresh
# Debian machine (apt, npm) and caches the heavy parts, so re-runs are fast.
#
#   PYTHON=/path/to/python   interpreter that can `import registry_lsp` (default: python3)
#   SKIP_BROWSER=1           skip code-server and Chromium (the rest still runs)
#   HR_E2E_CACHE=DIR         cache for code-server (default: ~/.cache/hybrid-registry-lsp-e2e)
#   UPDATE_SCREENSHOTS=1     copy the screenshots into vscode-extension/images/ (the README's)
#
# Screenshots and logs: vscode-extension/build/screenshots/ and vscode-extension/build/e2e-logs/.
# Leaves no process running: everything is started in its own process group and ended by its id.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
EXT="$REPO/vscode-extension"
EXAMPLES="$REPO/examples"
PYTHON="${PYTHON:-python3}"
CACHE="${HR_E2E_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/hybrid-registry-lsp-e2e}"
CODE_SERVER_VERSION=4.100.3 # the newest code-server that runs on Node 20
SHOTS="$EXT/build/screenshots"
LOGS="$EXT/build/e2e-logs"
mkdir -p "$CACHE" "$SHOTS" "$LOGS"
RUN="$(mktemp -d "${TMPDIR:-/tmp}/hr-editors.XXXXXX")"

T_START=$(date +%s)
PASSED=()
FAILED=()
PGIDS=()

# ---- helpers -------------------------------------------------------------------------------------

say() { printf '\n== %s\n' "$*"; }

# step NAME COMMAND...: runs a check, records its outcome and duration, carries on either way.
step() {
  local name="$1"; shift
  local t0=$(date +%s) rc
  say "$name"
  "$@"; rc=$?
  local dt=$(( $(date +%s) - t0 ))
  if [ $rc = 0 ]; then PASSED+=("$name (${dt}s)"); echo "-- PASS: $name (${dt}s)"
  else FAILED+=("$name (exit $rc, ${dt}s)"); echo "-- FAIL: $name (exit $rc, ${dt}s)"; fi
  return $rc
}

# kill_group PGID: ends a process group we started (TERM, then KILL).
kill_group() {
  local pg="$1" i
  kill -TERM -- "-$pg" 2>/dev/null || return 0
  for i in $(seq 1 20); do kill -0 -- "-$pg" 2>/dev/null || return 0; sleep 0.25; done
  kill -KILL -- "-$pg" 2>/dev/null || true
}

# in_group COMMAND...: runs a command in a new session/process group, waits for it (a `wait` that
# a signal interrupts), then ends whatever it left behind (a language server, Chromium helpers).
in_group() {
  setsid "$@" < /dev/null &
  local pid=$! rc
  echo "$pid" >> "$RUN/pgids" # also seen by cleanup when we run in a subshell
  wait "$pid"; rc=$?
  kill_group "$pid"
  return $rc
}

cleanup() {
  local pg
  for pg in "${PGIDS[@]}" $(cat "$RUN/pgids" 2>/dev/null); do kill_group "$pg"; done
  cp -f "$RUN"/*.log "$LOGS"/ 2>/dev/null || true
  rm -rf "$RUN"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# EDITOR_ENV: HOME, XDG_* and TMPDIR inside the run folder, so editors never touch the real home.
# Used as `env "${EDITOR_ENV[@]}" command` (no subshells, so signals reach us while we wait).
EDITOR_ENV=(HOME="$RUN/home" TMPDIR="$RUN/tmp" XDG_CONFIG_HOME="$RUN/home/.config"
  XDG_DATA_HOME="$RUN/home/.local/share" XDG_CACHE_HOME="$RUN/home/.cache"
  XDG_STATE_HOME="$RUN/home/.local/state" XDG_RUNTIME_DIR="$RUN/xdg-runtime")
mkdir -p "$RUN/home" "$RUN/tmp" "$RUN/xdg-runtime" && chmod 700 "$RUN/xdg-runtime"

# copy_examples NAME: a fresh copy of examples/ (tests may edit or add files).
copy_examples() {
  local dest="$RUN/ws-$1"
  mkdir -p "$dest"
  cp -r "$EXAMPLES" "$dest/examples"
  find "$dest" -name __pycache__ -prune -exec rm -rf {} +
  echo "$dest/examples"
}

# ---- prerequisites -------------------------------------------------------------------------------

install_system_packages() {
  local need=()
  command -v nvim >/dev/null || need+=(neovim)
  command -v g++ >/dev/null && command -v make >/dev/null || need+=(g++ make)
  if [ "${SKIP_BROWSER:-0}" != 1 ]; then
    command -v chromium >/dev/null || need+=(chromium fonts-dejavu-core)
    dpkg -s fonts-noto-color-emoji >/dev/null 2>&1 || need+=(fonts-noto-color-emoji)
    command -v rg >/dev/null || need+=(ripgrep)
    dpkg -s libkrb5-dev >/dev/null 2>&1 || need+=(libkrb5-dev)
  fi
  [ ${#need[@]} = 0 ] && { echo "system packages present"; return 0; }
  echo "installing: ${need[*]}"
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo -n"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
}

check_python() {
  if ! "$PYTHON" -c "import registry_lsp, hybrid_registry" 2>"$RUN/python-check.log"; then
    cat "$RUN/python-check.log"
    echo "PYTHON=$PYTHON cannot import registry_lsp: install the repository first (pip install -e $REPO)"
    return 1
  fi
  PYTHON="$("$PYTHON" -c 'import sys; print(sys.executable)')"
  echo "server: $("$PYTHON" -m registry_lsp --version) ($PYTHON)"
}

check_node() {
  local major
  major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null)" || { echo "Node.js 20 is required"; return 1; }
  [ "$major" = 20 ] || echo "warning: Node $major; code-server $CODE_SERVER_VERSION needs Node 20"
  echo "node $(node --version), npm $(npm --version)"
}

# npm ci in vscode-extension, skipped while package-lock.json is unchanged since the last one.
npm_ci_extension() {
  local sum
  sum="$(sha256sum "$EXT/package-lock.json" | cut -d' ' -f1)"
  if [ -f "$EXT/node_modules/.hr-lock-sha256" ] && [ "$(cat "$EXT/node_modules/.hr-lock-sha256")" = "$sum" ]; then
    echo "node_modules up to date"; return 0
  fi
  (cd "$EXT" && npm ci --no-audit --no-fund --loglevel=error) && echo "$sum" > "$EXT/node_modules/.hr-lock-sha256"
}

# code-server from npm into the cache. Its build downloads ripgrep from GitHub unless the archive
# is already in @vscode/ripgrep's download cache, so we put Debian's rg there first.
install_code_server() {
  local dir="$CACHE/code-server-$CODE_SERVER_VERSION"
  CODE_SERVER="$dir/node_modules/.bin/code-server"
  if [ -f "$dir/.installed" ] && [ -x "$CODE_SERVER" ]; then echo "cached: $CODE_SERVER"; return 0; fi
  rm -rf "$dir"; mkdir -p "$dir" "$CACHE/tmp"
  local stage="$CACHE/tmp/rg-stage" v
  mkdir -p "$stage"; cp "$(command -v rg)" "$stage/rg"
  for v in 1.15.9 1.15.10 1.15.11 1.15.12 1.15.13 1.15.14; do
    mkdir -p "$CACHE/tmp/vscode-ripgrep-cache-$v"
    for tag in v13.0.0-10 v13.0.0-4; do
      tar czf "$CACHE/tmp/vscode-ripgrep-cache-$v/ripgrep-$tag-x86_64-unknown-linux-musl.tar.gz" -C "$stage" rg
    done
  done
  echo '{"private": true}' > "$dir/package.json"
  in_group env -C "$dir" TMPDIR="$CACHE/tmp" npm_config_unsafe_perm=true npm_config_yes=true npm_config_nodedir=/usr \
      npm install --no-save --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION" \
    > "$RUN/code-server-install.log" 2>&1 || { tail -30 "$RUN/code-server-install.log"; return 1; }
  touch "$dir/.installed"
  echo "installed: $CODE_SERVER"
}

# ---- the checks ----------------------------------------------------------------------------------

neovim_e2e() {
  local ws out="$RUN/nvim-result.txt" rc
  ws="$(copy_examples nvim)"
  in_group env -C "$ws" "${EDITOR_ENV[@]}" HR_OUT="$out" HR_ROOT="$ws" HR_SERVER_CMD="$PYTHON -m registry_lsp" \
    timeout 120 nvim --headless -i NONE -u "$HERE/neovim/init.lua" pipelines/xgboost_pipeline.py \
    > "$RUN/nvim.log" 2>&1
  rc=$?
  [ -f "$out" ] || { echo "no result file (nvim exit $rc)"; cat "$RUN/nvim.log"; return 1; }
  cut -c1-300 "$out"
  local ok=0
  expect() { if grep -q "$2" "$out"; then echo "ok   $1"; else echo "FAIL $1"; ok=1; fi; }
  expect "client initialized" '^client_ready=true'
  expect "hover shows the config class" '^hover=.*TabularPreprocessingConfig'
  expect "hover float shows the config class" '^hover_float=.*TabularPreprocessingConfig'
  expect "definition is in the core registry" '^definition=.*pipeline_registry/step_names.py'
  expect "completion inside add_node(\" lists step names" '^completion=.*XGBoostTraining'
  expect "the typo is reported with a suggestion" '^diagnostic=unknown-step: .*Did you mean.*XGBoostTraining'
  grep -q '^ERROR=' "$out" && ok=1
  return $ok
}

# Starts code-server (own process group) on a free port with the .vsix installed.
start_code_server() {
  local state="$RUN/code-server" port i
  mkdir -p "$state/user-data/User" "$state/extensions"
  port="$("$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  CS_URL="http://127.0.0.1:$port"
  cat > "$state/user-data/User/settings.json" <<JSON
{
  "hybridRegistry.interpreter": "$PYTHON",
  "workbench.startupEditor": "none",
  "workbench.secondarySideBar.defaultVisibility": "hidden",
  "workbench.tips.enabled": false,
  "workbench.enableExperiments": false,
  "chat.disableAIFeatures": true,
  "telemetry.telemetryLevel": "off",
  "extensions.autoUpdate": false,
  "extensions.autoCheckUpdates": false,
  "extensions.ignoreRecommendations": true,
  "update.mode": "none",
  "security.workspace.trust.enabled": false,
  "git.enabled": false,
  "editor.hover.delay": 100,
  "editor.quickSuggestions": { "other": true, "comments": false, "strings": true },
  "files.hotExit": "off"
}
JSON
  in_group env "${EDITOR_ENV[@]}" "$CODE_SERVER" --user-data-dir "$state/user-data" --extensions-dir "$state/extensions" \
      --install-extension "$EXT/build/hybrid-registry-lsp.vsix" --force > "$RUN/code-server-install-ext.log" 2>&1 \
    || { cat "$RUN/code-server-install-ext.log"; return 1; }
  # Variables the extension host (and so the mocha suite) needs must be set on code-server itself.
  setsid env "${EDITOR_ENV[@]}" HR_TEST_RESULT="$RUN/exthost-result.json" \
    "$CODE_SERVER" --bind-addr "127.0.0.1:$port" --auth none --disable-telemetry \
      --disable-update-check --disable-workspace-trust --disable-getting-started-override \
      --user-data-dir "$state/user-data" --extensions-dir "$state/extensions" > "$RUN/code-server.log" 2>&1 < /dev/null &
  CS_PGID=$!
  PGIDS+=("$CS_PGID")
  for i in $(seq 1 120); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$CS_URL/healthz")" = 200 ] && { echo "code-server up at $CS_URL"; return 0; }
    kill -0 "$CS_PGID" 2>/dev/null || break
    sleep 0.5
  done
  echo "code-server did not start"; tail -20 "$RUN/code-server.log"; return 1
}

code_server_ui_e2e() {
  local ws
  ws="$(copy_examples ui)"
  # The same interpreter without site-packages: it cannot import registry_lsp.
  local bare="$RUN/bin/python-without-server"
  mkdir -p "$RUN/bin"
  printf '#!/bin/sh\nexec "%s" -S -I "$@"\n' "$PYTHON" > "$bare" && chmod +x "$bare"
  in_group env "${EDITOR_ENV[@]}" HR_URL="$CS_URL" HR_FOLDER="$ws" HR_SHOTS="$SHOTS" HR_EXT_DIR="$EXT" \
    HR_RUN_DIR="$RUN" HR_BARE_PYTHON="$bare" \
    timeout 300 node "$HERE/code-server/ui.e2e.js"
}

code_server_exthost_tests() {
  local ws
  ws="$(copy_examples ext)"
  in_group env "${EDITOR_ENV[@]}" HR_URL="$CS_URL" HR_FOLDER="$ws" HR_SHOTS="$SHOTS" HR_EXT_DIR="$EXT" \
    HR_RUN_DIR="$RUN" HR_TEST_RESULT="$RUN/exthost-result.json" timeout 300 node "$HERE/code-server/exttest.js"
}

code_server_exthost_multiroot() {
  local ws="$RUN/ws-multi"
  mkdir -p "$ws"
  cp -r "$EXAMPLES" "$ws/examples"
  cp -r "$EXAMPLES" "$ws/examples-b"
  find "$ws" -name __pycache__ -prune -exec rm -rf {} +
  mkdir -p "$ws/examples-b/.vscode"
  echo '{ "hybridRegistry.diagnostics.disabled": ["unknown-step"] }' > "$ws/examples-b/.vscode/settings.json"
  echo "{ \"folders\": [{ \"path\": \"$ws/examples\" }, { \"path\": \"$ws/examples-b\" }] }" > "$ws/multi.code-workspace"
  local attempt
  for attempt in 1 2; do
    # code-server now and then opens the .code-workspace with no folders at all (the workbench
    # shows "no folder opened"); that is the editor, not us: try once more before failing.
    in_group env "${EDITOR_ENV[@]}" HR_URL="$CS_URL" HR_WORKSPACE="$ws/multi.code-workspace" HR_SHOTS="$SHOTS" \
      HR_EXT_DIR="$EXT" HR_RUN_DIR="$RUN" HR_TEST_RESULT="$RUN/exthost-result.json" timeout 300 node "$HERE/code-server/exttest.js" \
      > "$RUN/multiroot-$attempt.out" 2>&1
    local rc=$?
    cat "$RUN/multiroot-$attempt.out"
    [ $rc = 0 ] && return 0
    grep -q "timed out waiting for the two workspace folders" "$RUN/multiroot-$attempt.out" || return $rc
    echo "(the window opened the workspace without its folders: retrying once)"
  done
  return 1
}

# ---- main ----------------------------------------------------------------------------------------

step "prerequisites (apt: neovim, chromium, ripgrep, libkrb5-dev)" install_system_packages || true
step "python interpreter with the server" check_python || { echo "cannot continue without the server"; exit 1; }
step "node" check_node || exit 1
step "extension: npm ci" npm_ci_extension || exit 1
step "extension: unit tests" bash -c "cd '$EXT' && npm test --silent 2>&1 | tail -12; exit \${PIPESTATUS[0]}"
step "extension: lint" bash -c "cd '$EXT' && npm run --silent lint"
step "extension: typecheck" bash -c "cd '$EXT' && npm run --silent typecheck"
step "extension: package (.vsix)" bash -c "cd '$EXT' && npm run --silent package 2>&1 | tail -2; exit \${PIPESTATUS[0]}"
step "neovim e2e (headless nvim $(nvim --version 2>/dev/null | head -1 | cut -d' ' -f2))" neovim_e2e

if [ "${SKIP_BROWSER:-0}" = 1 ]; then
  echo; echo "SKIP_BROWSER=1: skipping code-server and Chromium"
else
  if step "code-server $CODE_SERVER_VERSION (cached in $CACHE)" install_code_server \
    && step "code-server start" start_code_server; then
    step "code-server UI e2e (headless Chromium)" code_server_ui_e2e
    step "code-server extension-host tests (mocha)" code_server_exthost_tests
    step "code-server extension-host tests, multi-root workspace" code_server_exthost_multiroot
    kill_group "$CS_PGID"
    if [ "${UPDATE_SCREENSHOTS:-0}" = 1 ]; then
      mkdir -p "$EXT/images"
      for f in hover completion diagnostics status-view not-installed; do cp -f "$SHOTS/$f.png" "$EXT/images/$f.png" 2>/dev/null; done
      echo "screenshots copied to $EXT/images/"
    fi
  fi
fi

echo
echo "== editor tests summary ($(( $(date +%s) - T_START ))s)"
for s in "${PASSED[@]}"; do echo "  pass  $s"; done
for s in "${FAILED[@]}"; do echo "  FAIL  $s"; done
echo "editors: ${#PASSED[@]} passed, ${#FAILED[@]} failed"
[ ${#FAILED[@]} = 0 ]
