import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { it } from 'node:test';

import * as constants from '../../src/constants';
import { defaultSettings } from '../../src/settings';

/** Finds server/registry_lsp/constants.py above this file (the repository checkout). */
function serverConstantsFile(): string | undefined {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'server', 'registry_lsp', 'constants.py');
    if (fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

it('mirrors every string constant of server/registry_lsp/constants.py', (t) => {
  const file = serverConstantsFile();
  if (!file) {
    t.skip('not in a repository checkout');
    return;
  }
  const python = fs.readFileSync(file, 'utf8');
  const pairs = [...python.matchAll(/^([A-Z][A-Z0-9_]*)\s*(?::\s*\w+\s*)?=\s*["']([^"']*)["']/gm)].map((m) => [m[1]!, m[2]!] as const);
  assert.ok(pairs.length >= 5, `found only ${pairs.length} constants in ${file}`);
  const ts = constants as unknown as Record<string, unknown>;
  for (const [name, value] of pairs) {
    assert.equal(ts[name], value, `src/constants.ts ${name} must equal the server's "${value}"`);
  }
});

it('contributes every command and setting it uses', () => {
  const pkgPath = path.join(__dirname, '..', '..', '..', 'package.json');
  const pkg = JSON.parse(fs.readFileSync(pkgPath, 'utf8')) as {
    contributes: { commands: { command: string }[]; configuration: { properties: Record<string, unknown> } };
  };
  const contributed: string[] = pkg.contributes.commands.map((c) => c.command).sort();
  assert.deepEqual([...contributed], Object.values(constants.Commands).sort());
  const serverCommands: string[] = [constants.CMD_STATUS, constants.CMD_RELOAD, constants.CMD_CREATE_WORKSPACE];
  for (const c of serverCommands) assert.ok(!contributed.includes(c), `${c} is registered by the language client`);
  const keys = Object.keys(pkg.contributes.configuration.properties).sort();
  assert.deepEqual(keys, [
    'hybridRegistry.core',
    'hybridRegistry.defaultWorkspace',
    'hybridRegistry.diagnostics.debounceMs',
    'hybridRegistry.diagnostics.disabled',
    'hybridRegistry.diagnostics.severity',
    'hybridRegistry.interpreter',
    'hybridRegistry.stepNameCalls',
    'hybridRegistry.trace.server',
    'hybridRegistry.workspaces',
  ]);
  // Every key of the settings model is contributed (the server reads them all).
  const model = defaultSettings();
  for (const key of ['core', 'workspaces', 'defaultWorkspace', 'stepNameCalls', 'interpreter', 'diagnostics.severity', 'diagnostics.disabled', 'diagnostics.debounceMs', 'trace.server']) {
    const [head = '', tail] = key.split('.');
    const owner = model as unknown as Record<string, Record<string, unknown>>;
    assert.ok(tail === undefined ? head in model : tail in (owner[head] ?? {}), `${key} is in the settings model`);
    assert.ok(keys.includes(`hybridRegistry.${key}`), `${key} is contributed`);
  }
  const debounce = pkg.contributes.configuration.properties['hybridRegistry.diagnostics.debounceMs'] as Record<string, unknown>;
  assert.deepEqual([debounce.type, debounce.default, debounce.minimum, debounce.maximum], ['integer', 150, 0, 5000]);
});
