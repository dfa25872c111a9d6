"""Names shared with clients: mirrored in vscode-extension/src/constants.ts. Keep them in sync."""

SERVER_NAME = "registry-lsp"
SETTINGS_SECTION = "hybridRegistry"
DIAGNOSTIC_SOURCE = "hybrid-registry"

# workspace/executeCommand
CMD_STATUS = "hybridRegistry.status"
CMD_RELOAD = "hybridRegistry.reload"
CMD_CREATE_WORKSPACE = "hybridRegistry.createWorkspace"
"""Arguments: [{"path": <folder>, "developerId": <id>, "template": "standard"|"minimal"}].
Returns {"file": <path of the new workspace_registry.py>} (the server writes only on this
explicit user request)."""

# server -> client notification sent whenever a folder's registry starts or finishes loading.
# Params: the same payload as CMD_STATUS returns.
NOTIFY_STATUS = "hybridRegistry/statusChanged"

# Diagnostic codes
UNKNOWN_STEP = "unknown-step"
STEP_CONFLICT = "step-conflict"
UNKNOWN_JOB_TYPE = "unknown-job-type"
OVERRIDES_CORE = "overrides-core"
UNKNOWN_OVERRIDE = "unknown-override"
DUPLICATE_KEY = "duplicate-key"

# Codes of registry load and configuration problems (reported as diagnostics too).
PROBLEM_CODES = frozenset(
    {
        "syntax-error",
        "not-a-literal",
        "invalid-name",
        "invalid-value",
        "missing-field",
        "missing-table",
        "unreadable-file",
        "invalid-config",
        "duplicate-workspace",
        "empty-source",
        "internal-error",
    }
)
KNOWN_CODES = frozenset(
    {UNKNOWN_STEP, STEP_CONFLICT, UNKNOWN_JOB_TYPE, OVERRIDES_CORE, UNKNOWN_OVERRIDE, DUPLICATE_KEY}
    | PROBLEM_CODES
)
"""Every diagnostic code; settings naming another code get a warning."""
