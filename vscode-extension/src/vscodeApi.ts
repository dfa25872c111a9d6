/**
 * The one module that touches the `vscode` API for the extension's own logic. Everything else goes
 * through these functions (or through plain interfaces filled from here), so unit tests can run in
 * Node with a stub `vscode` module and replace any of these exports.
 */
import * as vscode from 'vscode';

export type { Event, LogOutputChannel, Uri, WorkspaceFolder } from 'vscode';

/** Anything that can be disposed (structural, unlike the `vscode.Disposable` class). */
export interface Disposable {
  dispose(): unknown;
}

// ---- window ------------------------------------------------------------------------------------

export function createLogOutputChannel(name: string): vscode.LogOutputChannel {
  return vscode.window.createOutputChannel(name, { log: true });
}

export function createStatusBarItem(id: string, priority: number): vscode.StatusBarItem {
  return vscode.window.createStatusBarItem(id, vscode.StatusBarAlignment.Right, priority);
}

export function showErrorMessage(message: string, ...items: string[]): Thenable<string | undefined> {
  return vscode.window.showErrorMessage(message, ...items);
}

export function showWarningMessage(message: string, ...items: string[]): Thenable<string | undefined> {
  return vscode.window.showWarningMessage(message, ...items);
}

export function showInformationMessage(message: string, ...items: string[]): Thenable<string | undefined> {
  return vscode.window.showInformationMessage(message, ...items);
}

export function showQuickPick<T extends vscode.QuickPickItem>(
  items: readonly T[],
  options: vscode.QuickPickOptions,
): Thenable<T | undefined> {
  return vscode.window.showQuickPick(items, options);
}

export function showInputBox(options: vscode.InputBoxOptions): Thenable<string | undefined> {
  return vscode.window.showInputBox(options);
}

export async function showTextDocument(uri: vscode.Uri, preview = false): Promise<void> {
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview });
}

export function activeDocument(): vscode.TextDocument | undefined {
  return vscode.window.activeTextEditor?.document;
}

export function onDidChangeActiveTextEditor(listener: () => void): vscode.Disposable {
  return vscode.window.onDidChangeActiveTextEditor(listener);
}

// ---- workspace ---------------------------------------------------------------------------------

export function getConfiguration(section: string, scope?: vscode.Uri | null): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration(section, scope ?? null);
}

export function onDidChangeConfiguration(
  listener: (e: vscode.ConfigurationChangeEvent) => void,
): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration(listener);
}

export function workspaceFolders(): readonly vscode.WorkspaceFolder[] {
  return vscode.workspace.workspaceFolders ?? [];
}

export function isMultiRoot(): boolean {
  return vscode.workspace.workspaceFile !== undefined || workspaceFolders().length > 1;
}

export function getWorkspaceFolder(uri: vscode.Uri): vscode.WorkspaceFolder | undefined {
  return vscode.workspace.getWorkspaceFolder(uri);
}

export function registerTextDocumentContentProvider(
  scheme: string,
  provider: vscode.TextDocumentContentProvider,
): vscode.Disposable {
  return vscode.workspace.registerTextDocumentContentProvider(scheme, provider);
}

export function createFileSystemWatcher(glob: string): vscode.FileSystemWatcher {
  return vscode.workspace.createFileSystemWatcher(glob);
}

export const ConfigurationTarget = vscode.ConfigurationTarget;

// ---- commands, languages, extensions, env ------------------------------------------------------

export function registerCommand(
  command: string,
  callback: (...args: unknown[]) => unknown,
): vscode.Disposable {
  return vscode.commands.registerCommand(command, callback);
}

export function executeCommand<T = unknown>(command: string, ...args: unknown[]): Thenable<T> {
  return vscode.commands.executeCommand<T>(command, ...args);
}

export function matchesDocument(selector: vscode.DocumentSelector, document: vscode.TextDocument): boolean {
  return vscode.languages.match(selector, document) > 0;
}

export function getExtension<T>(id: string): vscode.Extension<T> | undefined {
  return vscode.extensions.getExtension<T>(id);
}

export function writeClipboard(text: string): Thenable<void> {
  return vscode.env.clipboard.writeText(text);
}

export function uriFile(path: string): vscode.Uri {
  return vscode.Uri.file(path);
}

export function uriParse(value: string): vscode.Uri {
  return vscode.Uri.parse(value);
}

export function newEventEmitter<T>(): vscode.EventEmitter<T> {
  return new vscode.EventEmitter<T>();
}

export const MarkdownString = vscode.MarkdownString;
export const ThemeColor = vscode.ThemeColor;

// ---- documents and diagnostics -------------------------------------------------------------------

export type { Diagnostic, DiagnosticCollection, TextDocument } from 'vscode';

export function textDocuments(): readonly vscode.TextDocument[] {
  return vscode.workspace.textDocuments;
}

export function onDidOpenTextDocument(listener: (d: vscode.TextDocument) => void): vscode.Disposable {
  return vscode.workspace.onDidOpenTextDocument(listener);
}

export function onDidChangeTextDocument(listener: (d: vscode.TextDocument) => void): vscode.Disposable {
  return vscode.workspace.onDidChangeTextDocument((e) => listener(e.document));
}

export function onDidCloseTextDocument(listener: (d: vscode.TextDocument) => void): vscode.Disposable {
  return vscode.workspace.onDidCloseTextDocument(listener);
}

export function createDiagnosticCollection(name: string): vscode.DiagnosticCollection {
  return vscode.languages.createDiagnosticCollection(name);
}
