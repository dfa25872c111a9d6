import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { RestartCoalescer } from '../../src/restart';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A task that records each run and takes `ms` to complete. */
function recorder(ms = 20) {
  const runs: string[][] = [];
  let active = 0;
  let maxActive = 0;
  const task = async (reasons: readonly string[]) => {
    active++;
    maxActive = Math.max(maxActive, active);
    runs.push([...reasons]);
    await sleep(ms);
    active--;
  };
  return { runs, task, maxActive: () => maxActive };
}

describe('RestartCoalescer', () => {
  it('merges a burst of requests into one restart', async () => {
    const r = recorder();
    const c = new RestartCoalescer(r.task, 10);
    await Promise.all([c.request('a'), c.request('b'), c.request('a'), c.request('c')]);
    assert.deepEqual(r.runs, [['a', 'b', 'c']]);
    assert.equal(c.busy, false);
  });

  it('runs exactly one more restart for requests made while one is running', async () => {
    const r = recorder(50);
    const c = new RestartCoalescer(r.task, 0);
    const first = c.request('first');
    await sleep(20); // now running
    assert.equal(c.busy, true);
    const second = [c.request('x'), c.request('y'), c.request('z')];
    await Promise.all([first, ...second]);
    assert.deepEqual(r.runs, [['first'], ['x', 'y', 'z']]);
    assert.equal(r.maxActive(), 1, 'restarts never overlap');
  });

  it('resolves every request only after a restart that started after it', async () => {
    const r = recorder(30);
    const c = new RestartCoalescer(r.task, 0);
    void c.request('one');
    await sleep(10);
    await c.request('two');
    assert.equal(r.runs.length, 2);
  });

  it('keeps working after a failed restart', async () => {
    let n = 0;
    const c = new RestartCoalescer(async () => {
      n++;
      if (n === 1) throw new Error('boom');
    }, 0);
    await assert.rejects(c.request('a'), /boom/);
    await c.request('b');
    assert.equal(n, 2);
  });

  it('does not run queued restarts after dispose', async () => {
    const r = recorder();
    const c = new RestartCoalescer(r.task, 20);
    const p = c.request('late');
    c.dispose();
    await p;
    assert.deepEqual(r.runs, []);
    await c.request('after');
    assert.deepEqual(r.runs, []);
  });
});
