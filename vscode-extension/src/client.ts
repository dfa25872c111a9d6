/**
 * Owns the language client: chooses the interpreter, checks that it can import the server, starts
 * the server in the first workspace folder, answers `workspace/configuration` with validated
 * settings, and restarts (coalesced) when asked.
 */
import {
  CloseAction,
  DidChangeConfigurationNotification,
  ErrorAction,
  ExecuteCommandRequest,
  LanguageClient,
  RevealOutputChannelOn,
  State,
  Trace,
  TransportKind,
  type DocumentSelector,
  type ErrorHandler,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';

import {
  CLIENT_ID,
  CLIENT_NAME,
  Commands,
  DIAGNOSTIC_SOURCE,
  NOTIFY_STATUS,
  SERVER_MODULE,
  SETTINGS_SECTION,
} from './constants';
import { describeError, effectiveTrace } from './log';
import { runProcess } from './proc';
import {
  checkServerImportable,
  chooseInterpreter,
  commandLine,
  describeSource,
  interpreterFromPythonExtension,
  pipInstallCommand,
  serverArgv,
  serverEnv,
  type ImportCheck,
  type Interpreter,
  type PythonExtensionApi,
} from './python';
import { NotebookCellDiagnostics } from './notebook';
import { RestartCoalescer } from './restart';
import { affectsRegistry, resolveSettings, type ExtensionSettings } from './settings';
import { parseStatus, type RegistryStatus, type ServerState } from './status';
import * as api from './vscodeApi';

/**
 * Documents the server sees: Python files (saved, untitled, notebook cells), registry tables and
 * the configuration files that locate the registries.
 */
export const DOCUMENT_SELECTOR: DocumentSelector = [
  { scheme: 'file', language: 'python' },
  { scheme: 'untitled', language: 'python' },
  { scheme: 'vscode-notebook-cell', language: 'python' },
  { scheme: 'file', pattern: '**/*.step.{yaml,yml}' },
  { scheme: 'file', pattern: '**/*{registry,steps}*.{yaml,yml,json}' },
  { scheme: 'file', pattern: '**/{pyproject.toml,.hybrid-registry.toml}' },
];

/** Files whose changes the server hears about even when they are not open. */
const WATCHED_GLOBS = [
  '**/*.step.{yaml,yml}',
  '**/*{registry,steps}*.{yaml,yml,json}',
  '**/{pyproject.toml,.hybrid-registry.toml}',
  '**/*.py',
];

const PYTHON_EXTENSION_ID = 'ms-python.python';

/** Unexpected stops (crashes, failed starts) retried automatically within {@link CRASH_WINDOW_MS}. */
export const MAX_AUTOMATIC_RESTARTS = 2;
export const CRASH_WINDOW_MS = 3 * 60 * 1000;
/** Restart reason for a crash; other reasons (the user, settings) reset the crash count. */
const UNEXPECTED_STOP = 'the server stopped unexpectedly';

/**
 * A LanguageClient that leaves notifications to {@link ServerManager} (one that says what to do)
 * and works around two vscode-languageclient 9 start-up quirks.
 */
class HybridRegistryClient extends LanguageClient {
  /** Log only: the library's own forced notifications ("couldn't create connection", ...) pile up. */
  override error(message: string, data?: unknown, _showNotification?: boolean | 'force'): void {
    super.error(message, data, false);
  }

  /**
   * When the server exits during start-up, the library orphans its start promise (rejected with
   * nobody listening) and resolves `start()` anyway: mark it handled, and fail if not running.
   */
  override async start(): Promise<void> {
    const started = super.start();
    const pending = (this as unknown as { _onStart?: Promise<void> })._onStart;
    pending?.catch(() => undefined);
    await started;
    if (!this.isRunning()) throw new Error('the server exited while starting');
  }

  /** After a failed initialize the library stops a client that is still "starting", which throws. */
  override async stop(timeout?: number): Promise<void> {
    try {
      await super.stop(timeout);
    } catch (e) {
      if (this.isRunning()) throw e;
      // nothing is running: nothing to stop
    }
  }
}

export class ServerManager implements api.Disposable {
  private client: LanguageClient | undefined;
  private clientDisposables: api.Disposable[] = [];
  private stateValue: ServerState = { kind: 'stopped' };
  private interpreterValue: Interpreter | undefined;
  private readonly restarts = new RestartCoalescer((reasons) => this.restartNow(reasons), 150);
  private readonly warned = new Set<string>();
  private readonly stateEmitter = api.newEventEmitter<ServerState>();
  private readonly statusEmitter = api.newEventEmitter<RegistryStatus>();
  /** Set by dispose(): every await in a start checks it, so nothing starts after shutdown. */
  private disposed = false;
  /** The restart currently running, awaited by dispose(). */
  private inflight: Promise<void> | undefined;
  /** Times of recent unexpected stops, to stop retrying a server that keeps crashing. */
  private crashes: number[] = [];

  /** Fires when the server process starts, stops, or cannot be started. */
  readonly onDidChangeState = this.stateEmitter.event;
  /** Fires on `hybridRegistry/statusChanged`. */
  readonly onDidChangeStatus = this.statusEmitter.event;

  constructor(private readonly log: api.LogOutputChannel) {}

  get state(): ServerState {
    return this.stateValue;
  }

  get interpreter(): Interpreter | undefined {
    return this.interpreterValue;
  }

  get isRunning(): boolean {
    return this.client?.isRunning() === true;
  }

  /** Starts or restarts the server; concurrent requests share one restart. */
  restart(reason: string): Promise<void> {
    return this.restarts.request(reason);
  }

  /** Runs one of the server's `workspace/executeCommand` commands. */
  async executeServerCommand<T>(command: string, ...args: unknown[]): Promise<T> {
    const client = this.client;
    if (!client || !client.isRunning()) {
      throw new Error('The Hybrid Registry language server is not running.');
    }
    return (await client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args })) as T;
  }

  /** Validated settings for a scope (a folder or document); problems are reported once. */
  settingsFor(scope?: api.Uri): ExtensionSettings {
    const { value, problems } = resolveSettings(api.getConfiguration(SETTINGS_SECTION, scope));
    for (const problem of problems) this.warnOnce(problem, 'Open Settings');
    return value;
  }

  /** Re-applies the LSP trace level (channel log level or `trace.server`, the more verbose). */
  applyTrace(): void {
    const client = this.client;
    if (!client || !client.isRunning()) return;
    const trace = effectiveTrace(this.log.logLevel, this.settingsFor().trace.server);
    client.setTrace(Trace.fromString(trace)).catch((e: unknown) => this.log.warn(`Setting the trace failed: ${describeError(e)}`));
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.restarts.dispose();
    // Let an in-flight start reach a point where the client can be stopped cleanly.
    await this.inflight?.catch(() => undefined);
    await this.stopClient();
    this.stateValue = { kind: 'stopped' };
    this.stateEmitter.dispose();
    this.statusEmitter.dispose();
  }

  // ---- internals -------------------------------------------------------------------------------

  private setState(state: ServerState): void {
    this.stateValue = state;
    this.stateEmitter.fire(state);
  }

  private warnOnce(message: string, ...actions: string[]): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.log.warn(message);
    void api.showWarningMessage(message, ...actions).then((choice) => {
      if (choice === 'Open Settings') void api.executeCommand('workbench.action.openSettings', SETTINGS_SECTION);
    });
  }

  private restartNow(reasons: readonly string[]): Promise<void> {
    const run = this.doRestart(reasons);
    this.inflight = run;
    return run.finally(() => {
      if (this.inflight === run) this.inflight = undefined;
    });
  }

  private async doRestart(reasons: readonly string[]): Promise<void> {
    if (this.disposed) return;
    this.log.info(`(Re)starting the server: ${reasons.join(', ')}`);
    // A restart the user asked for starts the crash count afresh.
    if (!reasons.includes(UNEXPECTED_STOP)) this.crashes = [];
    await this.stopClient();
    if (this.disposed) return;
    this.setState({ kind: 'starting' });
    try {
      await this.startClient();
    } catch (e) {
      if (this.disposed) {
        this.log.info(`Start abandoned: the extension is shutting down (${describeError(e)})`);
        return;
      }
      this.log.error(`Starting the server failed: ${describeError(e)}`);
      await this.stopClient();
      this.serverStoppedUnexpectedly(e instanceof Error ? e.message : String(e));
    }
  }

  /**
   * A crash or a failed start: retry a couple of times, then give up with one notification that
   * says what to do (instead of the language client's own stream of errors).
   */
  private serverStoppedUnexpectedly(reason: string): void {
    if (this.disposed) return;
    const now = Date.now();
    this.crashes = this.crashes.filter((t) => now - t < CRASH_WINDOW_MS);
    this.crashes.push(now);
    if (this.crashes.length <= MAX_AUTOMATIC_RESTARTS) {
      this.log.warn(`The server stopped (${reason}); restarting it (${this.crashes.length} of ${MAX_AUTOMATIC_RESTARTS}).`);
      this.setState({ kind: 'starting' });
      void this.restart(UNEXPECTED_STOP);
      return;
    }
    const message = `The Hybrid Registry server stopped: ${reason}. See the output for details.`;
    this.log.error(message);
    this.setState({ kind: 'failed', message });
    void api.showErrorMessage(message, 'Show Output', 'Restart Server').then((choice) => {
      if (choice === 'Show Output') void api.executeCommand(Commands.showOutput);
      else if (choice === 'Restart Server') void api.executeCommand(Commands.restartServer);
    });
  }

  /** Replaces vscode-languageclient's notifications with ours (see serverStoppedUnexpectedly). */
  private errorHandler(client: () => LanguageClient | undefined): ErrorHandler {
    return {
      error: (error, _message, count) => {
        this.log.error(`The connection to the server failed${count ? ` (${count})` : ''}: ${describeError(error)}`);
        return { action: ErrorAction.Shutdown, handled: true };
      },
      closed: () => {
        const mine = client();
        // A deliberate stop, or a start that failed (its rejection is handled by doRestart).
        if (this.disposed || mine === undefined || this.client !== mine || !mine.isRunning()) {
          return { action: CloseAction.DoNotRestart, handled: true };
        }
        this.serverStoppedUnexpectedly('the process exited');
        return { action: CloseAction.DoNotRestart, handled: true };
      },
    };
  }

  private async startClient(): Promise<void> {
    const folder = api.workspaceFolders()[0];
    const cwd = folder?.uri.scheme === 'file' ? folder.uri.fsPath : undefined;
    const settings = this.settingsFor(folder?.uri);
    const interpreter = await chooseInterpreter({
      setting: settings.interpreter,
      folder: cwd,
      pythonExtension: () => pythonExtensionInterpreter(folder?.uri),
    });
    if (this.disposed) return;
    this.interpreterValue = interpreter;
    this.log.info(`Python interpreter: ${commandLine(interpreter.argv)} (from ${describeSource(interpreter.source)})`);

    const check = await checkServerImportable(interpreter, runProcess, cwd);
    if (this.disposed) return;
    if (!check.ok) {
      this.setState({ kind: 'not-installed', interpreter: commandLine(interpreter.argv), install: pipInstallCommand(interpreter.argv) });
      this.reportNotInstalled(interpreter, check);
      return;
    }
    this.log.info(`Found ${SERVER_MODULE} ${check.version} for ${check.executable}`);

    const argv = serverArgv(interpreter);
    const [command = 'python3', ...args] = argv;
    const serverOptions: ServerOptions = {
      command,
      args,
      transport: TransportKind.stdio,
      options: { ...(cwd ? { cwd } : {}), env: serverEnv(process.env) },
    };
    const watchers = WATCHED_GLOBS.map((g) => api.createFileSystemWatcher(g));
    this.clientDisposables.push(...watchers);
    const clientOptions: LanguageClientOptions = {
      documentSelector: DOCUMENT_SELECTOR,
      outputChannel: this.log,
      traceOutputChannel: this.log,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      diagnosticCollectionName: DIAGNOSTIC_SOURCE,
      initializationOptions: settings,
      synchronize: { fileEvents: watchers },
      markdown: { isTrusted: false, supportHtml: false },
      errorHandler: this.errorHandler(() => client),
      // Fail the start (handled in doRestart) instead of showing the client's own error.
      initializationFailedHandler: (error: unknown) => {
        this.log.error(`Initializing the server failed: ${describeError(error)}`);
        return false;
      },
      middleware: {
        workspace: {
          // Answer with validated, fully defaulted settings for each scope.
          configuration: async (params, token, next) => {
            const result: unknown = await next(params, token);
            if (!Array.isArray(result)) return result as never;
            return params.items.map((item, i): unknown =>
              item.section === SETTINGS_SECTION
                ? this.settingsFor(item.scopeUri ? api.uriParse(item.scopeUri) : undefined)
                : result[i],
            );
          },
        },
      },
    };

    const client = new HybridRegistryClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions);
    this.client = client;
    this.clientDisposables.push(
      client.onDidChangeState((e) => {
        if (this.client !== client) return;
        if (e.newState === State.Running) this.setState({ kind: 'running' });
        else if (e.newState === State.Stopped && this.stateValue.kind === 'running') this.setState({ kind: 'stopped' });
      }),
      client.onNotification(NOTIFY_STATUS, (params: unknown) => this.statusEmitter.fire(parseStatus(params))),
    );
    this.log.info(`Starting ${commandLine(argv)} in ${cwd ?? '(no folder)'}`);
    await client.start();
    // dispose() waits for this start and then stops the client.
    if (this.disposed) return;
    // After the client's own `trace.server` handling, so that ours wins when it is more verbose.
    this.clientDisposables.push(
      this.log.onDidChangeLogLevel(() => this.applyTrace()),
      api.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`${SETTINGS_SECTION}.trace`)) this.applyTrace();
        // Registry settings apply live: the server re-asks `workspace/configuration`.
        if (affectsRegistry(e)) this.notifyConfigurationChanged(client);
      }),
    );
    this.applyTrace();
    if (client.initializeResult?.capabilities.diagnosticProvider) {
      const cells = new NotebookCellDiagnostics(client, (d) => api.matchesDocument(DOCUMENT_SELECTOR, d), this.log);
      this.clientDisposables.push(cells, this.onDidChangeStatus(() => cells.refreshAll()));
    }
    if (client.isRunning()) this.setState({ kind: 'running' });
  }

  private notifyConfigurationChanged(client: LanguageClient): void {
    if (!client.isRunning()) return;
    const settings = { [SETTINGS_SECTION]: this.settingsFor(api.workspaceFolders()[0]?.uri) };
    client
      .sendNotification(DidChangeConfigurationNotification.type, { settings })
      .catch((e: unknown) => this.log.warn(`Sending the settings failed: ${describeError(e)}`));
  }

  private async stopClient(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    for (const d of this.clientDisposables.splice(0)) d.dispose();
    if (!client) return;
    try {
      if (client.needsStop()) await client.stop(3000);
    } catch (e) {
      this.log.warn(`Stopping the server failed: ${describeError(e)}`);
    }
    try {
      await client.dispose(1000);
    } catch {
      // already stopped
    }
    if (this.stateValue.kind === 'running') this.setState({ kind: 'stopped' });
  }

  private reportNotInstalled(interpreter: Interpreter, check: Exclude<ImportCheck, { ok: true }>): void {
    const python = commandLine(interpreter.argv);
    const from = describeSource(interpreter.source);
    const install = pipInstallCommand(interpreter.argv);
    let message: string;
    if (check.reason === 'not-found') {
      message = `Hybrid Registry: the Python interpreter "${python}" (from ${from}) was not found. Choose one in the setting ${SETTINGS_SECTION}.interpreter.`;
      const [only] = interpreter.argv;
      if (interpreter.argv.length === 1 && only !== undefined && /\s/.test(only.trim())) {
        // "uv run python" as one string is looked up as a single executable name.
        message += ` A command with arguments must be written as a list: ${JSON.stringify(only.trim().split(/\s+/))}.`;
      }
    } else if (check.reason === 'not-installed') {
      message = `Hybrid Registry: the language server is not installed for "${python}" (from ${from}). Install it with: ${install}`;
    } else {
      message = `Hybrid Registry: "${python}" (from ${from}) failed while importing ${SERVER_MODULE}. Reinstall it with: ${install}`;
    }
    this.log.error(`${message}\n${check.detail}`);
    // One notification per interpreter and problem, however often we restart.
    const key = `${check.reason}:${python}`;
    if (this.warned.has(key)) return;
    this.warned.add(key);
    const actions =
      check.reason === 'not-found'
        ? ['Open Setting', 'Restart Server', 'Show Output']
        : ['Open Setting', 'Copy Command', 'Restart Server', 'Show Output'];
    void api.showErrorMessage(message, ...actions).then((choice) => {
      if (choice === 'Open Setting') void api.executeCommand('workbench.action.openSettings', `${SETTINGS_SECTION}.interpreter`);
      else if (choice === 'Copy Command') void api.writeClipboard(install);
      else if (choice === 'Restart Server') void api.executeCommand(Commands.restartServer);
      else if (choice === 'Show Output') void api.executeCommand(Commands.showOutput);
    });
  }
}

/** The Python extension's interpreter for a resource, when that extension is installed. */
async function pythonExtensionInterpreter(resource: api.Uri | undefined): Promise<string[] | undefined> {
  const ext = api.getExtension<PythonExtensionApi>(PYTHON_EXTENSION_ID);
  if (!ext) return undefined;
  const exports = ext.isActive ? ext.exports : await ext.activate();
  return interpreterFromPythonExtension(exports, resource);
}

/** Subscribes to the Python extension's interpreter changes (no-op when it is not installed). */
export function onPythonInterpreterChanged(listener: () => void): api.Disposable {
  const ext = api.getExtension<{ environments?: { onDidChangeActiveEnvironmentPath?: api.Event<unknown> } }>(PYTHON_EXTENSION_ID);
  let disposable: api.Disposable | undefined;
  let disposed = false;
  if (ext) {
    void (async () => {
      try {
        const exports = ext.isActive ? ext.exports : await ext.activate();
        const event = exports.environments?.onDidChangeActiveEnvironmentPath;
        if (event && !disposed) disposable = event(() => listener());
      } catch {
        // the Python extension failed to activate: nothing to follow
      }
    })();
  }
  return {
    dispose: () => {
      disposed = true;
      disposable?.dispose();
    },
  };
}

