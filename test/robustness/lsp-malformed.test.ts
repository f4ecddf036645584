// The language server against a careless or broken client: malformed params, out-of-order
// document notifications, bad ranges, unknown methods and garbage on the wire. Each costs at most
// its own answer; the server keeps serving and does not exit until the stream ends.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, test } from 'vitest';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node.js';
import { createServer } from '../../server/lsp/server.js';
import { startClient, uriOf, workspace, type Client } from '../lsp/harness.js';

const BUG = 'async fn g() {}\nasync fn f() {\n    g();\n}\n';
const BUG_RANGE = { start: { line: 2, character: 4 }, end: { line: 2, character: 7 } };

let client: Client | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
});

async function start(): Promise<{ c: Client; uri: string; exitedEarly: () => boolean }> {
  const c = await startClient({ root: workspace({ 'src/lib.rs': BUG }) });
  client = c;
  let exited = false;
  void c.server.exited.then(() => (exited = true));
  const uri = uriOf(c.root, 'src/lib.rs');
  return { c, uri, exitedEarly: () => exited };
}

/** The server still answers a real request about a real finding. */
async function stillServing(c: Client, uri: string, version: number): Promise<void> {
  await c.sync();
  const p = await c.waitForPublish(uri, (p) => p.version === version);
  expect(p.diagnostics.map((d: any) => [d.code, d.range])).toEqual([['unawaited-future', BUG_RANGE]]);
  const hover = await c.request('textDocument/hover', { textDocument: { uri }, position: { line: 2, character: 5 } });
  expect(hover?.contents?.value).toContain('unawaited-future');
}

/** A request that must be answered (a result or a JSON-RPC error), never left hanging. */
async function answered(c: Client, method: string, params: unknown): Promise<'result' | 'error'> {
  try {
    await c.request(method, params);
    return 'result';
  } catch (e) {
    expect((e as { code?: unknown }).code).toBeTypeOf('number');
    return 'error';
  }
}

describe('malformed params', () => {
  test('requests with missing, wrong-typed or out-of-range params are answered, nothing breaks', async () => {
    const { c, uri, exitedEarly } = await start();
    await c.open('src/lib.rs', BUG);
    const huge = { line: 2 ** 31, character: 2 ** 31 };
    const neg = { line: -1, character: -5 };
    const bad: Array<[string, unknown]> = [
      ['textDocument/hover', {}],
      ['textDocument/hover', null],
      ['textDocument/hover', { textDocument: { uri: 42 }, position: 'here' }],
      ['textDocument/hover', { textDocument: { uri }, position: neg }],
      ['textDocument/hover', { textDocument: { uri }, position: huge }],
      ['textDocument/hover', { textDocument: { uri }, position: { line: 1.5, character: NaN } }],
      ['textDocument/hover', { textDocument: { uri: 'not a uri' }, position: { line: 0, character: 0 } }],
      ['textDocument/codeAction', { textDocument: { uri }, range: { start: { line: 3, character: 0 }, end: { line: 1, character: 0 } }, context: { diagnostics: [] } }],
      ['textDocument/codeAction', { textDocument: { uri }, range: { start: huge, end: neg }, context: {} }],
      ['textDocument/codeAction', { textDocument: { uri }, range: BUG_RANGE, context: { diagnostics: [{ range: BUG_RANGE, message: 'x', source: 'awaitlens', code: 'unawaited-future', data: { rule: 'unawaited-future', start: -4, end: 1e12 } }] } }],
      ['textDocument/codeAction', { textDocument: { uri }, range: BUG_RANGE, context: { diagnostics: 'nope', only: 7 } }],
      ['textDocument/codeAction', { textDocument: { uri } }],
      ['codeAction/resolve', { title: 'x', data: { uri, what: 'nonsense' } }],
      ['codeAction/resolve', {}],
      ['textDocument/diagnostic', { textDocument: {} }],
      ['workspace/diagnostic', { previousResultIds: 'x' }],
      ['textDocument/codeLens', { textDocument: { uri: null } }],
      ['workspace/executeCommand', { command: 'awaitlens.openDocs', arguments: [] }],
      ['workspace/executeCommand', { command: 'awaitlens.openDocs', arguments: [{ evil: true }] }],
      ['workspace/executeCommand', { command: 'awaitlens.openDocs', arguments: ['javascript:alert(1)'] }],
      ['workspace/executeCommand', { command: 'awaitlens.status', arguments: 'not an array' }],
      ['workspace/executeCommand', { command: 'no.such.command' }],
      ['workspace/executeCommand', {}],
      ['textDocument/definition', { textDocument: { uri }, position: { line: 0, character: 0 } }],
      ['awaitlens/noSuchRequest', { x: 1 }],
    ];
    for (const [method, params] of bad) expect(await answered(c, method, params), method).toMatch(/result|error/);
    for (const [method, params] of [
      ['textDocument/didSave', { textDocument: {} }],
      ['workspace/didChangeConfiguration', { settings: 'garbage' }],
      ['workspace/didChangeWatchedFiles', { changes: [{ uri: 'file:///nowhere/x.rs', type: 99 }, { uri: 5 }] }],
      ['workspace/didChangeWorkspaceFolders', { event: { added: [{ uri: 'nope' }], removed: null } }],
      ['$/cancelRequest', { id: 'never-sent' }],
      ['$/setTrace', { value: 42 }],
      ['awaitlens/noSuchNotification', [1, 2, 3]],
    ] as const)
      await c.notify(method, params);
    await c.notify('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: BUG }] });
    await stillServing(c, uri, 2);
    expect(exitedEarly()).toBe(false);
  });
});

describe('document notifications out of order', () => {
  test('didChange/didClose of unknown documents, didOpen twice, versions going backwards', async () => {
    const { c, uri, exitedEarly } = await start();
    const other = uriOf(c.root, 'src/other.rs');
    await c.notify('textDocument/didChange', { textDocument: { uri: other, version: 3 }, contentChanges: [{ range: BUG_RANGE, text: 'x' }] });
    await c.notify('textDocument/didClose', { textDocument: { uri: other } });
    await c.notify('textDocument/didChange', { textDocument: { uri }, contentChanges: null });
    await c.notify('textDocument/didOpen', { textDocument: { uri } });
    await c.open('src/lib.rs', BUG, 5);
    await c.open('src/lib.rs', 'fn clean() {}\n', 6);
    await c.notify('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: BUG }] });
    await c.notify('textDocument/didChange', { textDocument: { uri, version: 7 }, contentChanges: [{ text: BUG }] });
    await stillServing(c, uri, 7);
    expect(exitedEarly()).toBe(false);
  });

  test('a change range beyond the end or reversed is clamped; the text stays usable', async () => {
    const { c, uri, exitedEarly } = await start();
    await c.open('src/lib.rs', '', 1);
    const end = { line: 999, character: 999 };
    await c.notify('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ range: { start: end, end }, text: BUG }] });
    await c.notify('textDocument/didChange', {
      textDocument: { uri, version: 3 },
      contentChanges: [{ range: { start: { line: 3, character: 0 }, end: { line: 1, character: 0 } }, text: '' }, { range: { start: { line: -3, character: -1 }, end: { line: -1, character: 0 } }, text: '' }],
    });
    await c.notify('textDocument/didChange', { textDocument: { uri, version: 4 }, contentChanges: [{ text: BUG }] });
    await stillServing(c, uri, 4);
    expect(exitedEarly()).toBe(false);
  });

  test('delete everything, then insert lone surrogates: analysed, no crash', async () => {
    const { c, uri, exitedEarly } = await start();
    await c.open('src/lib.rs', BUG, 1);
    await c.notify('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ range: { start: { line: 0, character: 0 }, end: { line: 4, character: 0 } }, text: '' }] });
    await c.notify('textDocument/didChange', { textDocument: { uri, version: 3 }, contentChanges: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '\ud800 async fn g() {} \udc00\nasync fn f() {\n    g();\n}\n' }] });
    const p = await c.waitForPublish(uri, (p) => p.version === 3);
    expect(p.diagnostics.map((d: any) => [d.code, d.range])).toEqual([['unawaited-future', BUG_RANGE]]);
    await c.notify('textDocument/didChange', { textDocument: { uri, version: 4 }, contentChanges: [{ text: BUG }] });
    await stillServing(c, uri, 4);
    expect(exitedEarly()).toBe(false);
  });
});

describe('files the editor reports', () => {
  // Reading a FIFO blocks the whole process until a writer comes: before read-source.ts checked
  // the file type, this event hung the server.
  test('a FIFO named x.rs created in the workspace is skipped, the server keeps serving', async () => {
    const { c, uri, exitedEarly } = await start();
    execFileSync('mkfifo', [join(c.root, 'src/pipe.rs')]);
    await c.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(c.root, 'src/pipe.rs'), type: 1 }] });
    await c.open('src/lib.rs', BUG, 3);
    await stillServing(c, uri, 3);
    expect(exitedEarly()).toBe(false);
  });
});

describe('the wire', () => {
  function rawServer() {
    const toServer = new PassThrough();
    const toClient = new PassThrough();
    const server = createServer(new StreamMessageReader(toServer), new StreamMessageWriter(toClient), {});
    const conn = createMessageConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
    const logs: string[] = [];
    conn.onNotification('window/logMessage', (p: { message: string }) => void logs.push(p.message));
    conn.onRequest(() => null);
    conn.listen();
    return { toServer, server, conn, logs };
  }
  const frame = (body: string) => `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

  test('garbage frames (bad header, invalid JSON, not a message) do not stop the server', async () => {
    const { toServer, server, conn } = rawServer();
    let exited = false;
    void server.exited.then(() => (exited = true));
    const root = workspace({ 'a.rs': BUG });
    await conn.sendRequest('initialize', { processId: null, rootUri: pathToFileURL(root).href, capabilities: {} });
    toServer.write('Content-Length: banana\r\n\r\n');
    toServer.write('X-Nothing: 1\r\n\r\n');
    toServer.write(frame('{"jsonrpc":"2.0","id":'));
    toServer.write(frame('[1,2,3]'));
    toServer.write(frame('"just a string"'));
    toServer.write(frame('{"jsonrpc":"2.0","id":{"no":"way"},"method":"textDocument/hover","params":{}}'));
    toServer.write(frame('{"jsonrpc":"2.0","method":42}'));
    const uri = pathToFileURL(`${root}/a.rs`).href;
    await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'rust', version: 1, text: BUG } });
    const hover = (await conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 2, character: 5 } })) as { contents: { value: string } } | null;
    expect(hover?.contents.value).toContain('unawaited-future');
    expect(exited).toBe(false);
    server.dispose();
    conn.dispose();
  });

  test('a client that goes away mid-frame: exited resolves (code 1, no shutdown)', async () => {
    const { toServer, server, conn } = rawServer();
    await conn.sendRequest('initialize', { processId: null, rootUri: null, capabilities: {} });
    toServer.write('Content-Length: 500\r\n\r\n{"jsonrpc":"2.0","id":9,"meth');
    toServer.end();
    expect(await server.exited).toBe(1);
    conn.dispose();
  });
});
