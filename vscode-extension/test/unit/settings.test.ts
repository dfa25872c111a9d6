import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { affectsRegistry, defaultSettings, needsRestart, resolveSettings } from '../../src/settings';

/** A WorkspaceConfiguration-like reader over a flat map of keys relative to `hybridRegistry`. */
function reader(values: Record<string, unknown>): { get(key: string): unknown } {
  return { get: (key) => values[key] };
}

describe('resolveSettings', () => {
  it('fills every key with its default when nothing is set', () => {
    const { value, problems } = resolveSettings(reader({}));
    assert.deepEqual(value, defaultSettings());
    assert.deepEqual(problems, []);
  });

  it('keeps valid values and trims list entries', () => {
    const { value, problems } = resolveSettings(
      reader({
        interpreter: ['uv', 'run', 'python'],
        core: [' src/core/registry.py ', ''],
        workspaces: ['development/workspaces/*'],
        defaultWorkspace: 'alice',
        stepNameCalls: ['register_step'],
        'diagnostics.severity': { 'step-conflict': 'error', 'overrides-core': 'Info' },
        'diagnostics.disabled': ['unknown-job-type'],
        'diagnostics.debounceMs': 400,
        'trace.server': 'verbose',
      }),
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(value, {
      interpreter: ['uv', 'run', 'python'],
      core: ['src/core/registry.py'],
      workspaces: ['development/workspaces/*'],
      defaultWorkspace: 'alice',
      stepNameCalls: ['register_step'],
      diagnostics: { severity: { 'step-conflict': 'error', 'overrides-core': 'information' }, disabled: ['unknown-job-type'], debounceMs: 400 },
      trace: { server: 'verbose' },
    });
  });

  it('accepts the interpreter as a single path, keeping spaces in it', () => {
    assert.deepEqual(resolveSettings(reader({ interpreter: '/opt/my python/bin/python' })).value.interpreter, [
      '/opt/my python/bin/python',
    ]);
    assert.deepEqual(resolveSettings(reader({ interpreter: '  ' })).value.interpreter, []);
  });

  it('treats an empty defaultWorkspace as none', () => {
    assert.equal(resolveSettings(reader({ defaultWorkspace: '' })).value.defaultWorkspace, null);
    assert.equal(resolveSettings(reader({ defaultWorkspace: null })).value.defaultWorkspace, null);
  });

  it('replaces invalid values by defaults and reports each one', () => {
    const { value, problems } = resolveSettings(
      reader({
        interpreter: 42,
        core: 'src/core',
        workspaces: [1, 2],
        defaultWorkspace: ['alice'],
        'diagnostics.severity': { 'unknown-step': 'fatal', 'step-conflict': 'hint' },
        'diagnostics.disabled': { a: 1 },
        'trace.server': 'loud',
      }),
    );
    assert.deepEqual(value.interpreter, []);
    assert.deepEqual(value.core, []);
    assert.deepEqual(value.workspaces, []);
    assert.equal(value.defaultWorkspace, null);
    assert.deepEqual(value.diagnostics, { severity: { 'step-conflict': 'hint' }, disabled: [], debounceMs: 150 });
    assert.equal(value.trace.server, 'off');
    assert.equal(problems.length, 7);
    assert.match(problems.join('\n'), /hybridRegistry\.core: expected a list of strings, got "src\/core"/);
    assert.match(problems.join('\n'), /hybridRegistry\.diagnostics\.severity\.unknown-step/);
  });

  it('validates diagnostics.debounceMs as an integer from 0 to 5000', () => {
    assert.equal(resolveSettings(reader({})).value.diagnostics.debounceMs, 150);
    for (const ok of [0, 150, 5000]) {
      const { value, problems } = resolveSettings(reader({ 'diagnostics.debounceMs': ok }));
      assert.equal(value.diagnostics.debounceMs, ok);
      assert.deepEqual(problems, []);
    }
    for (const bad of [-1, 5001, 2.5, '300', true]) {
      const { value, problems } = resolveSettings(reader({ 'diagnostics.debounceMs': bad }));
      assert.equal(value.diagnostics.debounceMs, 150, String(bad));
      assert.equal(problems.length, 1);
      assert.match(problems[0]!, /hybridRegistry\.diagnostics\.debounceMs: expected an integer from 0 to 5000/);
    }
  });

  it('rejects a severity map that is not an object', () => {
    const { value, problems } = resolveSettings(reader({ 'diagnostics.severity': ['error'] }));
    assert.deepEqual(value.diagnostics.severity, {});
    assert.equal(problems.length, 1);
  });
});

describe('configuration changes', () => {
  const change = (...sections: string[]) => ({
    affectsConfiguration: (s: string) => sections.some((x) => x === s || x.startsWith(s + '.')),
  });

  it('restarts only for the interpreter', () => {
    assert.equal(needsRestart(change('hybridRegistry.interpreter')), true);
    assert.equal(needsRestart(change('hybridRegistry.core')), false);
    assert.equal(needsRestart(change('hybridRegistry.defaultWorkspace')), false);
    assert.equal(needsRestart(change('python.defaultInterpreterPath')), false);
  });

  it('recognises registry settings', () => {
    assert.equal(affectsRegistry(change('hybridRegistry.workspaces')), true);
    assert.equal(affectsRegistry(change('editor.fontSize')), false);
  });
});
