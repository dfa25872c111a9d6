/**
 * The extension in a real extension host, on a copy of the repository's examples/ folder:
 * activation, the server's features through VS Code's provider commands, and our commands.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

import * as vscode from 'vscode';

import type { ExtensionApi } from '../../../src/extension';

const EXTENSION_ID = 'hybrid-registry.hybrid-registry-lsp';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const t0 = Date.now();
  let last: Error | undefined;
  while (Date.now() - t0 < timeoutMs) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e instanceof Error ? e : new Error(JSON.stringify(e));
    }
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
}

function folder(): string {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, 'a folder is open');
  return f.uri.fsPath;
}

/** Position of the first occurrence of `needle` (plus `offset` characters). */
function positionOf(doc: vscode.TextDocument, needle: string, offset = 0): vscode.Position {
  const i = doc.getText().indexOf(needle);
  assert.ok(i >= 0, `"${needle}" in ${doc.uri.fsPath}`);
  return doc.positionAt(i + offset);
}

async function open(rel: string): Promise<vscode.TextDocument> {
  const doc = await vscode.workspace.openTextDocument(path.join(folder(), rel));
  await vscode.window.showTextDocument(doc);
  return doc;
}

const hoverText = (hovers: vscode.Hover[]): string =>
  hovers
    .flatMap((h) => h.contents)
    // MarkedString is deprecated, but hovers may still carry plain strings.
    // eslint-disable-next-line @typescript-eslint/no-deprecated
    .map((c) => (typeof c === 'string' ? c : c.value))
    .join('\n');

const labels = (list: vscode.CompletionList): string[] =>
  list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));

suite('Hybrid Registry extension (code-server extension host)', () => {
  let api: ExtensionApi;
  let pipeline: vscode.TextDocument;

  suiteSetup(async function () {
    if (vscode.workspace.workspaceFile) this.skip(); // multiroot.test.ts covers that window
    pipeline = await open('pipelines/xgboost_pipeline.py');
    const ext = vscode.extensions.getExtension<ExtensionApi>(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is installed`);
    api = await ext.activate();
    await until('the server to run', () => api.server.state.kind === 'running' || undefined, 60_000);
  });

  test('the extension activates on a Python file and the server runs', () => {
    assert.equal(vscode.extensions.getExtension(EXTENSION_ID)?.isActive, true);
    assert.equal(api.server.interpreter?.source, 'setting');
  });

  test('the registry status lists the steps and workspaces of examples/', async () => {
    const status = await until('a loaded registry', async () => {
      const s = await api.status.refresh();
      const f = s?.folders[0];
      return f && !f.loading && f.stepCount > 0 ? s : undefined;
    });
    const f = status.folders[0]!;
    assert.ok(f.stepCount >= 22, `stepCount ${f.stepCount}`);
    const ids = f.workspaces.map((w) => w.id).sort();
    for (const id of ['alice', 'bob_ml', 'carol']) assert.ok(ids.includes(id), `workspace ${id} in ${ids.join(',')}`);
    assert.ok(Object.keys(f.conflicts).includes('TextEmbedding'), JSON.stringify(f.conflicts));
  });

  test('completion inside add_node(" lists step names', async () => {
    const pos = positionOf(pipeline, 'dag.add_node("Package")', 'dag.add_node("'.length);
    const list = await until('completion items', async () => {
      const l = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', pipeline.uri, pos, '"');
      return l.items.length > 0 ? l : undefined;
    });
    const names = labels(list);
    for (const step of ['XGBoostTraining', 'TabularPreprocessing', 'Package']) assert.ok(names.includes(step), `${step} in ${names.join(',')}`);
  });

  test('hover on a step name shows its config class', async () => {
    const pos = positionOf(pipeline, 'TabularPreprocessing_training', 3);
    const text = await until('a hover', async () => {
      const t = hoverText(await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', pipeline.uri, pos));
      return t.includes('TabularPreprocessingConfig') ? t : undefined;
    });
    assert.match(text, /TabularPreprocessingConfig/);
  });

  test('go to definition jumps to the core registry', async () => {
    const pos = positionOf(pipeline, 'TabularPreprocessing_training', 3);
    const defs = await vscode.commands.executeCommand<(vscode.Location | vscode.LocationLink)[]>('vscode.executeDefinitionProvider', pipeline.uri, pos);
    const uris = defs.map((d) => ('targetUri' in d ? d.targetUri : d.uri).fsPath);
    assert.ok(
      uris.some((u) => u.endsWith(path.join('pipeline_registry', 'step_names.py'))),
      uris.join(','),
    );
  });

  test('a misspelt step gets an unknown-step error with a suggestion', async () => {
    const doc = await open('pipelines/pytorch_pipeline.py');
    const diag = await until('the unknown-step diagnostic', () =>
      vscode.languages.getDiagnostics(doc.uri).find((d) => d.message.includes('XGBoostTrainng')),
    );
    assert.equal(diag.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(diag.source, 'hybrid-registry');
    const code = typeof diag.code === 'object' ? diag.code.value : diag.code;
    assert.equal(code, 'unknown-step');
    assert.match(diag.message, /Did you mean/i);
    assert.match(diag.message, /XGBoostTraining/);
    assert.equal(doc.getText(diag.range).replace(/["']/g, ''), 'XGBoostTrainng_training');
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider', doc.uri, diag.range, vscode.CodeActionKind.QuickFix.value);
    const fix = actions.find((a) => a.title === "Replace with 'XGBoostTraining_training'");
    assert.ok(fix, `quick fixes: ${actions.map((a) => a.title).join(', ')}`);
    assert.ok(fix.isPreferred);
    const edits = fix.edit?.get(doc.uri) ?? [];
    const [edit] = edits;
    assert.ok(edit && edits.length === 1);
    assert.equal(edit.newText, 'XGBoostTraining_training');
    assert.ok(edit.range.isEqual(diag.range));
  });

  test('untitled Python documents get step-name completion', async () => {
    const doc = await vscode.workspace.openTextDocument({ language: 'python', content: 'dag.add_node("")\n' });
    await vscode.window.showTextDocument(doc);
    const names = await until('completion in an untitled file', async () => {
      const l = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', doc.uri, new vscode.Position(0, 14), '"');
      const n = labels(l);
      return n.includes('XGBoostTraining') ? n : undefined;
    });
    assert.ok(names.includes('TabularPreprocessing'));
  });

  test('Python cells of a Jupyter notebook get completion and diagnostics', async () => {
    const data = new vscode.NotebookData([
      new vscode.NotebookCellData(vscode.NotebookCellKind.Code, 'dag.add_node("")\ndag.add_node("XGBoostTrainng")\n', 'python'),
    ]);
    const nb = await vscode.workspace.openNotebookDocument('jupyter-notebook', data);
    await vscode.window.showNotebookDocument(nb);
    const cell = nb.cellAt(0).document;
    assert.equal(cell.uri.scheme, 'vscode-notebook-cell');
    await until('completion in a notebook cell', async () => {
      const l = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', cell.uri, new vscode.Position(0, 14), '"');
      return labels(l).includes('XGBoostTraining') || undefined;
    });
    await until('a diagnostic in the notebook cell', () =>
      vscode.languages.getDiagnostics(cell.uri).find((d) => d.message.includes('XGBoostTrainng')),
    );
  });

  test('Show Registry Status renders the status document', async () => {
    const md = await vscode.commands.executeCommand<string>('hybridRegistry.showStatus');
    assert.match(md, /# Hybrid Registry status/);
    assert.match(md, /### Workspaces/);
    assert.match(md, /`alice`/);
    assert.match(md, /`TextEmbedding`/);
  });

  test('Select Workspace Context updates defaultWorkspace without a restart', async () => {
    const before = api.server.state;
    await vscode.commands.executeCommand('hybridRegistry.selectWorkspace', 'alice');
    assert.equal(vscode.workspace.getConfiguration('hybridRegistry').get('defaultWorkspace'), 'alice');
    await until('the server to use alice', async () => (await api.status.refresh())?.folders[0]?.defaultWorkspace === 'alice' || undefined);
    assert.equal(api.server.state, before, 'no restart');
    await vscode.commands.executeCommand('hybridRegistry.selectWorkspace', null);
    await until('the server to drop alice', async () => (await api.status.refresh())?.folders[0]?.defaultWorkspace === null || undefined);
  });

  test('Create Workspace Registry writes a new workspace that the registry picks up', async () => {
    const file = await vscode.commands.executeCommand<string>('hybridRegistry.createWorkspaceRegistry', {
      developerId: 'dave',
      path: 'developers/dave',
      template: 'minimal',
      open: false,
    });
    assert.ok(file && fs.existsSync(file), `created ${file}`);
    assert.ok(file.startsWith(path.join(folder(), 'developers', 'dave')), file);
    await until('workspace dave in the status', async () => (await api.status.refresh())?.folders[0]?.workspaces.some((w) => w.id === 'dave') || undefined);
  });

  test('Reload Registry and Restart Server keep the features working', async () => {
    const reloaded = await vscode.commands.executeCommand<{ folders: unknown[] } | undefined>('hybridRegistry.reloadRegistry');
    assert.ok(reloaded && reloaded.folders.length > 0);
    await Promise.all([
      vscode.commands.executeCommand('hybridRegistry.restartServer'),
      vscode.commands.executeCommand('hybridRegistry.restartServer'),
    ]);
    await until('the server to run again', () => api.server.state.kind === 'running' || undefined, 60_000);
    const pos = positionOf(pipeline, 'TabularPreprocessing_training', 3);
    await until('a hover after the restart', async () => {
      const t = hoverText(await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', pipeline.uri, pos));
      return t.includes('TabularPreprocessingConfig') || undefined;
    });
  });
});
