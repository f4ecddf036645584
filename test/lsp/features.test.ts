import { afterEach, describe, expect, it } from 'vitest';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { LspExtension, ExtensionHost } from '../../server/lsp/extensions.js';
import { FULL_CAPS, startClient, uriOf, workspace, type Client } from './harness.js';

const A = 'pub async fn notify_all() {}\n';
const B = 'async fn run() {\n    notify_all();\n}\n';
const IO = [
  'use tokio::io::AsyncReadExt;',
  'use tokio::net::TcpStream;',
  'async fn read_all(mut s: TcpStream, buf: &mut [u8]) {',
  '    s.read_exact(buf).await;',
  '    s.read(buf).await;',
  '    notify_all().await;',
  '    mystery().await;',
  '}',
  '',
].join('\n');
const HREF = 'https://github.com/awaitlens/awaitlens/blob/main/rules/unawaited-future/README.md';
const at = (line: number, character: number) => ({ line, character });
const NO_RESOLVE = { ...FULL_CAPS, textDocument: { ...FULL_CAPS.textDocument, codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix'] } } } } };

let c: Client | undefined;
afterEach(async () => {
  await c?.close();
  c = undefined;
});

async function openB(root: string) {
  const uri = uriOf(root, 'src/b.rs');
  await c!.open('src/b.rs', B, 1);
  const p = await c!.waitForPublish(uri, (p) => p.version === 1);
  return { uri, diag: p.diagnostics[0]! };
}

function apply(text: string, edits: any[]): string {
  return TextDocument.applyEdits(TextDocument.create('file:///x', 'rust', 0, text), edits);
}

describe('hover', () => {
  it('explains the rule on a diagnostic range', async () => {
    const root = workspace({ 'src/a.rs': A });
    c = await startClient({ root });
    const { uri } = await openB(root);
    const h = await c.request('textDocument/hover', { textDocument: { uri }, position: at(1, 8) });
    expect(h.range).toEqual({ start: at(1, 4), end: at(1, 16) });
    expect(h.contents.kind).toBe('markdown');
    const v: string = h.contents.value;
    expect(v.startsWith('**awaitlens: `unawaited-future`** — A future is created and dropped without being awaited, so its work never happens.\n\n**At runtime:** Futures are lazy:')).toBe(true);
    expect(v).toContain('**Fix:** Add `.await` (quick fix available).\n\n```rust\nasync fn handle(conn: &mut Conn) {\n    flush(conn).await;\n}\n```');
    expect(v.endsWith(`[Documentation for unawaited-future](${HREF})`)).toBe(true);
    expect(await c.request('textDocument/hover', { textDocument: { uri }, position: at(0, 1) })).toBeNull();
  });

  it('tells what an .await awaits: known API with cancel safety, workspace fn, unknown', async () => {
    const root = workspace({ 'src/a.rs': A });
    c = await startClient({ root });
    const uri = uriOf(root, 'src/io.rs');
    await c.open('src/io.rs', IO, 1);
    await c.waitForPublish(uri);
    const hover = (line: number, character: number) => c!.request('textDocument/hover', { textDocument: { uri }, position: at(line, character) });
    const h1 = await hover(3, 23);
    expect(h1).toEqual({
      contents: { kind: 'markdown', value: '**Awaits** `tokio::io::AsyncReadExt::read_exact` (known API)\n\nCancel safe: **no** — if this future is dropped before it completes, bytes already read into the buffer are lost' },
      range: { start: at(3, 21), end: at(3, 27) },
    });
    expect((await hover(4, 16)).contents.value).toBe('**Awaits** `tokio::io::AsyncReadExt::read` (known API)\n\nCancel safe: yes');
    expect((await hover(5, 18)).contents.value).toBe(
      `**Awaits** a workspace future:\n\n- \`async fn notify_all\` at [src/a.rs:1](${uriOf(root, 'src/a.rs')}#L1)`,
    );
    expect((await hover(6, 15)).contents.value).toBe('**Awaits** an unknown future: awaitlens cannot tell what it is or whether it is cancel safe.');
  });

  it('lists the callers that drop an async fn without .await', async () => {
    const root = workspace({ 'src/a.rs': A, 'src/b.rs': B, 'src/c.rs': 'fn f() {\n    notify_all();\n}\n' });
    c = await startClient({ root });
    const uri = uriOf(root, 'src/a.rs');
    await c.open('src/a.rs', A, 1);
    await c.sync();
    const h = await c.request('textDocument/hover', { textDocument: { uri }, position: at(0, 15) });
    expect(h).toEqual({
      contents: {
        kind: 'markdown',
        value: `**Called without \`.await\`** (2 places; the future is dropped and \`notify_all\` never runs):\n\n- [src/b.rs:2](${uriOf(root, 'src/b.rs')}#L2)\n- [src/c.rs:2](${uriOf(root, 'src/c.rs')}#L2)`,
      },
      range: { start: at(0, 13), end: at(0, 23) },
    });
  });
});

describe('code actions', () => {
  it('offers the fix, silence and docs; the fix applied makes the diagnostic go away', async () => {
    const root = workspace({ 'src/a.rs': A });
    c = await startClient({ root });
    const { uri, diag } = await openB(root);
    const actions = await c.request('textDocument/codeAction', { textDocument: { uri }, range: diag.range, context: { diagnostics: [diag] } });
    expect(actions).toEqual([
      { title: 'Add `.await`', kind: 'quickfix', diagnostics: [diag], isPreferred: true, edit: { documentChanges: [{ textDocument: { uri, version: 1 }, edits: [{ range: { start: at(1, 16), end: at(1, 16) }, newText: '.await' }] }] } },
      { title: 'Silence unawaited-future on this line', kind: 'quickfix', diagnostics: [diag], data: { kind: 'awaitlens.silence', uri, version: 1, rule: 'unawaited-future', line: 1 } },
      { title: 'Open documentation for unawaited-future', kind: 'quickfix', diagnostics: [diag], command: { title: 'Open documentation for unawaited-future', command: 'awaitlens.openDocs', arguments: [HREF] } },
    ]);
    const fixed = apply(B, actions[0].edit.documentChanges[0].edits);
    expect(fixed).toBe('async fn run() {\n    notify_all().await;\n}\n');
    await c.notify('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: fixed }] });
    expect((await c.waitForPublish(uri, (p) => p.version === 2)).diagnostics).toEqual([]);

    // Resolve fills in the silence edit.
    await c.notify('textDocument/didChange', { textDocument: { uri, version: 3 }, contentChanges: [{ text: B }] });
    const p3 = await c.waitForPublish(uri, (p) => p.version === 3);
    const [, silence] = await c.request('textDocument/codeAction', { textDocument: { uri }, range: p3.diagnostics[0]!.range, context: { diagnostics: [] } });
    const resolved = await c.request('codeAction/resolve', silence);
    expect(resolved.edit).toEqual({ documentChanges: [{ textDocument: { uri, version: 3 }, edits: [{ range: { start: at(1, 0), end: at(1, 0) }, newText: '    // awaitlens: allow(unawaited-future)\n' }] }] });
    const silenced = apply(B, resolved.edit.documentChanges[0].edits);
    await c.notify('textDocument/didChange', { textDocument: { uri, version: 4 }, contentChanges: [{ text: silenced }] });
    expect((await c.waitForPublish(uri, (p) => p.version === 4)).diagnostics).toEqual([]);
  });

  it('computes the silence edit eagerly (and uses `changes`) for clients without resolve or documentChanges', async () => {
    const root = workspace({ 'src/a.rs': A });
    c = await startClient({ root, capabilities: { ...NO_RESOLVE, workspace: { ...NO_RESOLVE.workspace, workspaceEdit: {} } } });
    const { uri, diag } = await openB(root);
    const actions = await c.request('textDocument/codeAction', { textDocument: { uri }, range: diag.range, context: { diagnostics: [diag] } });
    expect(actions[1]).toEqual({
      title: 'Silence unawaited-future on this line',
      kind: 'quickfix',
      diagnostics: [diag],
      edit: { changes: { [uri]: [{ range: { start: at(1, 0), end: at(1, 0) }, newText: '    // awaitlens: allow(unawaited-future)\n' }] } },
    });
    expect(actions[0].edit).toEqual({ changes: { [uri]: [{ range: { start: at(1, 16), end: at(1, 16) }, newText: '.await' }] } });
  });

  it('honours context.only and context.diagnostics, and offers fix-all as a source action', async () => {
    const root = workspace({ 'src/a.rs': A });
    c = await startClient({ root });
    const { uri, diag } = await openB(root);
    const ask = (only: string[] | undefined, diagnostics: unknown[] = []) =>
      c!.request('textDocument/codeAction', { textDocument: { uri }, range: diag.range, context: { diagnostics, only } });
    expect(await ask(['refactor'])).toEqual([]);
    const src = await ask(['source']);
    expect(src).toEqual([{ title: 'Apply all safe awaitlens fixes', kind: 'source.fixAll.awaitlens', edit: { documentChanges: [{ textDocument: { uri, version: 1 }, edits: [{ range: { start: at(1, 16), end: at(1, 16) }, newText: '.await' }] }] } }]);
    // A diagnostic from another tool at the same place: no awaitlens quick fixes for it.
    expect(await ask(undefined, [{ ...diag, source: 'rustc', code: 'unused_must_use', data: undefined }])).toEqual([]);
    expect((await ask(['quickfix'])).map((a: any) => a.title)).toEqual(['Add `.await`', 'Silence unawaited-future on this line', 'Open documentation for unawaited-future']);
  });

  it('opens the docs with window/showDocument, or shows the URL when the client cannot', async () => {
    const root = workspace({});
    c = await startClient({ root });
    await c.request('workspace/executeCommand', { command: 'awaitlens.openDocs', arguments: [HREF] });
    expect(c.events.filter((e) => e.method === 'window/showDocument').map((e) => e.params)).toEqual([{ uri: HREF, external: true }]);
    await c.close();
    c = await startClient({ root, capabilities: { ...FULL_CAPS, window: { workDoneProgress: true } } });
    await c.request('workspace/executeCommand', { command: 'awaitlens.openDocs', arguments: ['unawaited-future'] });
    expect(c.events.filter((e) => e.method === 'window/showMessage').map((e) => e.params)).toEqual([{ type: 3, message: `awaitlens documentation: ${HREF}` }]);
    expect(c.events.some((e) => e.method === 'window/showDocument')).toBe(false);
  });
});

describe('robustness', () => {
  it('answers requests for unknown documents with empty results', async () => {
    c = await startClient({ root: workspace({}) });
    const td = { uri: 'file:///nowhere/x.rs' };
    expect(await c.request('textDocument/hover', { textDocument: td, position: at(0, 0) })).toBeNull();
    expect(await c.request('textDocument/codeAction', { textDocument: td, range: { start: at(0, 0), end: at(0, 0) }, context: { diagnostics: [] } })).toEqual([]);
    await c.notify('textDocument/didChange', { textDocument: { ...td, version: 2 }, contentChanges: [{ text: 'x' }] });
    await c.notify('textDocument/didClose', { textDocument: td });
    await c.sync();
    expect(c.events.filter((e) => e.method === 'window/logMessage')).toEqual([]);
  });

  it('clamps out-of-range positions and survives malformed params', async () => {
    const root = workspace({ 'src/a.rs': A });
    c = await startClient({ root });
    const { uri } = await openB(root);
    // Past the end of the line (and of the file): clamped, not an error.
    const h = await c.request('textDocument/hover', { textDocument: { uri }, position: at(1, 500) });
    expect(h).toBeNull();
    expect(await c.request('textDocument/hover', { textDocument: { uri }, position: at(99, 0) })).toBeNull();
    await c.notify('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ range: { start: at(1, 90), end: at(7, 3) }, text: '\n}\n// tail\n' }] });
    const p = await c.waitForPublish(uri, (p) => p.version === 2);
    expect(p.diagnostics.map((d) => d.range)).toEqual([{ start: at(1, 4), end: at(1, 16) }]);
    expect(await c.request('textDocument/hover', { textDocument: null, position: 'x' })).toBeNull();
    expect(await c.request('textDocument/codeAction', {})).toEqual([]);
    await c.notify('textDocument/didOpen', { textDocument: 42 });
    await c.notify('textDocument/didChange', { textDocument: { uri }, contentChanges: 'nope' });
    const status = await c.request('workspace/executeCommand', { command: 'awaitlens.status', arguments: [] });
    expect(status).toMatchObject({ positionEncoding: 'utf-16', diagnostics: 'push', openDocuments: 1, indexedFiles: 2, indexing: false });
  });

  it('answers a cancelled request with RequestCancelled', async () => {
    const root = workspace({ 'src/a.rs': A });
    c = await startClient({ root });
    const { uri } = await openB(root);
    const { CancellationTokenSource } = await import('vscode-jsonrpc/node.js');
    const cts = new CancellationTokenSource();
    const pending = c.conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: at(1, 8) }, cts.token);
    cts.cancel();
    await expect(pending).rejects.toMatchObject({ code: -32800 });
  });

  it('exits with 0 after shutdown and 1 without', async () => {
    c = await startClient({ root: workspace({}) });
    expect(await c.request('shutdown', null)).toBeNull();
    await c.notify('exit', null);
    expect(await c.server.exited).toBe(0);
    c = await startClient({ root: workspace({}) });
    await c.notify('exit', null);
    expect(await c.server.exited).toBe(1);
  });
});

describe('extensions', () => {
  it('merges live diagnostics, appends hover text, serves code lenses and commands, and can refresh', async () => {
    const root = workspace({ 'src/a.rs': A });
    let host!: ExtensionHost;
    let live = false;
    const seen: string[] = [];
    const ext: LspExtension = {
      name: 'fake-live',
      attach: (h) => (host = h),
      diagnostics: (uri) => (live && uri.endsWith('b.rs') ? [{ range: { start: at(0, 9), end: at(0, 12) }, severity: 'info', message: 'run: polled for 120 ms', code: 'long-poll' }] : []),
      hover: (_uri, offset) => `**Live:** offset ${offset}`,
      codeLenses: () => [{ range: { start: at(0, 0), end: at(0, 3) }, title: '3 tasks running', command: 'awaitlens.live.tasks', arguments: ['run'] }],
      commands: { 'awaitlens.live.tasks': (args) => ({ tasks: 3, args }) },
      onOpen: (uri) => seen.push(`open ${uri.split('/').pop()}`),
      onClose: (uri) => seen.push(`close ${uri.split('/').pop()}`),
      onConfig: (s) => seen.push(`config debounce=${s.debounceMs}`),
    };
    c = await startClient({ root, extensions: [ext] });
    expect(c.init.capabilities.codeLensProvider).toEqual({ resolveProvider: false });
    expect(c.init.capabilities.executeCommandProvider!.commands).toEqual(['awaitlens.openDocs', 'awaitlens.status', 'awaitlens.reindex', 'awaitlens.live.tasks']);
    const { uri } = await openB(root);
    live = true;
    const from = c.events.length;
    host.refresh(uri);
    const p = await c.waitForPublish(uri, () => true, from);
    expect(p.diagnostics.map((d) => [d.source, d.code, d.severity, d.range, d.message])).toEqual([
      ['awaitlens', 'unawaited-future', 2, { start: at(1, 4), end: at(1, 16) }, expect.any(String)],
      ['awaitlens (live)', 'long-poll', 3, { start: at(0, 9), end: at(0, 12) }, 'run: polled for 120 ms'],
    ]);
    const h = await c.request('textDocument/hover', { textDocument: { uri }, position: at(1, 8) });
    expect(h.contents.value.endsWith('\n\n---\n\n**Live:** offset 25')).toBe(true);
    expect(await c.request('textDocument/codeLens', { textDocument: { uri } })).toEqual([
      { range: { start: at(0, 0), end: at(0, 3) }, command: { title: '3 tasks running', command: 'awaitlens.live.tasks', arguments: ['run'] } },
    ]);
    expect(await c.request('workspace/executeCommand', { command: 'awaitlens.live.tasks', arguments: ['run'] })).toEqual({ tasks: 3, args: ['run'] });
    host.refreshCodeLenses();
    await c.waitFor((e) => e.method === 'workspace/codeLens/refresh');
    await c.notify('textDocument/didClose', { textDocument: { uri } });
    await c.sync();
    expect(seen).toEqual(['config debounce=0', 'open b.rs', 'close b.rs']);
  });
});
