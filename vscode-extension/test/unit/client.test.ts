/** ServerManager with a stubbed `vscode`: interpreter choice, the not-installed report, coalescing. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';

import { installVscodeStub, stub } from './vscodeStub';

installVscodeStub();

// Loaded after the stub so that `vscode` resolves to it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ServerManager } = require('../../src/client') as typeof import('../../src/client');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const api = require('../../src/vscodeApi') as typeof import('../../src/vscodeApi');

describe('ServerManager (stubbed vscode)', () => {
  let dir: string;
  let fakePython: string;
  let counter: string;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hr-client-'));
    counter = path.join(dir, 'runs.txt');
    fakePython = path.join(dir, 'fake python');
    // A "Python" that counts its runs and cannot import registry_lsp.
    fs.writeFileSync(fakePython, `#!/bin/sh\necho run >> '${counter}'\necho "IMPORT-ERROR No module named 'registry_lsp'"\nexit 3\n`, { mode: 0o755 });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  beforeEach(() => {
    stub.reset();
    fs.rmSync(counter, { force: true });
  });

  const runs = (): number => (fs.existsSync(counter) ? fs.readFileSync(counter, 'utf8').split('\n').filter(Boolean).length : 0);

  it('reports a missing server once, naming the interpreter and the pip command', async () => {
    stub.settings['hybridRegistry.interpreter'] = fakePython;
    const manager = new ServerManager(api.createLogOutputChannel('test'));
    await manager.restart('first');
    await manager.restart('second');
    assert.equal(manager.state.kind, 'not-installed');
    assert.equal(manager.interpreter?.source, 'setting');
    const errors = stub.messages.filter((m) => m.kind === 'error');
    assert.equal(errors.length, 1, JSON.stringify(stub.messages));
    assert.ok(errors[0]!.message.includes(`'${fakePython}' -m pip install hybrid-registry-lsp`), errors[0]!.message);
    assert.ok(errors[0]!.message.includes('hybridRegistry.interpreter'), errors[0]!.message);
    assert.ok(errors[0]!.items.includes('Open Setting'));
    await manager.dispose();
  });

  it('coalesces a burst of restarts into one interpreter check', async () => {
    stub.settings['hybridRegistry.interpreter'] = fakePython;
    const manager = new ServerManager(api.createLogOutputChannel('test'));
    await Promise.all([1, 2, 3, 4, 5].map((i) => manager.restart(`burst ${i}`)));
    assert.equal(runs(), 1);
    await manager.dispose();
  });

  it('says so when the interpreter does not exist', async () => {
    stub.settings['hybridRegistry.interpreter'] = ['/nonexistent/bin/python'];
    const manager = new ServerManager(api.createLogOutputChannel('test'));
    await manager.restart('start');
    const errors = stub.messages.filter((m) => m.kind === 'error');
    assert.equal(errors.length, 1);
    assert.match(errors[0]!.message, /"\/nonexistent\/bin\/python" \(from the setting hybridRegistry.interpreter\) was not found/);
    await manager.dispose();
  });

  it('warns once about an invalid setting and uses the default', () => {
    stub.settings['hybridRegistry.core'] = 'not-a-list';
    const manager = new ServerManager(api.createLogOutputChannel('test'));
    assert.deepEqual(manager.settingsFor().core, []);
    assert.deepEqual(manager.settingsFor().core, []);
    const warnings = stub.messages.filter((m) => m.kind === 'warning');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!.message, /hybridRegistry\.core/);
  });
});
