/**
 * The registry status reported by the server (`hybridRegistry.status` and the
 * `hybridRegistry/statusChanged` notification) and its presentations: the status bar text, its
 * tooltip and the "Show Registry Status" document. Pure.
 */

export interface WorkspaceStatus {
  id: string;
  path: string;
  localSteps: number;
  overrides: number;
  problems: number;
}

export interface RegistryProblem {
  path: string;
  line: number;
  col: number;
  severity: string;
  code: string;
  message: string;
}

export interface FolderStatus {
  folder: string;
  loading: boolean;
  stepCount: number;
  conflictCount: number;
  problemCount: number;
  sources: string[];
  defaultWorkspace: string | null;
  workspaces: WorkspaceStatus[];
  conflicts: Record<string, string[]>;
  problems: RegistryProblem[];
}

export interface StatusContext {
  folder: string;
  workspaceId: string | null;
}

export interface RegistryStatus {
  folders: FolderStatus[];
  context?: StatusContext | null;
}

/** What the client knows about the server process. */
export type ServerState =
  | { kind: 'starting' }
  | { kind: 'running' }
  | { kind: 'stopped' }
  | { kind: 'not-installed'; interpreter: string; /** The pip command that installs the server. */ install?: string }
  | { kind: 'failed'; message: string };

/** Accepts whatever the server sent and keeps only well-formed parts (never throws). */
export function parseStatus(raw: unknown): RegistryStatus {
  const obj = isRecord(raw) ? raw : {};
  const folders = Array.isArray(obj.folders) ? obj.folders.filter(isRecord).map(parseFolder) : [];
  const ctx = isRecord(obj.context)
    ? { folder: str(obj.context.folder), workspaceId: typeof obj.context.workspaceId === 'string' ? obj.context.workspaceId : null }
    : null;
  return { folders, context: ctx };
}

function parseFolder(f: Record<string, unknown>): FolderStatus {
  const conflicts: Record<string, string[]> = {};
  if (isRecord(f.conflicts)) {
    for (const [k, v] of Object.entries(f.conflicts)) conflicts[k] = Array.isArray(v) ? v.map(String) : [];
  }
  return {
    folder: str(f.folder),
    loading: f.loading === true,
    stepCount: num(f.stepCount),
    conflictCount: num(f.conflictCount),
    problemCount: num(f.problemCount),
    sources: Array.isArray(f.sources) ? f.sources.map(String) : [],
    defaultWorkspace: typeof f.defaultWorkspace === 'string' ? f.defaultWorkspace : null,
    workspaces: Array.isArray(f.workspaces)
      ? f.workspaces.filter(isRecord).map((w) => ({
          id: str(w.id),
          path: str(w.path),
          localSteps: num(w.localSteps),
          overrides: num(w.overrides),
          problems: num(w.problems),
        }))
      : [],
    conflicts,
    problems: Array.isArray(f.problems)
      ? f.problems.filter(isRecord).map((p) => ({
          path: str(p.path),
          line: num(p.line),
          col: num(p.col),
          severity: str(p.severity),
          code: str(p.code),
          message: str(p.message),
        }))
      : [],
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function str(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';
}
function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

/** Normalizes a path for prefix comparison (forward slashes, no trailing slash). */
function norm(p: string): string {
  return p.replace(/\\/g, '/').replace(/\/+$/, '');
}

export function isInside(child: string, parent: string): boolean {
  const c = norm(child);
  const p = norm(parent);
  return p !== '' && (c === p || c.startsWith(p + '/'));
}

/** The folder whose registry serves a file: the deepest folder containing it. */
export function folderFor(status: RegistryStatus, filePath: string | undefined): FolderStatus | undefined {
  if (filePath === undefined) return status.folders.length === 1 ? status.folders[0] : undefined;
  let best: FolderStatus | undefined;
  for (const f of status.folders) {
    if (isInside(filePath, f.folder) && (!best || norm(f.folder).length > norm(best.folder).length)) best = f;
  }
  return best ?? (status.folders.length === 1 ? status.folders[0] : undefined);
}

export interface StatusBarPresentation {
  text: string;
  /** Markdown. */
  tooltip: string;
  severity: 'normal' | 'warning' | 'error';
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

export function presentStatusBar(
  state: ServerState,
  status: RegistryStatus | undefined,
  filePath: string | undefined,
): StatusBarPresentation {
  switch (state.kind) {
    case 'starting':
      return { text: '$(sync~spin) Registry', tooltip: 'Hybrid Registry: starting the language server…', severity: 'normal' };
    case 'stopped':
      return { text: '$(debug-disconnect) Registry', tooltip: 'Hybrid Registry: the language server is stopped. Click for details.', severity: 'warning' };
    case 'not-installed':
      return {
        text: '$(error) Registry: server not installed',
        tooltip: `Hybrid Registry: ${code('registry_lsp')} cannot be imported by ${code(state.interpreter)}.${state.install ? ` Install it with ${code(state.install)}.` : ''} Click for details.`,
        severity: 'error',
      };
    case 'failed':
      return { text: '$(error) Registry', tooltip: `Hybrid Registry: ${escapeMarkdown(state.message)}`, severity: 'error' };
    case 'running':
      break;
  }
  const folder = status ? folderFor(status, filePath) : undefined;
  if (!status || !folder) {
    return { text: '$(sync~spin) Registry', tooltip: 'Hybrid Registry: waiting for the registry…', severity: 'normal' };
  }
  // The server's context is for the document it was asked about; use it only for that folder.
  const ctx = status.context && norm(status.context.folder) === norm(folder.folder) ? status.context.workspaceId : folder.defaultWorkspace;
  const parts: string[] = [];
  parts.push(folder.loading ? '$(sync~spin)' : '$(database)');
  // A first load has no count yet: "0 steps" would read as an empty registry.
  parts.push(folder.loading && folder.stepCount === 0 ? 'loading registry…' : plural(folder.stepCount, 'step'));
  if (ctx) parts.push(`· ${ctx}`);
  if (folder.conflictCount > 0) parts.push(`· $(warning) ${plural(folder.conflictCount, 'conflict')}`);
  if (folder.problemCount > 0) parts.push(`· $(error) ${plural(folder.problemCount, 'problem')}`);
  const tooltip = [
    `**Hybrid Registry**${folder.loading ? ' (loading…)' : ''}`,
    '',
    `Workspace context: ${ctx ? code(ctx) : 'none (core first)'}`,
    '',
    `${plural(folder.stepCount, 'step')}, ${plural(folder.conflictCount, 'conflict')}, ${plural(folder.problemCount, 'problem')}`,
    '',
    `Workspaces: ${folder.workspaces.length ? folder.workspaces.map((w) => code(w.id)).join(', ') : 'none'}`,
    '',
    'Click to show the registry status.',
  ].join('\n');
  return {
    text: parts.join(' '),
    tooltip,
    severity: folder.problemCount > 0 ? 'error' : folder.conflictCount > 0 ? 'warning' : 'normal',
  };
}

/** An inline code span (escapes do not work inside one, so backticks are replaced). */
export function code(text: string): string {
  return '`' + text.replace(/`/g, "'") + '`';
}

export function escapeMarkdown(text: string): string {
  return text.replace(/([\\`*_{}[\]()#+!|<>])/g, '\\$1');
}

/** A path relative to the folder when it is inside it (markdown previews do not follow file: links). */
function shortPath(p: string, folder: string): string {
  const n = norm(p);
  const f = norm(folder);
  return f !== '' && n.startsWith(f + '/') ? n.slice(f.length + 1) : n;
}

/** The "Show Registry Status" document (Markdown). */
export function renderStatusMarkdown(status: RegistryStatus | undefined, state: ServerState): string {
  const out: string[] = ['# Hybrid Registry status', ''];
  if (state.kind !== 'running') {
    out.push(`Server: **${state.kind}**${state.kind === 'failed' ? ` — ${escapeMarkdown(state.message)}` : ''}`, '');
    if (state.kind === 'not-installed') {
      out.push(`The interpreter ${code(state.interpreter)} cannot import ${code('registry_lsp')}.`, '');
      if (state.install) out.push('Install the server with:', '', '```sh', state.install, '```', '');
      out.push('Then run **Hybrid Registry: Restart Server**. Details are in **Hybrid Registry: Show Output**.', '');
    }
  }
  if (!status || status.folders.length === 0) {
    out.push('No registry has been loaded yet.');
    return out.join('\n') + '\n';
  }
  for (const f of status.folders) {
    out.push(`## ${escapeMarkdown(f.folder)}${f.loading ? ' (loading…)' : ''}`, '');
    out.push(`| Steps | Conflicts | Problems | Default workspace |`, `|---:|---:|---:|---|`);
    out.push(`| ${f.stepCount} | ${f.conflictCount} | ${f.problemCount} | ${f.defaultWorkspace ? code(f.defaultWorkspace) : 'none'} |`, '');
    out.push('### Sources', '');
    if (f.sources.length === 0) out.push('_none_');
    for (const s of f.sources) out.push(`- ${code(shortPath(s, f.folder))}`);
    out.push('', '### Workspaces', '');
    if (f.workspaces.length === 0) {
      out.push('_none_');
    } else {
      out.push('| Workspace | Local steps | Overrides | Problems | Path |', '|---|---:|---:|---:|---|');
      for (const w of f.workspaces) {
        const mark = w.id === f.defaultWorkspace ? ' (default)' : '';
        out.push(`| ${code(w.id)}${mark} | ${w.localSteps} | ${w.overrides} | ${w.problems} | ${code(shortPath(w.path, f.folder))} |`);
      }
    }
    out.push('', '### Conflicts', '');
    const conflicts = Object.entries(f.conflicts);
    if (conflicts.length === 0) out.push('_none_');
    for (const [step, where] of conflicts.sort(([a], [b]) => a.localeCompare(b))) {
      out.push(`- ${code(step)}: ${where.map((w) => code(w)).join(', ')}`);
    }
    out.push('', '### Problems', '');
    if (f.problems.length === 0) out.push('_none_');
    for (const p of f.problems) {
      out.push(`- **${escapeMarkdown(p.severity || 'problem')}** ${code(p.code)} ${code(`${shortPath(p.path, f.folder)}:${p.line}:${p.col}`)}: ${escapeMarkdown(p.message)}`);
    }
    out.push('');
  }
  return out.join('\n') + '\n';
}
