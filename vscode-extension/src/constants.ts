/**
 * Names shared with the server: mirrors server/registry_lsp/constants.py. Keep them in sync
 * (test/unit/constants.test.ts compares the two files).
 */

export const SERVER_NAME = 'registry-lsp';
export const SETTINGS_SECTION = 'hybridRegistry';
export const DIAGNOSTIC_SOURCE = 'hybrid-registry';

/** Commands the server answers through `workspace/executeCommand`. */
export const CMD_STATUS = 'hybridRegistry.status';
export const CMD_RELOAD = 'hybridRegistry.reload';
export const CMD_CREATE_WORKSPACE = 'hybridRegistry.createWorkspace';

/** Server -> client notification sent whenever a folder's registry starts or finishes loading. */
export const NOTIFY_STATUS = 'hybridRegistry/statusChanged';

/** Diagnostic codes. */
export const UNKNOWN_STEP = 'unknown-step';
export const STEP_CONFLICT = 'step-conflict';
export const UNKNOWN_JOB_TYPE = 'unknown-job-type';
export const OVERRIDES_CORE = 'overrides-core';
export const UNKNOWN_OVERRIDE = 'unknown-override';
export const DUPLICATE_KEY = 'duplicate-key';

// ---- client-only names (not known to the server) ------------------------------------------

/** `publisher.name` from package.json. */
export const EXTENSION_ID = 'hybrid-registry.hybrid-registry-lsp';
/** LanguageClient id: vscode-languageclient reads `<id>.trace.server` itself. */
export const CLIENT_ID = SETTINGS_SECTION;
export const CLIENT_NAME = 'Hybrid Registry';
export const OUTPUT_CHANNEL_NAME = 'Hybrid Registry';

/** The Python package and the exact install command shown to users. */
export const SERVER_MODULE = 'registry_lsp';
export const PIP_PACKAGE = 'hybrid-registry-lsp';

/**
 * VS Code commands contributed by the extension. They must differ from the server's command ids,
 * which vscode-languageclient registers on its own.
 */
export const Commands = {
  restartServer: 'hybridRegistry.restartServer',
  showStatus: 'hybridRegistry.showStatus',
  reloadRegistry: 'hybridRegistry.reloadRegistry',
  selectWorkspace: 'hybridRegistry.selectWorkspace',
  createWorkspaceRegistry: 'hybridRegistry.createWorkspaceRegistry',
  showOutput: 'hybridRegistry.showOutput',
} as const;

/** Scheme of the read-only status document opened by "Show Registry Status". */
export const STATUS_SCHEME = 'hybrid-registry-status';
