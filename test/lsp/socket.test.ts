import { createServer as netServer, type Socket } from 'node:net';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createMessageConnection, SocketMessageReader, SocketMessageWriter } from 'vscode-jsonrpc/node.js';
import { main, parseLspArgs } from '../../server/lsp/main.js';
import { workspace } from './harness.js';

describe('awaitlens lsp --socket', () => {
  it('connects to the client listening on 127.0.0.1:PORT, serves it, and exits 0 after shutdown', async () => {
    const root = workspace({ 'src/b.rs': 'async fn x() {}\nasync fn run() {\n    x();\n}\n' });
    const accepted = new Promise<Socket>((resolve) => {
      const srv = netServer((sock) => {
        srv.close();
        resolve(sock);
      });
      srv.listen(0, '127.0.0.1', () => {
        const port = (srv.address() as { port: number }).port;
        exitCode = main(['--socket', String(port)]);
      });
    });
    let exitCode!: Promise<number>;
    const sock = await accepted;
    const conn = createMessageConnection(new SocketMessageReader(sock), new SocketMessageWriter(sock));
    const published = new Promise<any>((resolve) => conn.onNotification('textDocument/publishDiagnostics', resolve));
    conn.onRequest(() => null);
    conn.listen();
    const init: any = await conn.sendRequest('initialize', { processId: process.pid, rootUri: pathToFileURL(root).href, capabilities: {} });
    expect(init.capabilities.hoverProvider).toBe(true);
    await conn.sendNotification('initialized', {});
    const p = await published;
    expect(p.diagnostics.map((d: any) => [d.code, d.range.start.line])).toEqual([['unawaited-future', 2]]);
    await conn.sendRequest('shutdown');
    await conn.sendNotification('exit');
    expect(await exitCode).toBe(0);
    conn.dispose();
  });

  it('parses its arguments', () => {
    expect(parseLspArgs([])).toEqual({ kind: 'stdio' });
    expect(parseLspArgs(['--stdio'])).toEqual({ kind: 'stdio' });
    expect(parseLspArgs(['--socket=9000'])).toEqual({ kind: 'socket', port: 9000 });
    expect(parseLspArgs(['--listen', '0'])).toEqual({ kind: 'listen', port: 0 });
    expect(parseLspArgs(['--socket'])).toEqual({ kind: 'error', message: "--socket needs a port number (0-65535), got ''" });
    expect(parseLspArgs(['--frobnicate'])).toEqual({ kind: 'error', message: "unknown option '--frobnicate'" });
  });
});
