// An in-process client for the live side: like test/lsp/harness.ts, but the live extension is
// bound to the server before `initialize` (as `awaitlens lsp` does), and the workspace is a
// scratch copy of the fixtures' scenario-app.
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node.js';
import type { ClientCapabilities, PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import { createServer, type AwaitlensServer } from '../../server/lsp/server.js';
import { LiveLspExtension, type LiveExtensionOptions } from '../../server/live/lsp/index.js';
import { FULL_CAPS, recordServerTraffic, TEST_RULES, type Event } from '../lsp/harness.js';

export const repoRoot = resolve(fileURLToPath(import.meta.url), '../../..');
export const fixturesDir = resolve(repoRoot, '../shared/fixtures/console');
export const fixture = (name: string): string => resolve(fixturesDir, name);

/** A scratch copy of scenario-app (Cargo.toml + src/main.rs): the crate the captures reference. */
export function scenarioWorkspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'awaitlens-live-lsp-'));
  cpSync(join(fixturesDir, 'scenario-app'), dir, { recursive: true, filter: (s) => !s.includes('/target') });
  return dir;
}

export interface LiveClient {
  conn: MessageConnection;
  server: AwaitlensServer;
  ext: LiveLspExtension;
  events: Event[];
  settings: Record<string, unknown>;
  root: string;
  waitFor(pred: (e: Event) => boolean, from?: number): Promise<Event>;
  waitForPublish(uri: string, pred?: (p: PublishDiagnosticsParams) => boolean, from?: number): Promise<PublishDiagnosticsParams>;
  statuses(): Array<{ state: string; address: string; reason?: string }>;
  waitForStatus(state: string, from?: number): Promise<Event>;
  open(rel: string, text: string): Promise<void>;
  request<R = any>(method: string, params: unknown): Promise<R>;
  notify(method: string, params: unknown): Promise<void>;
  close(): Promise<void>;
}

export async function startLiveClient(opts: { root: string; settings: Record<string, unknown>; capabilities?: ClientCapabilities; ext?: LiveExtensionOptions }): Promise<LiveClient> {
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  const ext = new LiveLspExtension(opts.ext);
  const server = createServer(new StreamMessageReader(toServer), new StreamMessageWriter(toClient), { rules: TEST_RULES, extensions: [ext] });
  const conn = createMessageConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
  const { events, waitFor } = recordServerTraffic(conn, () => client.settings);
  const client: LiveClient = {
    conn,
    server,
    ext,
    events,
    settings: opts.settings,
    root: opts.root,
    waitFor,
    async waitForPublish(uri, pred = () => true, from = 0) {
      return (await client.waitFor((e) => e.method === 'textDocument/publishDiagnostics' && e.params.uri === uri && pred(e.params), from)).params;
    },
    statuses: () => events.filter((e) => e.method === 'awaitlens/status').map((e) => e.params),
    waitForStatus: (state, from = 0) => client.waitFor((e) => e.method === 'awaitlens/status' && e.params.state === state, from),
    async open(rel, text) {
      await conn.sendNotification('textDocument/didOpen', { textDocument: { uri: pathToFileURL(join(opts.root, rel)).href, languageId: 'rust', version: 1, text } });
    },
    request: (m, p) => conn.sendRequest(m, p),
    notify: (m, p) => conn.sendNotification(m, p),
    async close() {
      server.dispose();
      conn.dispose();
    },
  };
  conn.listen();
  await conn.sendRequest('initialize', {
    processId: process.pid,
    rootUri: pathToFileURL(opts.root).href,
    workspaceFolders: [{ uri: pathToFileURL(opts.root).href, name: 'ws' }],
    capabilities: opts.capabilities ?? FULL_CAPS,
  });
  await conn.sendNotification('initialized', {});
  await server.ready;
  await server.indexer.idle;
  return client;
}
