import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { folderFor, parseStatus, presentStatusBar, renderStatusMarkdown, type RegistryStatus } from '../../src/status';

const sample: RegistryStatus = parseStatus({
  folders: [
    {
      folder: '/repo/examples',
      loading: false,
      stepCount: 42,
      conflictCount: 2,
      problemCount: 0,
      sources: ['/repo/examples/src/core/registry.py'],
      defaultWorkspace: 'alice',
      workspaces: [
        { id: 'alice', path: '/repo/examples/workspaces/alice', localSteps: 3, overrides: 1, problems: 0 },
        { id: 'bob', path: '/repo/examples/workspaces/bob', localSteps: 2, overrides: 0, problems: 1 },
      ],
      conflicts: { FeatureSelection: ['alice', 'bob'] },
      problems: [],
    },
    { folder: '/repo/examples/nested', loading: true, stepCount: 0, conflictCount: 0, problemCount: 0 },
  ],
  context: { folder: '/repo/examples', workspaceId: 'bob' },
});

describe('parseStatus', () => {
  it('keeps well-formed parts and defaults the rest', () => {
    assert.equal(sample.folders.length, 2);
    assert.deepEqual(sample.folders[1]!.workspaces, []);
    assert.deepEqual(sample.folders[1]!.conflicts, {});
    assert.deepEqual(parseStatus(null), { folders: [], context: null });
    assert.deepEqual(parseStatus({ folders: [1, 'x'] }).folders, []);
  });
});

describe('folderFor', () => {
  it('picks the deepest folder containing the file', () => {
    assert.equal(folderFor(sample, '/repo/examples/nested/a.py')?.folder, '/repo/examples/nested');
    assert.equal(folderFor(sample, '/repo/examples/pipelines/a.py')?.folder, '/repo/examples');
    assert.equal(folderFor(sample, '/repo/examples-other/a.py'), undefined);
  });
});

describe('presentStatusBar', () => {
  it('shows steps, the workspace context and conflicts', () => {
    const p = presentStatusBar({ kind: 'running' }, sample, '/repo/examples/workspaces/bob/x.py');
    assert.equal(p.text, '$(database) 42 steps · bob · $(warning) 2 conflicts');
    assert.equal(p.severity, 'warning');
    assert.match(p.tooltip, /Workspace context: `bob`/);
  });

  it('spins while loading or starting', () => {
    assert.match(presentStatusBar({ kind: 'running' }, sample, '/repo/examples/nested/a.py').text, /^\$\(sync~spin\) loading registry…$/);
    assert.match(presentStatusBar({ kind: 'starting' }, undefined, undefined).text, /sync~spin/);
  });

  it('says when the server is not installed', () => {
    const p = presentStatusBar({ kind: 'not-installed', interpreter: '/usr/bin/python3' }, undefined, undefined);
    assert.equal(p.severity, 'error');
    assert.match(p.text, /not installed/);
    assert.match(p.tooltip, /`\/usr\/bin\/python3`/);
  });
});

describe('renderStatusMarkdown', () => {
  it('lists sources, workspaces, conflicts and problems', () => {
    const md = renderStatusMarkdown(sample, { kind: 'running' });
    assert.match(md, /^# Hybrid Registry status/);
    assert.match(md, /\| 42 \| 2 \| 0 \| `alice` \|/);
    assert.match(md, /`alice` \(default\) \| 3 \| 1 \| 0 \|/);
    assert.match(md, /- `FeatureSelection`: `alice`, `bob`/);
    assert.match(md, /- `src\/core\/registry.py`/);
    assert.match(md, /`alice` \(default\) \| 3 \| 1 \| 0 \| `workspaces\/alice` \|/);
  });

  it('explains an empty or stopped state', () => {
    assert.match(renderStatusMarkdown(undefined, { kind: 'stopped' }), /Server: \*\*stopped\*\*[\s\S]*No registry has been loaded yet/);
  });
});
