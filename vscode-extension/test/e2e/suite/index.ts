/**
 * Entry point loaded by the extension host (`extensionTestsPath`): runs the mocha suites in this
 * folder inside a real VS Code (code-server) and writes a JSON summary to $HR_TEST_RESULT, since
 * the runner outside cannot see the extension host's exit code.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import Mocha from 'mocha';

interface TestOutcome {
  title: string;
  state: 'passed' | 'failed';
  durationMs?: number | undefined;
  error?: string | undefined;
}

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 60_000, reporter: 'spec' });
  for (const f of fs.readdirSync(__dirname)) if (f.endsWith('.test.js')) mocha.addFile(path.join(__dirname, f));
  const out = process.env.HR_TEST_RESULT;
  const outcomes: TestOutcome[] = [];
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const summary = { ok: failures === 0 && outcomes.length > 0, failures, passes: outcomes.filter((o) => o.state === 'passed').length, tests: outcomes };
      if (out) fs.writeFileSync(out, JSON.stringify(summary, null, 2));
      console.log(`HR-MOCHA-DONE failures=${failures} passes=${summary.passes}`);
      if (failures) reject(new Error(`${failures} tests failed.`));
      else resolve();
    });
    runner.on('pass', (t) => outcomes.push({ title: t.fullTitle(), state: 'passed', durationMs: t.duration }));
    runner.on('fail', (t, err: Error) =>
      outcomes.push({ title: t.fullTitle(), state: 'failed', error: err.stack ?? err.message }),
    );
  });
}
