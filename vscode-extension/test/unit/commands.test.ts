/** Commands with a stubbed `vscode`: Create Workspace Registry through the CLI when the server is down. */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { installVscodeStub, stub } from './vscodeStub';

installVscodeStub();

/* eslint-disable @typescript-eslint/no-require-imports */
const { ServerManager } = require('../../src/client') as typeof import('../../src/client');
const { StatusController } = require('../../src/statusBar') as typeof import('../../src/statusBar');
const { registerCommands } = require('../../src/commands') as typeof import('../../src/commands');
const api = require('../../src/vscodeApi') as typeof import('../../src/vscodeApi');
/* eslint-enable @typescript-eslint/no-require-imports */

const python = process.env.PYTHON ?? 'python3';
const hasRegistry = spawnSync(python, ['-c', 'import hybrid_registry.cli'], { stdio: 'ignore' }).status === 0;

describe('Create Workspace Registry without a running server', { skip: hasRegistry ? false : `${python} cannot import hybrid_registry` }, () => {
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hr-commands-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('runs `hybrid-registry init-workspace` with the interpreter and opens the new file', async () => {
    stub.reset();
    const log = api.createLogOutputChannel('test');
    const server = new ServerManager(log);
    // The server was never started, so the command falls back to the CLI of this interpreter.
    Object.defineProperty(server, 'interpreter', { value: { argv: [python], source: 'setting' } });
    const status = new StatusController(server, log);
    const disposables = registerCommands(server, status, log);
    stub.workspaceFolders = [{ uri: api.uriFile(dir) as never, name: 'dir', index: 0 }];
    try {
      const target = path.join(dir, 'developers', 'dave');
      const file = await api.executeCommand<string>('hybridRegistry.createWorkspaceRegistry', {
        developerId: 'dave',
        path: target,
        template: 'minimal',
      });
      assert.ok(file && path.isAbsolute(file), `created ${file}`);
      assert.ok(file.startsWith(target + path.sep), file);
      assert.ok(fs.existsSync(file), file);
      assert.match(fs.readFileSync(file, 'utf8'), /dave/);
      assert.deepEqual(stub.opened, [file]);
      assert.deepEqual(stub.messages.filter((m) => m.kind === 'error'), []);
    } finally {
      for (const d of disposables) d.dispose();
      status.dispose();
    }
  });

  it('reports an invalid developer id without running anything', async () => {
    stub.reset();
    const log = api.createLogOutputChannel('test');
    const server = new ServerManager(log);
    const status = new StatusController(server, log);
    const disposables = registerCommands(server, status, log);
    try {
      const file = await api.executeCommand('hybridRegistry.createWorkspaceRegistry', { developerId: '9 lives', path: dir, template: 'minimal' });
      assert.equal(file, undefined);
      const errors = stub.messages.filter((m) => m.kind === 'error');
      assert.equal(errors.length, 1);
      assert.match(errors[0]!.message, /Invalid developer id "9 lives"/);
    } finally {
      for (const d of disposables) d.dispose();
      status.dispose();
    }
  });
});

describe('commands without a running server', () => {
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hr-commands-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  function setup(): { server: InstanceType<typeof ServerManager>; done: () => void } {
    stub.reset();
    const log = api.createLogOutputChannel('test');
    const server = new ServerManager(log);
    Object.defineProperty(server, 'interpreter', { value: { argv: [python], source: 'setting' } });
    const status = new StatusController(server, log);
    const disposables = registerCommands(server, status, log);
    return {
      server,
      done: () => {
        for (const d of disposables) d.dispose();
        status.dispose();
      },
    };
  }

  it('does not create a workspace outside the open folders through the CLI', async () => {
    const { done } = setup();
    const folder = path.join(dir, 'project');
    fs.mkdirSync(folder);
    stub.workspaceFolders = [{ uri: api.uriFile(folder) as never, name: 'project', index: 0 }];
    try {
      const outside = path.join(dir, 'elsewhere', 'eve');
      const file = await api.executeCommand('hybridRegistry.createWorkspaceRegistry', { developerId: 'eve', path: outside, template: 'minimal' });
      assert.equal(file, undefined);
      assert.ok(!fs.existsSync(outside), 'created a folder outside the workspace');
      const errors = stub.messages.filter((m) => m.kind === 'error');
      assert.equal(errors.length, 1);
      assert.match(errors[0]!.message, /is outside the open folders/);
    } finally {
      done();
    }
  });

  it('says a registry already exists instead of the CLI\'s "--force" advice', { skip: hasRegistry ? false : 'no hybrid_registry' }, async () => {
    const { done } = setup();
    stub.workspaceFolders = [{ uri: api.uriFile(dir) as never, name: 'dir', index: 0 }];
    try {
      const target = path.join(dir, 'developers', 'frank');
      const args = { developerId: 'frank', path: target, template: 'minimal', open: false };
      assert.ok(await api.executeCommand('hybridRegistry.createWorkspaceRegistry', args));
      assert.equal(await api.executeCommand('hybridRegistry.createWorkspaceRegistry', args), undefined);
      const errors = stub.messages.filter((m) => m.kind === 'error');
      assert.equal(errors.length, 1, JSON.stringify(errors));
      assert.match(errors[0]!.message, /a workspace registry already exists/);
      assert.doesNotMatch(errors[0]!.message, /--force/);
    } finally {
      done();
    }
  });

  it('Reload Registry says how to start the server', async () => {
    const { done } = setup();
    try {
      assert.equal(await api.executeCommand('hybridRegistry.reloadRegistry'), undefined);
      assert.equal(stub.messages.length, 1, JSON.stringify(stub.messages));
      assert.match(stub.messages[0]!.message, /server is not running/);
      assert.deepEqual(stub.messages[0]!.items, ['Restart Server', 'Show Output']);
    } finally {
      done();
    }
  });
});
