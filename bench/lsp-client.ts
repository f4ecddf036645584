// A minimal in-process LSP client for the benchmarks: the real server behind real JSON-RPC
// framing over two PassThrough streams, so serialisation and dispatch are part of what is timed.
// It keeps no event log (10,000 edits would make the client's memory part of the measurement),
// only waiters keyed by what the benchmark is waiting for.
import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node.js';
import type { ClientCapabilities, PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import { createServer, type AwaitlensServer } from '../server/lsp/server.js';

const CAPS: ClientCapabilities = {
  general: { positionEncodings: ['utf-16'] },
  window: { workDoneProgress: true },
  textDocument: { publishDiagnostics: { relatedInformation: true, versionSupport: true, codeDescriptionSupport: true, dataSupport: true } },
};

export interface BenchClient {
  conn: MessageConnection;
  server: AwaitlensServer;
  /** Resolves with the next publish for `uri` whose version is `version`. */
  published(uri: string, version: number): Promise<PublishDiagnosticsParams>;
  /** Resolves when a work-done progress the server created ends. */
  progressEnded(): Promise<void>;
  close(): void;
}

export async function startBenchClient(root: string | undefined): Promise<BenchClient> {
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  const server = createServer(new StreamMessageReader(toServer), new StreamMessageWriter(toClient));
  const conn = createMessageConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
  const publishWaiters = new Map<string, (p: PublishDiagnosticsParams) => void>();
  const endWaiters: Array<() => void> = [];
  conn.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
    const key = `${p.uri}\0${p.version}`;
    const w = publishWaiters.get(key);
    if (w) {
      publishWaiters.delete(key);
      w(p);
    }
  });
  conn.onUnhandledProgress((p) => {
    if ((p.value as { kind?: string } | undefined)?.kind === 'end') for (const w of endWaiters.splice(0)) w();
  });
  conn.onRequest((_method: string) => null);
  conn.listen();
  const rootUri = root ? pathToFileURL(root).href : null;
  await conn.sendRequest('initialize', {
    processId: null,
    rootUri,
    workspaceFolders: rootUri ? [{ uri: rootUri, name: 'bench' }] : null,
    capabilities: CAPS,
  });
  await conn.sendNotification('initialized', {});
  return {
    conn,
    server,
    published: (uri, version) => new Promise((resolve) => publishWaiters.set(`${uri}\0${version}`, resolve)),
    progressEnded: () => new Promise((resolve) => endWaiters.push(resolve)),
    close: () => {
      server.dispose();
      conn.dispose();
    },
  };
}

