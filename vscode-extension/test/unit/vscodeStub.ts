/**
 * A small stand-in for the `vscode` module, installed with {@link installVscodeStub} before any
 * module that imports `vscode` is loaded. It implements what our code and vscode-languageclient
 * touch while starting; everything else is an inert auto-proxy. Tests read and drive it through
 * {@link stub}.
 */
import Module from 'node:module';

type Listener<T> = (e: T) => unknown;

class Disposable {
  constructor(private readonly fn?: () => void) {}
  static from(...ds: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => ds.forEach((d) => d.dispose()));
  }
  dispose(): void {
    this.fn?.();
  }
}

class EventEmitter<T> {
  private listeners: Listener<T>[] = [];
  readonly event = (l: Listener<T>): Disposable => {
    this.listeners.push(l);
    return new Disposable(() => (this.listeners = this.listeners.filter((x) => x !== l)));
  };
  fire(e: T): void {
    for (const l of [...this.listeners]) l(e);
  }
  dispose(): void {
    this.listeners = [];
  }
}

class Uri {
  private constructor(
    readonly scheme: string,
    readonly path: string,
    private readonly raw: string,
  ) {}
  static parse(s: string): Uri {
    const u = new URL(s);
    return new Uri(u.protocol.slice(0, -1), decodeURIComponent(u.pathname), s);
  }
  static file(p: string): Uri {
    return new Uri('file', p, 'file://' + encodeURI(p));
  }
  get fsPath(): string {
    return this.path;
  }
  toString(): string {
    return this.raw;
  }
  toJSON(): string {
    return this.raw;
  }
}

export interface Message {
  kind: 'error' | 'warning' | 'information';
  message: string;
  items: string[];
}

/** State shared by the stub and the tests. */
export const stub = {
  /** Settings by full key, e.g. `hybridRegistry.interpreter`. */
  settings: {} as Record<string, unknown>,
  workspaceFolders: [] as { uri: Uri; name: string; index: number }[],
  messages: [] as Message[],
  commands: new Map<string, (...args: unknown[]) => unknown>(),
  opened: [] as string[],
  log: [] as string[],
  onDidChangeConfiguration: new EventEmitter<{ affectsConfiguration(s: string): boolean }>(),
  reset(): void {
    this.settings = {};
    this.workspaceFolders = [];
    this.messages = [];
    this.log = [];
    this.opened = [];
  },
  /** Simulates the user changing settings. */
  changeSettings(values: Record<string, unknown>): void {
    Object.assign(this.settings, values);
    const keys = Object.keys(values);
    this.onDidChangeConfiguration.fire({
      affectsConfiguration: (s: string) => keys.some((k) => k === s || k.startsWith(s + '.') || s.startsWith(k + '.')),
    });
  },
};

function configuration(section: string | undefined): { get(key: string, dflt?: unknown): unknown; has(k: string): boolean; update(): Promise<void>; inspect(): undefined } {
  const prefix = section ? section + '.' : '';
  return {
    get: (key: string, dflt?: unknown) => {
      const full = prefix + key;
      if (full in stub.settings) return stub.settings[full];
      // whole sub-objects, e.g. get('diagnostics') -> {severity, disabled}
      const nested: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(stub.settings)) if (k.startsWith(full + '.')) nested[k.slice(full.length + 1)] = v;
      return Object.keys(nested).length ? nested : dflt;
    },
    has: (key: string) => prefix + key in stub.settings,
    update: () => Promise.resolve(),
    inspect: () => undefined,
  };
}

function logChannel(name: string): Record<string, unknown> {
  const write = (level: string) => (msg: unknown) => stub.log.push(`[${level}] ${String(msg)}`);
  return {
    name,
    logLevel: 3,
    onDidChangeLogLevel: new EventEmitter<number>().event,
    trace: write('trace'),
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    append: write('append'),
    appendLine: write('info'),
    replace: () => undefined,
    clear: () => undefined,
    show: () => undefined,
    hide: () => undefined,
    dispose: () => undefined,
  };
}

const autoHandler: ProxyHandler<object> = {
  get(target: Record<string | symbol, unknown>, p) {
    if (typeof p === 'symbol' || p === 'then') return undefined;
    if (!(p in target)) target[p] = auto();
    return target[p];
  },
  apply: () => auto(),
  construct: () => auto() as object,
};
function auto(): unknown {
  return new Proxy(function () {
    /* inert */
  }, autoHandler);
}

const message =
  (kind: Message['kind']) =>
  (msg: string, ...items: unknown[]): Promise<undefined> => {
    stub.messages.push({ kind, message: msg, items: items.filter((x): x is string => typeof x === 'string') });
    return Promise.resolve(undefined);
  };

const vscode = {
  version: '1.100.0',
  Disposable,
  EventEmitter,
  Uri,
  StatusBarAlignment: { Left: 1, Right: 2 },
  ConfigurationTarget: { Global: 1, Workspace: 2, WorkspaceFolder: 3 },
  LogLevel: { Off: 0, Trace: 1, Debug: 2, Info: 3, Warning: 4, Error: 5 },
  MarkdownString: class {
    constructor(readonly value = '') {}
  },
  ThemeColor: class {
    constructor(readonly id: string) {}
  },
  window: new Proxy(
    {
      createOutputChannel: (name: string) => logChannel(name),
      createStatusBarItem: () => ({ text: '', show: () => undefined, hide: () => undefined, dispose: () => undefined }),
      showErrorMessage: message('error'),
      showWarningMessage: message('warning'),
      showInformationMessage: message('information'),
      onDidChangeActiveTextEditor: new EventEmitter<unknown>().event,
      showTextDocument: (doc: { uri: Uri }) => {
        stub.opened.push(doc.uri.fsPath);
        return Promise.resolve(undefined);
      },
      activeTextEditor: undefined,
      visibleTextEditors: [],
    },
    autoHandler,
  ),
  workspace: new Proxy(
    {
      getConfiguration: (section?: string) => configuration(section),
      get workspaceFolders() {
        return stub.workspaceFolders.length ? stub.workspaceFolders : undefined;
      },
      onDidChangeConfiguration: stub.onDidChangeConfiguration.event,
      createFileSystemWatcher: () => ({
        onDidCreate: () => new Disposable(),
        onDidChange: () => new Disposable(),
        onDidDelete: () => new Disposable(),
        dispose: () => undefined,
      }),
      textDocuments: [],
      notebookDocuments: [],
      openTextDocument: (uri: Uri) => Promise.resolve({ uri }),
      registerTextDocumentContentProvider: () => new Disposable(),
    },
    autoHandler,
  ),
  commands: new Proxy(
    {
      registerCommand: (id: string, cb: (...args: unknown[]) => unknown) => {
        stub.commands.set(id, cb);
        return new Disposable(() => stub.commands.delete(id));
      },
      executeCommand: async (id: string, ...args: unknown[]) => {
        const cb = stub.commands.get(id);
        return cb ? await cb(...args) : undefined;
      },
    },
    autoHandler,
  ),
  extensions: new Proxy({ getExtension: () => undefined, all: [] }, autoHandler),
  languages: new Proxy({ match: () => 0 }, autoHandler),
  env: new Proxy({ clipboard: { writeText: () => Promise.resolve() } }, autoHandler),
};

let installed = false;

/** Makes `require('vscode')` return the stub (idempotent). */
export function installVscodeStub(): void {
  if (installed) return;
  installed = true;
  const resolver = Module as unknown as { _resolveFilename: (req: string, ...rest: unknown[]) => string };
  const original = resolver._resolveFilename;
  resolver._resolveFilename = function (req: string, ...rest: unknown[]): string {
    return req === 'vscode' ? 'vscode-stub' : original.call(this, req, ...rest);
  };
  const m = new Module('vscode-stub');
  m.exports = new Proxy(vscode, autoHandler);
  m.loaded = true;
  (require.cache as Record<string, unknown>)['vscode-stub'] = m;
}
