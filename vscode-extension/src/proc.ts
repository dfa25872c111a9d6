/** Runs a short-lived process (interpreter checks, the registry CLI) and collects its output. */
import { spawn } from 'node:child_process';

import type { RunResult, Runner } from './python';

export const runProcess: Runner = (argv, options) =>
  new Promise<RunResult>((resolve) => {
    const [exe, ...args] = argv;
    if (exe === undefined) {
      resolve({ code: null, stdout: '', stderr: '', spawnError: 'empty command' });
      return;
    }
    let stdout = '';
    let stderr = '';
    let settled = false;
    const done = (r: RunResult): void => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        resolve(r);
      }
    };
    const child = spawn(exe, args, {
      cwd: options.cwd,
      env: { ...process.env, PYTHONSAFEPATH: '1', PYTHONIOENCODING: 'utf-8' },
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });
    const timer = setTimeout(() => {
      child.kill();
      done({ code: null, stdout, stderr: stderr + `\n(timed out after ${options.timeoutMs} ms)` });
    }, options.timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err: NodeJS.ErrnoException) =>
      done({ code: null, stdout, stderr, spawnError: `${err.code ?? 'error'}: ${err.message}` }),
    );
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
