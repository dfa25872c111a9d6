/**
 * The extension's settings as a fully defaulted, validated model. Invalid values are reported as
 * problems (shown to the user once) and replaced by their defaults, so the server always receives a
 * well-formed object. Pure: reads through a {@link ConfigurationReader}, never imports `vscode`.
 */
import { SETTINGS_SECTION } from './constants';

export type SeverityName = 'error' | 'warning' | 'information' | 'hint';
export type TraceSetting = 'off' | 'messages' | 'verbose';

const SEVERITIES: readonly SeverityName[] = ['error', 'warning', 'information', 'hint'];
const TRACES: readonly TraceSetting[] = ['off', 'messages', 'verbose'];
/** Milliseconds between an edit and its diagnostics; the server accepts 0-5000. */
export const DEFAULT_DEBOUNCE_MS = 150;
export const MAX_DEBOUNCE_MS = 5000;

/** What the server reads (`initializationOptions` and `workspace/configuration`). */
export interface RegistrySettings {
  core: string[];
  workspaces: string[];
  defaultWorkspace: string | null;
  stepNameCalls: string[];
  diagnostics: { severity: Record<string, SeverityName>; disabled: string[]; debounceMs: number };
}

/** Everything under `hybridRegistry`, including the client-only keys. */
export interface ExtensionSettings extends RegistrySettings {
  /** argv prefix of the Python interpreter; empty = choose automatically. */
  interpreter: string[];
  trace: { server: TraceSetting };
}

/** The part of `vscode.WorkspaceConfiguration` we use (keys relative to `hybridRegistry`). */
export interface ConfigurationReader {
  get(key: string): unknown;
}

export interface Resolved<T> {
  value: T;
  /** Human-readable messages, one per invalid setting. */
  problems: string[];
}

export function defaultSettings(): ExtensionSettings {
  return {
    interpreter: [],
    core: [],
    workspaces: [],
    defaultWorkspace: null,
    stepNameCalls: [],
    diagnostics: { severity: {}, disabled: [], debounceMs: DEFAULT_DEBOUNCE_MS },
    trace: { server: 'off' },
  };
}

/** Settings whose change needs a new server process; every other change is applied live. */
export const RESTART_SETTINGS: readonly string[] = [`${SETTINGS_SECTION}.interpreter`];

export function resolveSettings(config: ConfigurationReader): Resolved<ExtensionSettings> {
  const problems: string[] = [];
  const d = defaultSettings();
  const invalid = (key: string, expected: string, value: unknown): void => {
    problems.push(
      `Invalid setting ${SETTINGS_SECTION}.${key}: expected ${expected}, got ${JSON.stringify(value)}; using the default.`,
    );
  };

  const stringList = (key: string): string[] => {
    const v = config.get(key);
    if (v === undefined || v === null) return [];
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) {
      return v.map((x) => x.trim()).filter((x) => x !== '');
    }
    invalid(key, 'a list of strings', v);
    return [];
  };

  const interpreter = ((): string[] => {
    const v = config.get('interpreter');
    if (v === undefined || v === null) return d.interpreter;
    if (typeof v === 'string') return v.trim() === '' ? [] : [v.trim()];
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) {
      return v.filter((x) => x.trim() !== '');
    }
    invalid('interpreter', 'a path or a list of strings', v);
    return d.interpreter;
  })();

  const defaultWorkspace = ((): string | null => {
    const v = config.get('defaultWorkspace');
    if (v === undefined || v === null) return null;
    if (typeof v === 'string') return v.trim() === '' ? null : v.trim();
    invalid('defaultWorkspace', 'a workspace id or null', v);
    return null;
  })();

  const severity = ((): Record<string, SeverityName> => {
    const v = config.get('diagnostics.severity');
    if (v === undefined || v === null) return {};
    if (typeof v !== 'object' || Array.isArray(v)) {
      invalid('diagnostics.severity', 'an object mapping codes to severities', v);
      return {};
    }
    const out: Record<string, SeverityName> = {};
    for (const [code, sev] of Object.entries(v as Record<string, unknown>)) {
      const name = typeof sev === 'string' ? sev.toLowerCase() : sev;
      const normalized = name === 'info' ? 'information' : name;
      if (typeof normalized === 'string' && (SEVERITIES as readonly string[]).includes(normalized)) {
        out[code] = normalized as SeverityName;
      } else {
        invalid(`diagnostics.severity.${code}`, SEVERITIES.join(' | '), sev);
      }
    }
    return out;
  })();

  const debounceMs = ((): number => {
    const v = config.get('diagnostics.debounceMs');
    if (v === undefined || v === null) return d.diagnostics.debounceMs;
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_DEBOUNCE_MS) return v;
    invalid('diagnostics.debounceMs', `an integer from 0 to ${MAX_DEBOUNCE_MS}`, v);
    return d.diagnostics.debounceMs;
  })();

  const trace = ((): TraceSetting => {
    const v = config.get('trace.server');
    if (v === undefined || v === null) return 'off';
    if (typeof v === 'string' && (TRACES as readonly string[]).includes(v)) return v as TraceSetting;
    invalid('trace.server', TRACES.join(' | '), v);
    return 'off';
  })();

  return {
    value: {
      interpreter,
      core: stringList('core'),
      workspaces: stringList('workspaces'),
      defaultWorkspace,
      stepNameCalls: stringList('stepNameCalls'),
      diagnostics: { severity, disabled: stringList('diagnostics.disabled'), debounceMs },
      trace: { server: trace },
    },
    problems,
  };
}

/** The part of `vscode.ConfigurationChangeEvent` we use. */
export interface ConfigurationChange {
  affectsConfiguration(section: string): boolean;
}

export function affectsRegistry(e: ConfigurationChange): boolean {
  return e.affectsConfiguration(SETTINGS_SECTION);
}

export function needsRestart(e: ConfigurationChange): boolean {
  return RESTART_SETTINGS.some((key) => e.affectsConfiguration(key));
}
