/**
 * Logging goes to one LogOutputChannel. LSP message tracing follows the channel's log level
 * (Trace -> verbose, Debug -> messages) unless `hybridRegistry.trace.server` asks for more.
 */
import type { TraceSetting } from './settings';

/** Numeric values of `vscode.LogLevel` (kept here so this module stays pure). */
export const ChannelLogLevel = { Off: 0, Trace: 1, Debug: 2, Info: 3, Warning: 4, Error: 5 } as const;

const RANK: Record<TraceSetting, number> = { off: 0, messages: 1, verbose: 2 };

/** The LSP trace to use for a channel log level and the `trace.server` setting: the more verbose. */
export function effectiveTrace(level: number, setting: TraceSetting): TraceSetting {
  const fromLevel: TraceSetting =
    level === ChannelLogLevel.Trace ? 'verbose' : level === ChannelLogLevel.Debug ? 'messages' : 'off';
  return RANK[fromLevel] >= RANK[setting] ? fromLevel : setting;
}

/** One line for an unknown thrown value, with the stack when there is one. */
export function describeError(e: unknown): string {
  if (e instanceof Error) return e.stack ?? `${e.name}: ${e.message}`;
  return typeof e === 'string' ? e : JSON.stringify(e);
}
