/** The extension's commands. Each accepts optional arguments so it can be scripted and tested. */
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { ServerManager } from './client';
import { CMD_CREATE_WORKSPACE, CMD_RELOAD, Commands, SETTINGS_SECTION, STATUS_SCHEME } from './constants';
import { describeError } from './log';
import { runProcess } from './proc';
import { commandLine } from './python';
import { folderFor, renderStatusMarkdown, type FolderStatus } from './status';
import type { StatusController } from './statusBar';
import * as api from './vscodeApi';

export const STATUS_URI = `${STATUS_SCHEME}:/Hybrid%20Registry%20Status.md`;

const DEVELOPER_ID = /^[A-Za-z][A-Za-z0-9_-]*$/;

export interface CreateWorkspaceArgs {
  developerId?: string;
  path?: string;
  template?: 'standard' | 'minimal';
  /** Open the new file (default true). */
  open?: boolean;
}

export function registerCommands(
  server: ServerManager,
  status: StatusController,
  log: api.LogOutputChannel,
): api.Disposable[] {
  const statusDoc = api.newEventEmitter<api.Uri>();
  const guard =
    (name: string, fn: (...args: unknown[]) => Promise<unknown>) =>
    async (...args: unknown[]): Promise<unknown> => {
      try {
        return await fn(...args);
      } catch (e) {
        log.error(`${name} failed: ${describeError(e)}`);
        void api.showErrorMessage(`Hybrid Registry: ${name} failed: ${e instanceof Error ? e.message : String(e)}`, 'Show Output').then(
          (c) => c && log.show(true),
        );
        return undefined;
      }
    };

  return [
    statusDoc,
    status.onDidChange(() => statusDoc.fire(api.uriParse(STATUS_URI))),
    api.registerTextDocumentContentProvider(STATUS_SCHEME, {
      onDidChange: statusDoc.event,
      provideTextDocumentContent: () => renderStatusMarkdown(status.status, server.state),
    }),

    api.registerCommand(Commands.restartServer, guard('Restart Server', () => server.restart('restart command'))),

    api.registerCommand(
      Commands.showOutput,
      guard('Show Output', () => {
        log.show(true);
        return Promise.resolve();
      }),
    ),

    api.registerCommand(
      Commands.showStatus,
      guard('Show Registry Status', async () => {
        await status.refresh();
        const uri = api.uriParse(STATUS_URI);
        try {
          await api.executeCommand('markdown.showPreview', uri);
        } catch {
          await api.showTextDocument(uri, true);
        }
        return renderStatusMarkdown(status.status, server.state);
      }),
    ),

    api.registerCommand(
      Commands.reloadRegistry,
      guard('Reload Registry', async () => {
        if (!server.isRunning) {
          const choice = await api.showWarningMessage(
            'Hybrid Registry: the server is not running, so nothing was reloaded. Start it with Restart Server; Show Output says why it stopped.',
            'Restart Server',
            'Show Output',
          );
          if (choice === 'Restart Server') await server.restart('restart from Reload Registry');
          else if (choice === 'Show Output') log.show(true);
          return undefined;
        }
        await server.executeServerCommand(CMD_RELOAD);
        const s = await status.refresh();
        const steps = s?.folders.reduce((n, f) => n + f.stepCount, 0) ?? 0;
        void api.showInformationMessage(`Hybrid Registry reloaded: ${steps} steps.`);
        return s;
      }),
    ),

    api.registerCommand(
      Commands.selectWorkspace,
      guard('Select Workspace Context', async (arg?: unknown) => selectWorkspace(status, arg)),
    ),

    api.registerCommand(
      Commands.createWorkspaceRegistry,
      guard('Create Workspace Registry', async (arg?: unknown) =>
        createWorkspace(server, status, log, parseCreateArgs(arg)),
      ),
    ),
  ];
}

function parseCreateArgs(arg: unknown): CreateWorkspaceArgs {
  if (typeof arg !== 'object' || arg === null) return {};
  const a = arg as Record<string, unknown>;
  const out: CreateWorkspaceArgs = {};
  if (typeof a.developerId === 'string') out.developerId = a.developerId;
  if (typeof a.path === 'string') out.path = a.path;
  if (a.template === 'standard' || a.template === 'minimal') out.template = a.template;
  if (typeof a.open === 'boolean') out.open = a.open;
  return out;
}

/** The workspace folder (and its registry status) the user is working in. */
async function currentFolder(status: StatusController): Promise<{ folder: api.WorkspaceFolder; registry: FolderStatus | undefined } | undefined> {
  const doc = api.activeDocument();
  let folder = doc ? api.getWorkspaceFolder(doc.uri) : undefined;
  const folders = api.workspaceFolders();
  if (!folder && folders.length === 1) folder = folders[0];
  if (!folder && folders.length > 1) {
    const pick = await api.showQuickPick(
      folders.map((f) => ({ label: f.name, description: f.uri.fsPath, folder: f })),
      { placeHolder: 'Workspace folder' },
    );
    folder = pick?.folder;
  }
  if (!folder) return undefined;
  const s = (await status.refresh()) ?? status.status;
  return { folder, registry: s ? folderFor(s, folder.uri.fsPath) : undefined };
}

/**
 * Sets `hybridRegistry.defaultWorkspace` for the current folder. Argument: a workspace id, or null
 * for "none"; without one, asks with a quick pick of the loaded workspaces.
 */
async function selectWorkspace(status: StatusController, arg: unknown): Promise<string | null | undefined> {
  const current = await currentFolder(status);
  if (!current) {
    void api.showWarningMessage('Hybrid Registry: open a folder first.');
    return undefined;
  }
  let choice: string | null | undefined;
  if (arg === null || typeof arg === 'string') {
    choice = arg;
  } else {
    const reg = current.registry;
    const active = reg?.defaultWorkspace ?? null;
    const items = [
      {
        label: `${active === null ? '$(check) ' : ''}None`,
        description: 'no workspace context: core first',
        id: null as string | null,
      },
      ...(reg?.workspaces ?? []).map((w) => ({
        label: `${w.id === active ? '$(check) ' : ''}${w.id}`,
        description: `${w.localSteps} local steps, ${w.overrides} overrides${w.problems ? `, ${w.problems} problems` : ''}`,
        detail: w.path,
        id: w.id,
      })),
    ];
    const pick = await api.showQuickPick(items, {
      placeHolder: 'Workspace context used to resolve step names outside developer workspaces',
    });
    if (!pick) return undefined;
    choice = pick.id;
  }
  const config = api.getConfiguration(SETTINGS_SECTION, current.folder.uri);
  const target = api.isMultiRoot() ? api.ConfigurationTarget.WorkspaceFolder : api.ConfigurationTarget.Workspace;
  await config.update('defaultWorkspace', choice, target);
  return choice;
}

/** Creates a developer workspace registry through the server (or the CLI) and opens it. */
async function createWorkspace(
  server: ServerManager,
  status: StatusController,
  log: api.LogOutputChannel,
  args: CreateWorkspaceArgs,
): Promise<string | undefined> {
  const developerId =
    args.developerId ??
    (await api.showInputBox({
      title: 'Create Workspace Registry (1/3)',
      prompt: 'Developer id (letters, digits, "_" and "-")',
      placeHolder: 'alice',
      validateInput: (v) => (DEVELOPER_ID.test(v.trim()) ? undefined : 'Start with a letter; use letters, digits, "_" or "-".'),
    }))?.trim();
  if (!developerId) return undefined;
  if (!DEVELOPER_ID.test(developerId)) throw new Error(`Invalid developer id "${developerId}".`);

  const current = await currentFolder(status);
  const base = current?.folder.uri.fsPath;
  let target = args.path;
  if (!target) {
    // Suggest a sibling of the existing workspaces, relative to the folder.
    const siblings = current?.registry?.workspaces[0] ? path.dirname(current.registry.workspaces[0].path) : undefined;
    const suggested = siblings ? path.join(siblings, developerId) : path.join(base ?? '', 'workspaces', developerId);
    const shown = base && isInsidePath(suggested, base) ? path.relative(base, suggested) : suggested;
    target = (
      await api.showInputBox({
        title: 'Create Workspace Registry (2/3)',
        prompt: base ? `Workspace folder (relative to ${base}, or absolute)` : 'Workspace folder (absolute path)',
        value: shown,
        valueSelection: [shown.length - developerId.length, shown.length],
        validateInput: (v) => (v.trim() === '' || (!base && !path.isAbsolute(v.trim())) ? 'Enter a folder.' : undefined),
      })
    )?.trim();
  }
  if (!target) return undefined;
  if (!path.isAbsolute(target)) {
    if (!base) throw new Error(`"${target}" is relative and no folder is open.`);
    target = path.resolve(base, target);
  }

  let template = args.template;
  if (!template) {
    const pick = await api.showQuickPick(
      [
        { label: 'standard', description: 'an example step with its config, builder and contract stubs' },
        { label: 'minimal', description: 'an empty registry' },
      ],
      { title: 'Create Workspace Registry (3/3)', placeHolder: 'Template' },
    );
    if (!pick) return undefined;
    template = pick.label as 'standard' | 'minimal';
  }

  let file: string | undefined;
  if (server.isRunning) {
    const res = await server.executeServerCommand<{ file?: string; error?: string } | null>(CMD_CREATE_WORKSPACE, {
      path: target,
      developerId,
      template,
    });
    if (res?.error) throw new Error(res.error);
    file = res?.file;
  } else {
    // The same rule as the server's: workspaces are created inside an open folder.
    const folders = api.workspaceFolders().filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
    if (folders.length === 0) throw new Error('open a folder first: workspaces are created inside it.');
    if (!folders.some((f) => path.resolve(target) === path.resolve(f) || isInsidePath(target, f))) {
      throw new Error(`${target} is outside the open folders; choose a folder inside them.`);
    }
    file = await createWithCli(server, log, target, developerId, template);
  }
  if (!file) throw new Error('the registry setup did not report the file it created.');
  log.info(`Created workspace registry ${file}`);
  if (args.open !== false) await api.showTextDocument(api.uriFile(file));
  return file;
}

/** The path itself or its nearest ancestor that exists (a working directory for the CLI). */
function existingAncestor(p: string): string {
  let dir = p;
  while (!fs.existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

function isInsidePath(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** Fallback when the server is not running: `hybrid-registry init-workspace` via the interpreter. */
async function createWithCli(
  server: ServerManager,
  log: api.LogOutputChannel,
  target: string,
  developerId: string,
  template: string,
): Promise<string | undefined> {
  const argv = server.interpreter?.argv ?? ['python3'];
  const cli = [
    ...argv,
    '-c',
    'import sys; from hybrid_registry.cli import main; sys.exit(main())',
    'init-workspace',
    target,
    '--developer-id',
    developerId,
    ...(template === 'minimal' ? ['--template', 'minimal'] : []),
  ];
  const cwd = existingAncestor(path.dirname(target));
  log.info(`Running ${commandLine(cli)} in ${cwd}`);
  const res = await runProcess(cli, { cwd, timeoutMs: 60_000 });
  if (res.code !== 0) {
    const detail = (res.spawnError ?? res.stderr.trim()) || `exit code ${res.code}`;
    log.error(detail);
    // The CLI's advice ("use --force") is for its own users, not for this command.
    if (/already exists/.test(detail)) throw new Error(`a workspace registry already exists in ${target}.`);
    throw new Error(detail);
  }
  // The CLI prints the path relative to its working directory when it is inside it.
  const printed = res.stdout.trim().split(/\r?\n/).pop()?.trim();
  return printed ? path.resolve(cwd, printed) : undefined;
}
