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
const { ServerManager, MAX_AUTOMATIC_RESTARTS } = require('../../src/client') as typeof import('../../src/client');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { presentStatusBar, renderStatusMarkdown } = require('../../src/status') as typeof import('../../src/status');
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

  /**
   * A "Python" whose import check succeeds after `checkDelay` seconds and whose server exits as soon
   * as the client writes to it (exiting before that makes vscode-jsonrpc reject a promise nobody
   * handles, a library bug that would fail the test, not our code).
   */
  function fakeServerPython(name: string, checkDelay: number): { python: string; starts: () => number } {
    const python = path.join(dir, name);
    const marker = path.join(dir, `${name}.starts`);
    fs.rmSync(marker, { force: true });
    fs.writeFileSync(
      python,
      [
        '#!/bin/sh',
        'case "$*" in',
        `  *"-m registry_lsp"*) echo start >> '${marker}'; head -c 1 >/dev/null; sleep 0.2; echo "Traceback: boom" >&2; exit 1;;`,
        'esac',
        `sleep ${checkDelay}`,
        'echo /fake/python; echo 0.0-test',
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    const starts = (): number => (fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8').split('\n').filter(Boolean).length : 0);
    return { python, starts };
  }

  const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

  it('starts nothing when disposed during the interpreter check, and reports no error', async () => {
    const fake = fakeServerPython('slow-python', 0.6);
    stub.settings['hybridRegistry.interpreter'] = fake.python;
    const manager = new ServerManager(api.createLogOutputChannel('test'));
    const states: string[] = [];
    manager.onDidChangeState((s) => states.push(s.kind));
    const restarted = manager.restart('activation');
    await sleep(350); // past the coalescing delay: the import check is running
    assert.equal(states.at(-1), 'starting');
    await manager.dispose();
    await restarted;
    await sleep(700);
    assert.equal(fake.starts(), 0, 'the server process was started after dispose()');
    assert.equal(manager.state.kind, 'stopped');
    assert.deepEqual(stub.messages.filter((m) => m.kind === 'error'), []);
    assert.ok(!stub.log.some((l) => /can't be stopped/.test(l)), stub.log.join('\n'));
  });

  it('gives up on a server that crashes at start-up with one notification of its own', async () => {
    const fake = fakeServerPython('crashing-python', 0);
    stub.settings['hybridRegistry.interpreter'] = fake.python;
    const manager = new ServerManager(api.createLogOutputChannel('test'));
    await manager.restart('activation');
    for (let i = 0; i < 100 && manager.state.kind !== 'failed'; i++) await sleep(100);
    await sleep(300);
    assert.equal(manager.state.kind, 'failed', JSON.stringify(manager.state));
    assert.equal(fake.starts(), 1 + MAX_AUTOMATIC_RESTARTS);
    const shown = stub.messages.filter((m) => m.kind !== 'information');
    assert.equal(shown.length, 1, JSON.stringify(shown));
    assert.match(shown[0]!.message, /^The Hybrid Registry server stopped: .+\. See the output for details\.$/);
    assert.deepEqual(shown[0]!.items, ['Show Output', 'Restart Server']);
    const tooltip = presentStatusBar(manager.state, undefined, undefined).tooltip;
    assert.match(tooltip, /server stopped: /);
    await manager.dispose();
  });

  it('offers Restart Server after "not installed", and the list form for an interpreter with spaces', async () => {
    stub.settings['hybridRegistry.interpreter'] = 'uv-missing run python';
    const manager = new ServerManager(api.createLogOutputChannel('test'));
    await manager.restart('start');
    const errors = stub.messages.filter((m) => m.kind === 'error');
    assert.equal(errors.length, 1);
    assert.ok(errors[0]!.message.includes('["uv-missing","run","python"]'), errors[0]!.message);
    assert.ok(errors[0]!.items.includes('Restart Server'));
    await manager.dispose();
  });

  it('shows the pip command in the status view when the server is not installed', async () => {
    stub.settings['hybridRegistry.interpreter'] = fakePython;
    const manager = new ServerManager(api.createLogOutputChannel('test'));
    await manager.restart('start');
    assert.ok(stub.messages[0]!.items.includes('Restart Server'));
    const md = renderStatusMarkdown(undefined, manager.state);
    assert.ok(md.includes(`'${fakePython}' -m pip install hybrid-registry-lsp`), md);
    assert.ok(!/See the notification/.test(md), md);
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
