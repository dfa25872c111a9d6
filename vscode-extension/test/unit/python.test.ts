import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  checkServerImportable,
  chooseInterpreter,
  expandVariables,
  interpreterFromPythonExtension,
  normalizeArgv,
  pipInstallCommand,
  serverArgv,
  serverEnv,
  type ImportCheck,
  type PythonExtensionApi,
  type RunResult,
  type Runner,
} from '../../src/python';

const reasonOf = (r: ImportCheck): string => (r.ok ? 'ok' : r.reason);
const ctx = { folder: '/work/proj', env: { VENV: '/opt/venv' }, home: '/home/u' };

describe('chooseInterpreter', () => {
  const never = () => Promise.reject(new Error('must not ask the Python extension'));

  it('uses the setting first, with variables expanded', async () => {
    const i = await chooseInterpreter({ setting: ['${workspaceFolder}/.venv/bin/python'], folder: '/work/proj', pythonExtension: never });
    assert.deepEqual(i, { argv: ['/work/proj/.venv/bin/python'], source: 'setting' });
  });

  it('resolves a relative interpreter path against the folder, but leaves bare names to PATH', async () => {
    assert.deepEqual((await chooseInterpreter({ setting: ['.venv/bin/python'], folder: '/work/proj', pythonExtension: never })).argv, [
      '/work/proj/.venv/bin/python',
    ]);
    assert.deepEqual((await chooseInterpreter({ setting: ['uv', 'run', 'python'], folder: '/work/proj', pythonExtension: never })).argv, [
      'uv',
      'run',
      'python',
    ]);
  });

  it("falls back to the Python extension's interpreter", async () => {
    const i = await chooseInterpreter({ setting: [], pythonExtension: () => Promise.resolve(['/envs/a/bin/python']) });
    assert.deepEqual(i, { argv: ['/envs/a/bin/python'], source: 'python-extension' });
  });

  it('falls back to python3 when the Python extension is absent, empty or broken', async () => {
    for (const pythonExtension of [
      () => Promise.resolve(undefined),
      () => Promise.resolve([]),
      () => Promise.reject(new Error('activation failed')),
    ]) {
      const i = await chooseInterpreter({ setting: [], pythonExtension, platform: 'linux' });
      assert.deepEqual(i, { argv: ['python3'], source: 'default' });
    }
    assert.deepEqual((await chooseInterpreter({ setting: [], pythonExtension: () => Promise.resolve(undefined), platform: 'win32' })).argv, [
      'python',
    ]);
  });
});

describe('expandVariables / normalizeArgv', () => {
  it('expands workspaceFolder, userHome, env and ~', () => {
    assert.equal(expandVariables('${env:VENV}/bin/python', ctx), '/opt/venv/bin/python');
    assert.equal(expandVariables('${userHome}/py', ctx), '/home/u/py');
    assert.equal(expandVariables('~/venv/bin/python', ctx), '/home/u/venv/bin/python');
    assert.equal(expandVariables('${env:MISSING}x', ctx), 'x');
    assert.equal(expandVariables('a~b', ctx), 'a~b');
  });

  it('keeps ${workspaceFolder} when there is no folder', () => {
    assert.equal(expandVariables('${workspaceFolder}/x', { env: {}, home: '/h' }), '${workspaceFolder}/x');
  });

  it('only rewrites the executable', () => {
    assert.deepEqual(normalizeArgv(['./py', './script.py'], ctx), ['/work/proj/py', './script.py']);
  });
});

describe('interpreterFromPythonExtension', () => {
  it('uses the environments API', async () => {
    const api: PythonExtensionApi = {
      environments: {
        getActiveEnvironmentPath: () => ({ path: '/envs/a' }),
        resolveEnvironment: () => Promise.resolve({ executable: { uri: { fsPath: '/envs/a/bin/python' } } }),
      },
    };
    assert.deepEqual(await interpreterFromPythonExtension(api, undefined), ['/envs/a/bin/python']);
  });

  it('falls back to the legacy execution details', async () => {
    const api: PythonExtensionApi = {
      environments: {
        getActiveEnvironmentPath: () => ({ path: '/envs/a' }),
        resolveEnvironment: () => Promise.resolve(undefined),
      },
      settings: { getExecutionDetails: () => ({ execCommand: ['conda', 'run', 'python'] }) },
    };
    assert.deepEqual(await interpreterFromPythonExtension(api, undefined), ['conda', 'run', 'python']);
  });

  it('gives nothing without the extension or an interpreter', async () => {
    assert.equal(await interpreterFromPythonExtension(undefined, undefined), undefined);
    assert.equal(await interpreterFromPythonExtension({ settings: { getExecutionDetails: () => ({ execCommand: undefined }) } }, undefined), undefined);
  });
});

describe('server launch', () => {
  it('runs the namespaced module and keeps the folder off sys.path', () => {
    assert.deepEqual(serverArgv({ argv: ['/v/bin/python'], source: 'setting' }), ['/v/bin/python', '-m', 'registry_lsp']);
    const env = serverEnv({ PATH: '/bin', UNSET: undefined });
    assert.equal(env.PYTHONSAFEPATH, '1');
    assert.equal(env.PATH, '/bin');
    assert.ok(!('UNSET' in env));
  });

  it('shows the exact pip command, quoted for the shell', () => {
    assert.equal(pipInstallCommand(['/usr/bin/python3']), '/usr/bin/python3 -m pip install hybrid-registry-lsp');
    assert.equal(pipInstallCommand(['/opt/my python/bin/python']), "'/opt/my python/bin/python' -m pip install hybrid-registry-lsp");
  });
});

describe('checkServerImportable', () => {
  const fake =
    (r: RunResult): Runner =>
    (argv) => {
      assert.equal(argv[1], '-c');
      return Promise.resolve(r);
    };
  const py = { argv: ['python3'], source: 'default' as const };

  it('reports success with the executable and version', async () => {
    assert.deepEqual(await checkServerImportable(py, fake({ code: 0, stdout: '/usr/bin/python3\n0.1.0\n', stderr: '' })), {
      ok: true,
      executable: '/usr/bin/python3',
      version: '0.1.0',
    });
  });

  it('tells a missing interpreter from a missing package from a crash', async () => {
    const missing = await checkServerImportable(py, fake({ code: null, stdout: '', stderr: '', spawnError: 'ENOENT: spawn python3' }));
    assert.equal(reasonOf(missing), 'not-found');
    const notInstalled = await checkServerImportable(py, fake({ code: 3, stdout: "IMPORT-ERROR No module named 'registry_lsp'\n", stderr: '' }));
    assert.equal(reasonOf(notInstalled), 'not-installed');
    const crashed = await checkServerImportable(py, fake({ code: 1, stdout: '', stderr: 'SyntaxError' }));
    assert.deepEqual(crashed, { ok: false, reason: 'failed', detail: 'SyntaxError' });
  });

  it('really runs the interpreter (this machine has python3)', async () => {
    const { runProcess } = await import('../../src/proc');
    const res = await checkServerImportable({ argv: ['python3'], source: 'default' }, runProcess);
    // Either outcome is fine here; what matters is that it is not "not-found" and never throws.
    assert.ok(res.ok || res.reason !== 'not-found', JSON.stringify(res));
    const nope = await checkServerImportable({ argv: ['/nonexistent/python'], source: 'setting' }, runProcess);
    assert.equal(reasonOf(nope), 'not-found');
  });
});
