/**
 * Which Python runs the server, and whether it can: the `hybridRegistry.interpreter` setting, else
 * the Python extension's active interpreter (through its public API, when installed), else
 * `python3` on PATH. Pure: the Python extension and process spawning come in as parameters.
 */
import * as os from 'node:os';
import * as path from 'node:path';

import { PIP_PACKAGE, SERVER_MODULE } from './constants';

export type InterpreterSource = 'setting' | 'python-extension' | 'default';

export interface Interpreter {
  /** argv prefix: `[python]` or e.g. `['uv', 'run', 'python']`. */
  argv: string[];
  source: InterpreterSource;
}

/**
 * The parts of the Python extension's exported API we use (`ms-python.python`). Both the
 * `environments` API and the older `settings.getExecutionDetails` are optional.
 */
export interface PythonExtensionApi {
  environments?: {
    getActiveEnvironmentPath(resource?: unknown): { path: string } | undefined;
    resolveEnvironment(
      env: { path: string } | string,
    ): Promise<{ executable?: { uri?: { fsPath: string } } } | undefined>;
  };
  settings?: {
    getExecutionDetails(resource?: unknown): { execCommand?: string[] | undefined } | undefined;
  };
}

/** The Python extension's interpreter for a resource, or undefined when it has none to offer. */
export async function interpreterFromPythonExtension(
  api: PythonExtensionApi | undefined,
  resource: unknown,
): Promise<string[] | undefined> {
  if (!api) return undefined;
  const envs = api.environments;
  if (envs) {
    const active = envs.getActiveEnvironmentPath(resource);
    if (active?.path) {
      const resolved = await envs.resolveEnvironment(active);
      const exe = resolved?.executable?.uri?.fsPath;
      if (exe) return [exe];
    }
  }
  const exec = api.settings?.getExecutionDetails(resource)?.execCommand;
  if (exec && exec.length > 0 && exec.every((x) => typeof x === 'string' && x !== '')) return [...exec];
  return undefined;
}

export interface ExpandContext {
  /** Absolute path of the workspace folder, if any. */
  folder?: string | undefined;
  env: Readonly<Record<string, string | undefined>>;
  home: string;
}

/** Expands `${workspaceFolder}`, `${userHome}`, `${env:NAME}` and a leading `~`. */
export function expandVariables(arg: string, ctx: ExpandContext): string {
  let out = arg.replace(/\$\{(workspaceFolder|userHome|env:([A-Za-z_][A-Za-z0-9_]*))\}/g, (m, name: string, envName?: string) => {
    if (name === 'workspaceFolder') return ctx.folder ?? m;
    if (name === 'userHome') return ctx.home;
    return ctx.env[envName ?? ''] ?? '';
  });
  if (out === '~' || out.startsWith('~/') || out.startsWith('~\\')) out = ctx.home + out.slice(1);
  return out;
}

/**
 * Turns the setting's argv into a runnable one: variables expanded, and a relative path to the
 * executable (one with a separator, like `.venv/bin/python`) made absolute against the folder.
 * A bare name (`python3`, `uv`) is left for PATH lookup.
 */
export function normalizeArgv(argv: readonly string[], ctx: ExpandContext): string[] {
  const out = argv.map((a) => expandVariables(a, ctx));
  const exe = out[0];
  if (exe !== undefined && ctx.folder && !path.isAbsolute(exe) && /[\\/]/.test(exe)) {
    out[0] = path.resolve(ctx.folder, exe);
  }
  return out;
}

export function defaultPython(platform: NodeJS.Platform = process.platform): string {
  return platform === 'win32' ? 'python' : 'python3';
}

export interface ChooseInterpreterOptions {
  /** `hybridRegistry.interpreter`, already validated (empty = not set). */
  setting: readonly string[];
  folder?: string | undefined;
  /** Asks the Python extension; resolves undefined when it is not installed or has no interpreter. */
  pythonExtension: () => Promise<string[] | undefined>;
  env?: Readonly<Record<string, string | undefined>>;
  home?: string;
  platform?: NodeJS.Platform;
}

export async function chooseInterpreter(opts: ChooseInterpreterOptions): Promise<Interpreter> {
  const ctx: ExpandContext = { folder: opts.folder, env: opts.env ?? process.env, home: opts.home ?? os.homedir() };
  if (opts.setting.length > 0) {
    return { argv: normalizeArgv(opts.setting, ctx), source: 'setting' };
  }
  let fromExtension: string[] | undefined;
  try {
    fromExtension = await opts.pythonExtension();
  } catch {
    fromExtension = undefined; // a broken or still-activating Python extension must not block us
  }
  if (fromExtension && fromExtension.length > 0) {
    return { argv: fromExtension, source: 'python-extension' };
  }
  return { argv: [defaultPython(opts.platform)], source: 'default' };
}

export function describeSource(source: InterpreterSource): string {
  switch (source) {
    case 'setting':
      return 'the setting hybridRegistry.interpreter';
    case 'python-extension':
      return "the Python extension's selected interpreter";
    case 'default':
      return 'the default (python3 on PATH)';
  }
}

/** Quotes an argument for a POSIX shell (or cmd, loosely) when it needs quoting. */
export function shellQuote(arg: string): string {
  if (/^[A-Za-z0-9_@%+=:,./\\-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function commandLine(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

/** The exact command that installs the server for this interpreter. */
export function pipInstallCommand(argv: readonly string[]): string {
  return `${commandLine(argv)} -m pip install ${PIP_PACKAGE}`;
}

/** argv that starts the server over stdio. */
export function serverArgv(interpreter: Interpreter): string[] {
  return [...interpreter.argv, '-m', SERVER_MODULE];
}

/**
 * Environment for the server process: never let the folder's own modules shadow ours
 * (PYTHONSAFEPATH keeps the working directory off sys.path for `-m`, Python 3.11+).
 */
export function serverEnv(base: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined) env[k] = v;
  env.PYTHONSAFEPATH = '1';
  env.PYTHONUNBUFFERED = '1';
  env.PYTHONIOENCODING = 'utf-8';
  return env;
}

export interface RunResult {
  /** Exit code, or null when the process could not be spawned or was killed. */
  code: number | null;
  stdout: string;
  stderr: string;
  /** Set when spawning failed, e.g. `ENOENT` for a missing executable. */
  spawnError?: string | undefined;
}

export type Runner = (argv: readonly string[], options: { cwd?: string | undefined; timeoutMs: number }) => Promise<RunResult>;

export type ImportCheck =
  | { ok: true; executable: string; version: string }
  | { ok: false; reason: 'not-found' | 'not-installed' | 'failed'; detail: string };

const CHECK_SCRIPT = [
  'import sys',
  'try:',
  `    import ${SERVER_MODULE}`,
  'except ImportError as e:',
  "    print('IMPORT-ERROR', e)",
  '    sys.exit(3)',
  `print(sys.executable); print(getattr(${SERVER_MODULE}, '__version__', ''))`,
].join('\n');

/** Runs the interpreter once to see that it exists and can import the server. */
export async function checkServerImportable(
  interpreter: Interpreter,
  run: Runner,
  cwd?: string,
): Promise<ImportCheck> {
  const res = await run([...interpreter.argv, '-c', CHECK_SCRIPT], { cwd, timeoutMs: 30_000 });
  if (res.spawnError) {
    return { ok: false, reason: 'not-found', detail: res.spawnError };
  }
  if (res.code === 0) {
    const [executable = '', version = ''] = res.stdout.trim().split(/\r?\n/);
    return { ok: true, executable: executable.trim(), version: version.trim() };
  }
  if (res.code === 3 || /IMPORT-ERROR/.test(res.stdout)) {
    return { ok: false, reason: 'not-installed', detail: (res.stdout + res.stderr).trim() };
  }
  return { ok: false, reason: 'failed', detail: (res.stderr || res.stdout).trim() || `exit code ${res.code}` };
}
