/** Activation: wires the modules together and nothing else. */
import { onPythonInterpreterChanged, ServerManager } from './client';
import { registerCommands } from './commands';
import { OUTPUT_CHANNEL_NAME } from './constants';
import { needsRestart } from './settings';
import { StatusController } from './statusBar';
import * as api from './vscodeApi';

let server: ServerManager | undefined;

export interface ExtensionApi {
  /** For tests and other extensions: the server manager and status controller. */
  server: ServerManager;
  status: StatusController;
}

export function activate(context: { subscriptions: api.Disposable[] }): ExtensionApi {
  const log = api.createLogOutputChannel(OUTPUT_CHANNEL_NAME);
  server = new ServerManager(log);
  const status = new StatusController(server, log);
  const manager = server;
  context.subscriptions.push(
    log,
    status,
    ...registerCommands(manager, status, log),
    api.onDidChangeConfiguration((e) => {
      if (needsRestart(e)) void manager.restart('interpreter setting changed');
    }),
    onPythonInterpreterChanged(() => {
      if (manager.interpreter?.source !== 'setting') void manager.restart('Python extension interpreter changed');
    }),
  );
  // Do not block activation on the server: the status item shows progress.
  void manager.restart('activation');
  return { server: manager, status };
}

export async function deactivate(): Promise<void> {
  await server?.dispose();
  server = undefined;
}
