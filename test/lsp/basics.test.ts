import { afterEach, describe, expect, it } from 'vitest';
import { FULL_CAPS, startClient, uriOf, workspace, type Client } from './harness.js';

const A = 'pub async fn notify_all() {}\n';
const B = 'async fn run() {\n    notify_all();\n}\n';
const MSG = '`notify_all()` returns a future that is dropped here without being polled, so its work never runs; add `.await` or pass it to `tokio::spawn`.';
const HREF = 'https://github.com/awaitlens/awaitlens/blob/main/rules/unawaited-future/README.md';

let c: Client | undefined;
afterEach(async () => {
  await c?.close();
  c = undefined;
});

describe('initialize', () => {
  it('advertises exactly what the server supports (pull client)', async () => {
    c = await startClient({ root: workspace({}), capabilities: { ...FULL_CAPS, textDocument: { ...FULL_CAPS.textDocument, diagnostic: {} } } });
    expect(c.init).toEqual({
      capabilities: {
        positionEncoding: 'utf-16',
        textDocumentSync: { openClose: true, change: 2, save: false },
        hoverProvider: true,
        codeActionProvider: { codeActionKinds: ['quickfix', 'source'], resolveProvider: true },
        executeCommandProvider: { commands: ['awaitlens.openDocs', 'awaitlens.status', 'awaitlens.reindex'] },
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
        diagnosticProvider: { identifier: 'awaitlens', interFileDependencies: true, workspaceDiagnostics: true },
      },
      serverInfo: { name: 'awaitlens', version: expect.any(String) },
    });
  });

  it('leaves out diagnosticProvider for push clients and negotiates the encoding', async () => {
    c = await startClient({ root: workspace({}), capabilities: { ...FULL_CAPS, general: { positionEncodings: ['utf-32', 'utf-8'] } } });
    expect(c.init.capabilities.diagnosticProvider).toBeUndefined();
    expect(c.init.capabilities.positionEncoding).toBe('utf-8');
    await c.close();
    c = await startClient({ root: workspace({}), capabilities: { ...FULL_CAPS, general: { positionEncodings: ['utf-32'] } } });
    expect(c.init.capabilities.positionEncoding).toBe('utf-32');
    await c.close();
    c = await startClient({ root: workspace({}), capabilities: { ...FULL_CAPS, general: { positionEncodings: ['utf-8', 'utf-16'] } } });
    expect(c.init.capabilities.positionEncoding).toBe('utf-16');
    await c.close();
    c = await startClient({ root: workspace({}), capabilities: {} });
    expect(c.init.capabilities.positionEncoding).toBe('utf-16');
  });
});

describe('diagnostics', () => {
  it('publishes exact diagnostics after didOpen', async () => {
    const root = workspace({ 'src/a.rs': A });
    c = await startClient({ root });
    await c.open('src/b.rs', B, 1);
    const p = await c.waitForPublish(uriOf(root, 'src/b.rs'));
    expect(p).toEqual({
      uri: uriOf(root, 'src/b.rs'),
      version: 1,
      diagnostics: [
        {
          range: { start: { line: 1, character: 4 }, end: { line: 1, character: 16 } },
          severity: 2,
          code: 'unawaited-future',
          codeDescription: { href: HREF },
          source: 'awaitlens',
          message: MSG,
          data: { rule: 'unawaited-future', start: 21, end: 33 },
        },
      ],
    });
  });
});
