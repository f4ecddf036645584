// Wires a JSON-RPC connection to the session: one place lists every handler the server answers.
// Each handler is guarded, so malformed params or a bug cost that one answer (an empty result
// and a log line), never the process; long requests honour `$/cancelRequest`.
import { readFileSync } from 'node:fs';
import {
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  LSPErrorCodes,
  Message,
  ResponseError,
  createProtocolConnection,
  type CancellationToken,
  type CodeAction,
  type CodeLens,
  type Connection,
  type Disposable,
  type Hover,
  type InitializeResult,
  type MessageReader,
  type MessageWriter,
  type DataCallback,
} from 'vscode-languageserver/node.js';
import { createConnection as createCommonConnection, type WatchDog } from 'vscode-languageserver/lib/common/server.js';
import type { StaticRule } from '../analysis/rule.js';
import { fromRoot } from '../paths.js';
import { STATIC_RULES } from '../../rules/index.js';
import { readClientFeatures, serverCapabilities } from './capabilities.js';
import { codeActions, fixAllAction, isSilenceData, silenceEdit, workspaceEdit, type ActionEnv } from './code-actions.js';
import { executeCommand } from './commands.js';
import { isFindingRef, STATIC_SOURCE } from './diagnostics.js';
import type { LspExtension } from './extensions.js';
import { computeHover } from './hover.js';
import { Indexer } from './indexer.js';
import { Outbound } from './outbound.js';
import { documentReport, workspaceReport } from './pull-diagnostics.js';
import { Session } from './session.js';
import { pathToUri, uriToPath } from './uri.js';
import { applyFileEvents, WATCH_GLOBS } from './watched-files.js';

export interface ServerOptions {
  /** Static rules to run (default: all of `rules/index.ts`). */
  rules?: readonly StaticRule[];
  extensions?: readonly LspExtension[];
  /** Exit when the client process given in `initialize` (`processId`) disappears. */
  watchParent?: boolean;
}

export interface AwaitlensServer {
  connection: Connection;
  session: Session;
  indexer: Indexer;
  /** Resolves once `initialized` was handled: settings loaded, watchers registered, indexing started. */
  ready: Promise<void>;
  /** Resolves with the exit code: 0 after `shutdown` + `exit`, 1 for `exit` alone or a lost connection. */
  exited: Promise<number>;
  dispose(): void;
}

export function serverVersion(): string {
  try {
    return (JSON.parse(readFileSync(fromRoot('package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

/**
 * Tell the scheduler about each didChange as soon as it is read, before JSON-RPC dispatches it,
 * so an analysis about to run can see that more changes for its document are already queued.
 */
class ChangeTrackingReader implements MessageReader {
  constructor(
    private readonly inner: MessageReader,
    private readonly received: (uri: string) => void,
  ) {}
  get onError() {
    return this.inner.onError;
  }
  get onClose() {
    return this.inner.onClose;
  }
  get onPartialMessage() {
    return this.inner.onPartialMessage;
  }
  listen(callback: DataCallback): Disposable {
    return this.inner.listen((msg) => {
      const uri = changedUri(msg);
      if (uri !== undefined) this.received(uri);
      callback(msg);
    });
  }
  dispose(): void {
    this.inner.dispose();
  }
}

function changedUri(msg: Message): string | undefined {
  if (!Message.isNotification(msg) || msg.method !== 'textDocument/didChange') return undefined;
  const uri = (msg.params as { textDocument?: { uri?: unknown } } | undefined)?.textDocument?.uri;
  return typeof uri === 'string' ? uri : undefined;
}

const cancelled = () => new ResponseError(LSPErrorCodes.RequestCancelled, 'request cancelled');

export function createServer(reader: MessageReader, writer: MessageWriter, options: ServerOptions = {}): AwaitlensServer {
  const extensions = options.extensions ?? [];
  let session!: Session;
  let resolveExit!: (code: number) => void;
  const exited = new Promise<number>((r) => (resolveExit = r));
  let parentTimer: NodeJS.Timeout | undefined;
  const watchDog: WatchDog = {
    shutdownReceived: false,
    initialize(params) {
      if (options.watchParent && typeof params.processId === 'number' && params.processId !== process.pid) {
        const pid = params.processId;
        parentTimer = setInterval(() => {
          try {
            process.kill(pid, 0);
          } catch {
            finish(watchDog.shutdownReceived ? 0 : 1);
          }
        }, 3000);
        parentTimer.unref();
      }
    },
    exit(code) {
      finish(code);
    },
  };
  const tracked = new ChangeTrackingReader(reader, (uri) => session?.scheduler.received(uri));
  const connection = createCommonConnection((logger) => createProtocolConnection(tracked, writer, logger), watchDog) as Connection;
  const out = new Outbound(connection, () => session.client);
  session = new Session(options.rules ?? STATIC_RULES, out, extensions);
  const indexer = new Indexer(session);
  const version = serverVersion();
  let finished = false;
  function finish(code: number): void {
    if (finished) return;
    finished = true;
    session.shuttingDown = true;
    indexer.stop();
    session.scheduler.dispose();
    if (parentTimer) clearInterval(parentTimer);
    for (const ext of extensions) session.callExt(ext, 'dispose', () => ext.dispose?.());
    resolveExit(code);
    // Let the last response (if any) leave before the streams go.
    setImmediate(() => connection.dispose());
  }
  reader.onClose(() => finish(watchDog.shutdownReceived ? 0 : 1));

  /** Guard a request handler: cancellation → RequestCancelled, exception → `fallback` + a log line. */
  function request<P, R>(method: string, fallback: R, fn: (params: P, token: CancellationToken) => R | ResponseError | Promise<R | ResponseError>) {
    return async (params: P, token: CancellationToken): Promise<R | ResponseError> => {
      if (token?.isCancellationRequested) return cancelled();
      try {
        const result = await fn(params, token);
        if (token?.isCancellationRequested) return cancelled();
        return result;
      } catch (e) {
        out.logOnce(`handler\0${method}\0${(e as Error).message}`, `awaitlens: ${method} failed: ${(e as Error).message}`, 'error');
        return fallback;
      }
    };
  }
  function notification<P>(method: string, fn: (params: P) => void) {
    return (params: P): void => {
      try {
        fn(params);
      } catch (e) {
        out.logOnce(`handler\0${method}\0${(e as Error).message}`, `awaitlens: ${method} failed: ${(e as Error).message}`, 'error');
      }
    };
  }

  const codeLensExtensions = extensions.filter((e) => typeof e.codeLenses === 'function');
  const extraCommands = extensions.flatMap((e) => Object.keys(e.commands ?? {}));

  connection.onInitialize((params): InitializeResult => {
    session.setClient(readClientFeatures(params?.capabilities));
    const folders = Array.isArray(params?.workspaceFolders) ? params.workspaceFolders : [];
    const roots = folders.map((f) => f?.uri).filter((u): u is string => typeof u === 'string' && u.startsWith('file:'));
    if (roots.length === 0 && typeof params?.rootUri === 'string' && params.rootUri.startsWith('file:')) roots.push(params.rootUri);
    session.roots = roots.map(uriToPath);
    if (session.roots.length === 0 && typeof params?.rootPath === 'string') session.roots = [params.rootPath];
    for (const ext of extensions) session.callExt(ext, 'attach', () => ext.attach?.(session.extensionHost()));
    return {
      capabilities: serverCapabilities(session.client, { codeLens: codeLensExtensions.length > 0, extraCommands }),
      serverInfo: { name: 'awaitlens', version },
    };
  });

  async function loadSettings(pushed?: unknown): Promise<void> {
    let raw: unknown = pushed;
    if (session.client.configuration) {
      try {
        raw = await connection.workspace.getConfiguration('awaitlens');
      } catch (e) {
        out.log(`awaitlens: could not read editor settings: ${(e as Error).message}`, 'warning');
      }
    }
    session.pushedSettings = raw;
    session.applySettings(raw);
  }

  let markReady!: () => void;
  const ready = new Promise<void>((r) => (markReady = r));
  connection.onInitialized(async () => {
    try {
      await loadSettings();
      if (session.client.watchedFilesDynamic) {
        await connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: WATCH_GLOBS.map((globPattern) => ({ globPattern })) }).catch(() => undefined);
      }
      if (session.client.configurationDynamic) {
        await connection.client.register(DidChangeConfigurationNotification.type, { section: 'awaitlens' }).catch(() => undefined);
      }
      if (session.client.workspaceFolders) {
        connection.workspace.onDidChangeWorkspaceFolders(
          notification('workspace/didChangeWorkspaceFolders', (ev) => {
            const removed = new Set(ev.removed.map((f) => uriToPath(f.uri)));
            session.roots = [...session.roots.filter((r) => !removed.has(r)), ...ev.added.map((f) => uriToPath(f.uri))];
            void indexer.start();
          }),
        );
      }
    } catch (e) {
      out.log(`awaitlens: startup step failed: ${(e as Error).message}`, 'error');
    }
    if (!session.shuttingDown) void indexer.start();
    markReady();
  });

  connection.onDidOpenTextDocument(
    notification('textDocument/didOpen', (p) => {
      const { uri, text, version: v } = p.textDocument;
      if (typeof uri !== 'string' || typeof text !== 'string') throw new Error('didOpen without uri or text');
      session.open(uri, text, typeof v === 'number' ? v : 0);
    }),
  );

  connection.onDidChangeTextDocument((p) => {
    const uri = typeof p?.textDocument?.uri === 'string' ? p.textDocument.uri : undefined;
    try {
      if (!uri || !Array.isArray(p.contentChanges)) throw new Error('didChange without uri or contentChanges');
      const v = typeof p.textDocument.version === 'number' ? p.textDocument.version : (session.docs.get(uri)?.doc.version ?? 0) + 1;
      if (session.docs.change(uri, p.contentChanges, v, session.codec)) session.scheduler.schedule(uri);
    } catch (e) {
      out.logOnce(`handler\0didChange\0${(e as Error).message}`, `awaitlens: textDocument/didChange failed: ${(e as Error).message}`, 'error');
    } finally {
      if (uri) {
        session.scheduler.dispatched(uri);
        if (session.docs.get(uri) && !session.scheduler.isPending(uri) && !session.isCurrent(session.docs.get(uri)!)) session.scheduler.schedule(uri);
      }
    }
  });

  connection.onDidCloseTextDocument(notification('textDocument/didClose', (p) => session.close(p.textDocument.uri)));

  connection.onHover(
    request('textDocument/hover', null, (p): Hover | null => {
      const od = session.docs.get(p.textDocument.uri);
      if (!od) return null;
      session.ensureCurrent(od);
      const lines = od.doc.lines;
      const offset = session.codec.offset(lines, p.position);
      const file = session.host.parseAt(od.path, od.doc, offset);
      const h = computeHover({
        file,
        offset,
        findings: session.host.findings(od.path) ?? [],
        allFindings: () => session.host.allFindings(),
        index: session.host.workspace.index,
        knowledge: session.host.workspace.knowledge,
        ruleMeta: (id) => session.host.ruleMeta(id),
        link: (path, line) => session.link(path, line),
      });
      const pos = lines.pos(offset);
      const extra: string[] = [];
      for (const ext of extensions) {
        if (!ext.hover) continue;
        const md = session.callExt(ext, 'hover', () => ext.hover!(od.uri, offset, { path: od.path, text: od.doc.text, position: { line: pos.line, character: pos.character } }));
        if (typeof md === 'string' && md.trim() !== '') extra.push(md);
      }
      if (!h && extra.length === 0) return null;
      const value = [h?.markdown, ...extra].filter(Boolean).join('\n\n---\n\n');
      const hover: Hover = { contents: { kind: session.client.hoverMarkdown ? 'markdown' : 'plaintext', value } };
      if (h) hover.range = session.codec.range(lines.span(h.start, h.end), lines);
      return hover;
    }),
  );

  function actionEnv(): ActionEnv {
    return {
      codec: session.codec,
      client: session.client,
      target: (path) => {
        const od = session.docs.byFilePath(path);
        if (od) return { uri: od.uri, version: od.doc.version, lines: od.doc.lines };
        return { uri: pathToUri(path), version: null, lines: session.codec.encoding === 'utf-16' ? undefined : session.linesFor(path) };
      },
      diagnosticFor: (f) => session.diagnosticFor(f),
    };
  }

  connection.onCodeAction(
    request('textDocument/codeAction', [] as CodeAction[], (p): CodeAction[] => {
      const od = session.docs.get(p.textDocument.uri);
      if (!od) return [];
      session.ensureCurrent(od);
      const lines = od.doc.lines;
      const all = session.host.findings(od.path) ?? [];
      const start = session.codec.offset(lines, p.range.start);
      const end = session.codec.offset(lines, p.range.end);
      const given = Array.isArray(p.context?.diagnostics) ? p.context.diagnostics : [];
      let picked = all.filter((f) => f.span.start.offset <= end && start <= f.span.end.offset);
      if (given.length > 0) {
        const ours = given.filter((d) => d?.source === STATIC_SOURCE);
        picked = all.filter((f) =>
          ours.some((d) =>
            isFindingRef(d.data)
              ? d.data.rule === f.rule && d.data.start === f.span.start.offset && d.data.end === f.span.end.offset
              : d.code === f.rule && session.codec.offset(lines, d.range.start) === f.span.start.offset && session.codec.offset(lines, d.range.end) === f.span.end.offset,
          ),
        );
      }
      const only = Array.isArray(p.context?.only) ? p.context.only : undefined;
      const req = { uri: od.uri, path: od.path, version: od.doc.version, lines, findings: picked, only, lazySilence: session.client.codeActionResolveEdit };
      const env = actionEnv();
      const actions = codeActions(req, env);
      const fixAll = fixAllAction(req, all, env);
      if (fixAll) actions.push(fixAll);
      return actions;
    }),
  );

  connection.onCodeActionResolve(
    request('codeAction/resolve', null as unknown as CodeAction, (action: CodeAction): CodeAction => {
      const data = action?.data;
      if (!isSilenceData(data) || action.edit) return action;
      const od = session.docs.get(data.uri);
      if (!od || od.doc.version !== data.version) return action;
      const edit = workspaceEdit([{ path: od.path, edit: silenceEdit(od.doc.lines, data.line, data.rule) }], actionEnv());
      return edit ? { ...action, edit } : action;
    }),
  );

  connection.onExecuteCommand(
    request('workspace/executeCommand', null as unknown, (p) => executeCommand(session, indexer, version, p.command, Array.isArray(p.arguments) ? p.arguments : [])),
  );

  if (codeLensExtensions.length > 0) {
    connection.onCodeLens(
      request('textDocument/codeLens', [] as CodeLens[], (p): CodeLens[] => {
        const uri = p.textDocument.uri;
        const od = session.docs.get(uri);
        const path = od?.path ?? uriToPath(uri);
        const lines = session.codec.encoding === 'utf-16' ? undefined : session.linesFor(path);
        const lenses: CodeLens[] = [];
        for (const ext of codeLensExtensions) {
          for (const l of session.callExt(ext, 'codeLenses', () => ext.codeLenses!(uri)) ?? []) {
            lenses.push({ range: session.codec.lineColRange(l.range, lines), command: { title: l.title, command: l.command ?? '', arguments: l.arguments } });
          }
        }
        return lenses;
      }),
    );
  }

  // The diagnostic requests type their errors with retrigger data; a plain RequestCancelled fits.
  type DocDiagHandler = Parameters<Connection['languages']['diagnostics']['on']>[0];
  type WsDiagHandler = Parameters<Connection['languages']['diagnostics']['onWorkspace']>[0];
  connection.languages.diagnostics.on(
    request('textDocument/diagnostic', { kind: 'full', items: [] } as const, (p: { textDocument: { uri: string } }) => documentReport(session, p.textDocument.uri)) as DocDiagHandler,
  );
  connection.languages.diagnostics.onWorkspace(
    request('workspace/diagnostic', { items: [] }, (_p: unknown, token) => workspaceReport(session, token) ?? cancelled()) as WsDiagHandler,
  );

  connection.onDidChangeWatchedFiles(
    notification('workspace/didChangeWatchedFiles', (p) => {
      const events = Array.isArray(p?.changes) ? p.changes : [];
      if (applyFileEvents(session, events)) void loadSettings(session.pushedSettings).then(() => indexer.start());
    }),
  );

  connection.onDidChangeConfiguration(
    notification('workspace/didChangeConfiguration', (p) => {
      const pushed = (p?.settings as { awaitlens?: unknown } | undefined)?.awaitlens;
      void loadSettings(session.client.configuration ? undefined : pushed).then(() => indexer.start());
    }),
  );

  connection.onShutdown(() => {
    session.shuttingDown = true;
    indexer.stop();
    session.scheduler.dispose();
  });

  connection.listen();
  return {
    connection,
    session,
    indexer,
    ready,
    exited,
    dispose: () => finish(1),
  };
}
