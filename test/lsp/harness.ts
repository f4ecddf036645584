// An in-process LSP client over real JSON-RPC framing (two PassThrough streams) for the server
// tests, recording everything the server sends.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node.js';
import type { ClientCapabilities, InitializeResult, PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import { defineRule, type StaticRule } from '../../server/analysis/rule.js';
import { createServer, type AwaitlensServer } from '../../server/lsp/server.js';
import type { LspExtension } from '../../server/lsp/extensions.js';
import unawaitedFuture from '../../rules/unawaited-future/rule.js';

export interface Event {
  method: string;
  params: any;
}

export interface ServerTraffic {
  /** Notifications, progress and requests from the server, in arrival order. */
  events: Event[];
  /** Resolve with the first event (from `from` on) matching `pred`. */
  waitFor(pred: (e: Event) => boolean, from?: number): Promise<Event>;
}

/**
 * Records everything the server sends on `conn` and answers its requests as an editor would:
 * configuration with `settings()` (read at request time, so tests can swap it), showDocument
 * with success. Call before `conn.listen()`.
 */
export function recordServerTraffic(conn: MessageConnection, settings: () => Record<string, unknown>): ServerTraffic {
  const events: Event[] = [];
  const waiters: Array<{ pred: (e: Event) => boolean; from: number; resolve: (e: Event) => void }> = [];
  const record = (method: string, params: any): void => {
    events.push({ method, params });
    const idx = events.length - 1;
    for (const w of [...waiters]) {
      if (idx >= w.from && w.pred(events[idx]!)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(events[idx]!);
      }
    }
  };
  conn.onNotification((method, params) => record(method, params));
  conn.onUnhandledProgress((params) => record('$/progress', params));
  conn.onRequest((method, params) => {
    record(method, params);
    if (method === 'workspace/configuration') return (params as { items: unknown[] }).items.map(() => settings());
    if (method === 'window/showDocument') return { success: true };
    return null;
  });
  return {
    events,
    waitFor(pred, from = 0) {
      for (let i = from; i < events.length; i++) if (pred(events[i]!)) return Promise.resolve(events[i]!);
      return new Promise((resolve) => waiters.push({ pred, from, resolve }));
    },
  };
}

export function workspace(files: Record<string, string | Buffer>): string {
  const root = mkdtempSync(join(tmpdir(), 'awaitlens-lsp-'));
  for (const [rel, text] of Object.entries(files)) {
    const p = join(root, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
  return root;
}

export const uriOf = (root: string, rel: string) => pathToFileURL(join(root, rel)).href;

const docs = { whatItFinds: 'x', whyBad: 'x', example: 'x', useInstead: 'x' };

/** Reports each call of `lock_order()` with a related location at the fn's definition (any file). */
export const relatedRule: StaticRule = defineRule({
  meta: { id: 'test-related', kind: 'static', category: 'suspicious', defaultSeverity: 'error', fixable: false, summary: 'Test rule with related locations.', docs },
  nodeTypes: ['call_expression'],
  check(ctx) {
    for (const call of ctx.syntax.nodes('call_expression')) {
      if (ctx.resolver.calleePath(call) !== 'lock_order') continue;
      const defs = ctx.index.fnsNamed('lock_order');
      ctx.report({
        node: call,
        message: '`lock_order()` is called here.',
        related: defs.map(({ fn, file }) => ({ span: fn.nameSpan, file, message: '`lock_order` is defined here' })),
      });
    }
  },
});

export const throwingRule: StaticRule = defineRule({
  meta: { id: 'test-throws', kind: 'static', category: 'suspicious', defaultSeverity: 'warning', fixable: false, summary: 'Always throws.', docs },
  nodeTypes: [],
  check() {
    throw new Error('boom');
  },
});

export const TEST_RULES = [unawaitedFuture, relatedRule];

export const FULL_CAPS: ClientCapabilities = {
  general: { positionEncodings: ['utf-16'] },
  window: { workDoneProgress: true, showDocument: { support: true } },
  workspace: {
    configuration: true,
    didChangeWatchedFiles: { dynamicRegistration: true },
    didChangeConfiguration: { dynamicRegistration: true },
    workspaceEdit: { documentChanges: true },
    workspaceFolders: true,
    diagnostics: { refreshSupport: true },
    codeLens: { refreshSupport: true },
  },
  textDocument: {
    publishDiagnostics: { relatedInformation: true, versionSupport: true, codeDescriptionSupport: true, dataSupport: true },
    hover: { contentFormat: ['markdown', 'plaintext'] },
    codeAction: {
      codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'source'] } },
      resolveSupport: { properties: ['edit'] },
      dataSupport: true,
    },
    synchronization: { didSave: false },
  },
};

export interface Client {
  conn: MessageConnection;
  server: AwaitlensServer;
  init: InitializeResult;
  events: Event[];
  settings: Record<string, unknown>;
  /** Resolve with the first event (from `from` on) matching `pred`. */
  waitFor(pred: (e: Event) => boolean, from?: number): Promise<Event>;
  publishes(uri: string): PublishDiagnosticsParams[];
  waitForPublish(uri: string, pred?: (p: PublishDiagnosticsParams) => boolean, from?: number): Promise<PublishDiagnosticsParams>;
  open(rel: string, text: string, version?: number): Promise<void>;
  request<R = any>(method: string, params: unknown): Promise<R>;
  notify(method: string, params: unknown): Promise<void>;
  /** Everything sent before this resolves has been processed by the server. */
  sync(): Promise<void>;
  close(): Promise<void>;
  root: string;
}

export async function startClient(opts: {
  root: string;
  capabilities?: ClientCapabilities;
  rules?: readonly StaticRule[];
  extensions?: LspExtension[];
  settings?: Record<string, unknown>;
  initialize?: Record<string, unknown>;
  waitIndexed?: boolean;
}): Promise<Client> {
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  const server = createServer(new StreamMessageReader(toServer), new StreamMessageWriter(toClient), { rules: opts.rules ?? TEST_RULES, extensions: opts.extensions });
  const conn = createMessageConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
  const settings = opts.settings ?? {};
  const { events, waitFor } = recordServerTraffic(conn, () => client.settings);
  conn.listen();
  const caps = opts.capabilities ?? FULL_CAPS;
  const init = (await conn.sendRequest('initialize', {
    processId: process.pid,
    rootUri: pathToFileURL(opts.root).href,
    workspaceFolders: [{ uri: pathToFileURL(opts.root).href, name: 'ws' }],
    capabilities: caps,
    ...opts.initialize,
  })) as InitializeResult;
  const client: Client = {
    conn,
    server,
    init,
    events,
    settings,
    root: opts.root,
    waitFor,
    publishes(uri) {
      return events.filter((e) => e.method === 'textDocument/publishDiagnostics' && e.params.uri === uri).map((e) => e.params);
    },
    async waitForPublish(uri, pred = () => true, from = 0) {
      const e = await client.waitFor((e) => e.method === 'textDocument/publishDiagnostics' && e.params.uri === uri && pred(e.params), from);
      return e.params;
    },
    async open(rel, text, version = 1) {
      await conn.sendNotification('textDocument/didOpen', { textDocument: { uri: uriOf(opts.root, rel), languageId: 'rust', version, text } });
    },
    request: (method, params) => conn.sendRequest(method, params),
    notify: (method, params) => conn.sendNotification(method, params),
    async sync() {
      await conn.sendRequest('textDocument/hover', { textDocument: { uri: 'file:///nonexistent/sync.rs' }, position: { line: 0, character: 0 } });
    },
    async close() {
      server.dispose();
      conn.dispose();
    },
  };
  await conn.sendNotification('initialized', {});
  if (opts.waitIndexed !== false) await waitIndexed(client);
  return client;
}

/** Wait until the current indexing run finished (in-process handle; progress is tested separately). */
export async function waitIndexed(c: Client): Promise<void> {
  await c.server.ready;
  await c.server.indexer.idle;
  await c.sync();
}
