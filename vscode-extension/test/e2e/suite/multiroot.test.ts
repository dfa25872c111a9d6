/**
 * A multi-root window (a .code-workspace with two copies of examples/): one server serves both
 * folders, and settings apply per folder (the second folder disables `unknown-step`).
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';

import * as vscode from 'vscode';

import type { ExtensionApi } from '../../../src/extension';

const EXTENSION_ID = 'hybrid-registry.hybrid-registry-lsp';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    const v = await probe();
    if (v !== undefined) return v;
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}`);
}

suite('Hybrid Registry extension in a multi-root workspace', () => {
  let api: ExtensionApi;
  let folders: readonly vscode.WorkspaceFolder[];

  suiteSetup(async function () {
    if (!vscode.workspace.workspaceFile) this.skip(); // registry.test.ts covers single folders
    // The window may still be resolving the .code-workspace's folders when the suite starts.
    folders = await until('the two workspace folders', () => {
      const open = vscode.workspace.workspaceFolders ?? [];
      return open.length >= 2 ? open : undefined;
    });
    assert.equal(folders.length, 2);
    const ext = vscode.extensions.getExtension<ExtensionApi>(EXTENSION_ID);
    assert.ok(ext);
    const doc = await vscode.workspace.openTextDocument(path.join(folders[0]!.uri.fsPath, 'pipelines', 'xgboost_pipeline.py'));
    await vscode.window.showTextDocument(doc);
    api = await ext.activate();
    await until('the server to run', () => (api.server.state.kind === 'running' ? true : undefined), 60_000);
  });

  test('one server loads the registry of each folder', async () => {
    const status = await until('both registries', async () => {
      const s = await api.status.refresh();
      return s && s.folders.length >= 2 && s.folders.every((f) => !f.loading && f.stepCount > 0) ? s : undefined;
    });
    const roots = status.folders.map((f) => f.folder).sort();
    assert.deepEqual(roots, folders.map((f) => f.uri.fsPath).sort());
  });

  test('settings apply per folder: the second folder disables unknown-step', async () => {
    const diagnosticsOf = async (folder: vscode.WorkspaceFolder) => {
      const doc = await vscode.workspace.openTextDocument(path.join(folder.uri.fsPath, 'pipelines', 'pytorch_pipeline.py'));
      await vscode.window.showTextDocument(doc);
      // The step-conflict warnings show that the document was analysed.
      return until(`diagnostics in ${folder.name}`, () => {
        const d = vscode.languages.getDiagnostics(doc.uri);
        return d.some((x) => x.message.includes('TextEmbedding')) ? d : undefined;
      });
    };
    const codes = (ds: vscode.Diagnostic[]) => ds.map((d) => (typeof d.code === 'object' ? d.code.value : d.code));
    assert.ok(codes(await diagnosticsOf(folders[0]!)).includes('unknown-step'));
    assert.ok(!codes(await diagnosticsOf(folders[1]!)).includes('unknown-step'));
    assert.deepEqual(vscode.workspace.getConfiguration('hybridRegistry', folders[1]!.uri).get('diagnostics.disabled'), ['unknown-step']);
  });

  test('hover works in the folder the server was not started in', async () => {
    const doc = await vscode.workspace.openTextDocument(path.join(folders[1]!.uri.fsPath, 'pipelines', 'xgboost_pipeline.py'));
    const pos = doc.positionAt(doc.getText().indexOf('TabularPreprocessing_training') + 3);
    await until('a hover', async () => {
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, pos);
      const text = hovers.flatMap((h) => h.contents).map((c) => (c instanceof vscode.MarkdownString ? c.value : JSON.stringify(c))).join('\n');
      return text.includes('TabularPreprocessingConfig') ? text : undefined;
    });
  });
});
