/**
 * Keeps the latest registry status (from the server's notification and `hybridRegistry.status`
 * queries for the active document) and shows it in a status bar item on registry-related files.
 */
import { DOCUMENT_SELECTOR, type ServerManager } from './client';
import { CMD_STATUS, Commands } from './constants';
import { describeError } from './log';
import { affectsRegistry } from './settings';
import { parseStatus, presentStatusBar, type RegistryStatus } from './status';
import * as api from './vscodeApi';

export class StatusController implements api.Disposable {
  private statusValue: RegistryStatus | undefined;
  private readonly item = api.createStatusBarItem('hybridRegistry.status', 100);
  private readonly disposables: api.Disposable[] = [];
  private readonly changed = api.newEventEmitter<RegistryStatus | undefined>();
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;

  /** Fires whenever the status or the server state changes. */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly server: ServerManager,
    private readonly log: api.LogOutputChannel,
  ) {
    this.item.name = 'Hybrid Registry';
    this.item.command = Commands.showStatus;
    this.disposables.push(
      this.item,
      this.changed,
      server.onDidChangeState((state) => {
        if (state.kind !== 'running') this.statusValue = undefined;
        this.render();
        if (state.kind === 'running') this.scheduleRefresh(0);
      }),
      server.onDidChangeStatus((status) => {
        // The notification carries no context: keep the last one until the query answers.
        this.statusValue = { folders: status.folders, context: this.statusValue?.context ?? null };
        this.render();
        this.scheduleRefresh(50);
      }),
      api.onDidChangeActiveTextEditor(() => {
        this.render();
        this.scheduleRefresh(100);
      }),
      api.onDidChangeConfiguration((e) => {
        if (affectsRegistry(e)) this.scheduleRefresh(300);
      }),
    );
    this.render();
  }

  get status(): RegistryStatus | undefined {
    return this.statusValue;
  }

  /** Asks the server for the status as seen from the active document. */
  async refresh(): Promise<RegistryStatus | undefined> {
    if (!this.server.isRunning) return this.statusValue;
    const doc = api.activeDocument();
    const arg = doc && doc.uri.scheme === 'file' ? { uri: doc.uri.toString() } : {};
    try {
      this.statusValue = parseStatus(await this.server.executeServerCommand<unknown>(CMD_STATUS, arg));
    } catch (e) {
      this.log.debug(`Status query failed: ${describeError(e)}`);
    }
    this.render();
    return this.statusValue;
  }

  dispose(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  private scheduleRefresh(delayMs: number): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      void this.refresh();
    }, delayMs);
  }

  private render(): void {
    const doc = api.activeDocument();
    const p = presentStatusBar(this.server.state, this.statusValue, doc?.uri.scheme === 'file' ? doc.uri.fsPath : undefined);
    this.item.text = p.text;
    this.item.tooltip = new api.MarkdownString(p.tooltip, true);
    this.item.backgroundColor =
      p.severity === 'error'
        ? new api.ThemeColor('statusBarItem.errorBackground')
        : p.severity === 'warning'
          ? new api.ThemeColor('statusBarItem.warningBackground')
          : undefined;
    if (doc && api.matchesDocument(DOCUMENT_SELECTOR, doc)) this.item.show();
    else this.item.hide();
    this.changed.fire(this.statusValue);
  }
}
