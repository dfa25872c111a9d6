/**
 * Diagnostics for Python cells of notebooks when the server uses pull diagnostics.
 * vscode-languageclient 9 pulls only for documents shown in a text editor tab, and a notebook
 * cell never is one, so we pull for open cells ourselves (debounced) into our own collection.
 */
import { DocumentDiagnosticReportKind, DocumentDiagnosticRequest, type LanguageClient } from 'vscode-languageclient/node';

import { describeError } from './log';
import * as api from './vscodeApi';

const CELL_SCHEME = 'vscode-notebook-cell';

export class NotebookCellDiagnostics implements api.Disposable {
  private readonly collection = api.createDiagnosticCollection('hybrid-registry-notebook-cells');
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly disposables: api.Disposable[];

  constructor(
    private readonly client: LanguageClient,
    private readonly matches: (doc: api.TextDocument) => boolean,
    private readonly log: api.LogOutputChannel,
    private readonly debounceMs = 300,
  ) {
    this.disposables = [
      this.collection,
      api.onDidOpenTextDocument((d) => this.schedule(d)),
      api.onDidChangeTextDocument((d) => this.schedule(d)),
      api.onDidCloseTextDocument((d) => {
        this.cancel(d);
        this.collection.delete(d.uri);
      }),
    ];
    this.refreshAll();
  }

  /** Pulls again for every open cell (after a registry reload, say). */
  refreshAll(): void {
    for (const d of api.textDocuments()) this.schedule(d);
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    for (const d of this.disposables) d.dispose();
  }

  private isCell(doc: api.TextDocument): boolean {
    return doc.uri.scheme === CELL_SCHEME && this.matches(doc);
  }

  private cancel(doc: api.TextDocument): void {
    const key = doc.uri.toString();
    const t = this.timers.get(key);
    if (t) clearTimeout(t);
    this.timers.delete(key);
  }

  private schedule(doc: api.TextDocument): void {
    if (!this.isCell(doc)) return;
    this.cancel(doc);
    // The delay also lets the client's didOpen/didChange reach the server first.
    this.timers.set(
      doc.uri.toString(),
      setTimeout(() => {
        this.timers.delete(doc.uri.toString());
        void this.pull(doc);
      }, this.debounceMs),
    );
  }

  private async pull(doc: api.TextDocument): Promise<void> {
    if (!this.client.isRunning() || doc.isClosed) return;
    try {
      const report = await this.client.sendRequest(DocumentDiagnosticRequest.type, {
        textDocument: { uri: this.client.code2ProtocolConverter.asUri(doc.uri) },
      });
      if (report.kind !== DocumentDiagnosticReportKind.Full || doc.isClosed) return;
      this.collection.set(doc.uri, await this.client.protocol2CodeConverter.asDiagnostics(report.items));
    } catch (e) {
      this.log.debug(`Pulling diagnostics for ${doc.uri.toString()} failed: ${describeError(e)}`);
    }
  }
}
