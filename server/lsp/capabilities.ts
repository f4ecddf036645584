// What the client can do (read once from `initialize`) and what the server advertises in return.
// The server advertises only what it implements, and pull diagnostics / code lenses only when
// they will be used, so a client never sees a capability it would wait on in vain.
import { CodeActionKind, TextDocumentSyncKind, type ClientCapabilities, type ServerCapabilities } from 'vscode-languageserver/node.js';
import { negotiateEncoding, type PositionEncoding } from './positions.js';

export const COMMANDS = {
  openDocs: 'awaitlens.openDocs',
  status: 'awaitlens.status',
  reindex: 'awaitlens.reindex',
} as const;

export interface ClientFeatures {
  encoding: PositionEncoding;
  pullDiagnostics: boolean;
  diagnosticRefresh: boolean;
  workDoneProgress: boolean;
  configuration: boolean;
  configurationDynamic: boolean;
  watchedFilesDynamic: boolean;
  documentChanges: boolean;
  codeActionLiterals: boolean;
  codeActionResolveEdit: boolean;
  showDocument: boolean;
  codeLensRefresh: boolean;
  relatedInformation: boolean;
  codeDescription: boolean;
  versionSupport: boolean;
  hoverMarkdown: boolean;
  workspaceFolders: boolean;
}

export function readClientFeatures(caps: ClientCapabilities | undefined): ClientFeatures {
  const c = caps ?? {};
  const td = c.textDocument ?? {};
  const ws = c.workspace ?? {};
  const publish = td.publishDiagnostics ?? {};
  const hoverFormats = td.hover?.contentFormat;
  return {
    encoding: negotiateEncoding(c.general?.positionEncodings),
    pullDiagnostics: !!td.diagnostic,
    diagnosticRefresh: !!ws.diagnostics?.refreshSupport,
    workDoneProgress: !!c.window?.workDoneProgress,
    configuration: !!ws.configuration,
    configurationDynamic: !!ws.didChangeConfiguration?.dynamicRegistration,
    watchedFilesDynamic: !!ws.didChangeWatchedFiles?.dynamicRegistration,
    documentChanges: !!ws.workspaceEdit?.documentChanges,
    codeActionLiterals: !!td.codeAction?.codeActionLiteralSupport,
    codeActionResolveEdit: !!td.codeAction?.resolveSupport?.properties?.includes('edit'),
    showDocument: !!c.window?.showDocument?.support,
    codeLensRefresh: !!ws.codeLens?.refreshSupport,
    relatedInformation: publish.relatedInformation !== false,
    codeDescription: publish.codeDescriptionSupport !== false,
    versionSupport: !!publish.versionSupport,
    hoverMarkdown: !hoverFormats || hoverFormats.length === 0 || hoverFormats.includes('markdown'),
    workspaceFolders: !!ws.workspaceFolders,
  };
}

export function serverCapabilities(client: ClientFeatures, opts: { codeLens: boolean; extraCommands: readonly string[] }): ServerCapabilities {
  const caps: ServerCapabilities = {
    positionEncoding: client.encoding,
    textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: false },
    hoverProvider: true,
    codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, CodeActionKind.Source], resolveProvider: true },
    executeCommandProvider: { commands: [COMMANDS.openDocs, COMMANDS.status, COMMANDS.reindex, ...opts.extraCommands] },
    workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
  };
  if (client.pullDiagnostics) {
    caps.diagnosticProvider = { identifier: 'awaitlens', interFileDependencies: true, workspaceDiagnostics: true };
  }
  if (opts.codeLens) caps.codeLensProvider = { resolveProvider: false };
  return caps;
}
