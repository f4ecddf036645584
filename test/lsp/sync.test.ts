import { afterEach, describe, expect, it } from 'vitest';
import { FULL_CAPS, startClient, uriOf, workspace, type Client } from './harness.js';

const A = 'pub async fn notify_all() {}\n';
const B = 'async fn run() {\n    notify_all();\n}\n';

let c: Client | undefined;
afterEach(async () => {
  await c?.close();
  c = undefined;
});

const change = (c: Client, rel: string, version: number, changes: unknown[]) =>
  c.notify('textDocument/didChange', { textDocument: { uri: uriOf(c.root, rel), version }, contentChanges: changes });
const at = (line: number, character: number) => ({ line, character });

describe('incremental sync', () => {
  it('an edit that fixes the bug removes the diagnostic, one that adds a bug adds one', async () => {
    const root = workspace({ 'src/a.rs': A });
    c = await startClient({ root });
    const uri = uriOf(root, 'src/b.rs');
    await c.open('src/b.rs', B, 1);
    expect((await c.waitForPublish(uri, (p) => p.version === 1)).diagnostics).toHaveLength(1);
    await change(c, 'src/b.rs', 2, [{ range: { start: at(1, 16), end: at(1, 16) }, text: '.await' }]);
    expect((await c.waitForPublish(uri, (p) => p.version === 2)).diagnostics).toEqual([]);
    await change(c, 'src/b.rs', 3, [{ range: { start: at(1, 23), end: at(1, 23) }, text: '\n    notify_all();' }]);
    const p3 = await c.waitForPublish(uri, (p) => p.version === 3);
    expect(p3.diagnostics.map((d) => [d.code, d.range])).toEqual([['unawaited-future', { start: at(2, 4), end: at(2, 16) }]]);
  });

  it('coalesces a burst of changes into one analysis of the final version', async () => {
    const root = workspace({ 'src/a.rs': A });
    c = await startClient({ root });
    const uri = uriOf(root, 'src/b.rs');
    await c.open('src/b.rs', B, 1);
    await c.waitForPublish(uri, (p) => p.version === 1);
    const before = c.publishes(uri).length;
    // Written back to back: all are received before the server dispatches the first.
    void change(c, 'src/b.rs', 2, [{ range: { start: at(1, 16), end: at(1, 16) }, text: '.await' }]);
    void change(c, 'src/b.rs', 3, [{ range: { start: at(1, 4), end: at(1, 4) }, text: 'x' }]);
    void change(c, 'src/b.rs', 4, [{ range: { start: at(1, 4), end: at(1, 5) }, text: '' }]);
    await change(c, 'src/b.rs', 5, [{ range: { start: at(1, 16), end: at(1, 22) }, text: '' }]);
    await c.waitForPublish(uri, (p) => p.version === 5);
    await c.sync();
    const after = c.publishes(uri).slice(before);
    expect(after.map((p) => p.version)).toEqual([5]);
    expect(after[0]!.diagnostics).toHaveLength(1);
  });

  it('never publishes results for an outdated version', async () => {
    const root = workspace({ 'src/a.rs': A });
    c = await startClient({ root, settings: { debounceMs: 0 } });
    const uri = uriOf(root, 'src/b.rs');
    await c.open('src/b.rs', B, 1);
    for (let v = 2; v <= 12; v++) {
      const text = v % 2 === 0 ? '.await' : '';
      const range = v % 2 === 0 ? { start: at(1, 16), end: at(1, 16) } : { start: at(1, 16), end: at(1, 22) };
      await change(c, 'src/b.rs', v, [{ range, text }]);
      if (v % 3 === 0) await c.sync();
    }
    await c.waitForPublish(uri, (p) => p.version === 12);
    await c.sync();
    const versions = c.publishes(uri).map((p) => p.version!);
    // Published versions only grow, and each publish matches the text of its version.
    expect([...versions].sort((x, y) => x - y)).toEqual(versions);
    expect(new Set(versions).size).toBe(versions.length);
    for (const p of c.publishes(uri)) expect(p.diagnostics.length).toBe(p.version! % 2 === 0 ? 0 : 1);
    expect(versions[versions.length - 1]).toBe(12);
  });

  it('re-checks other open documents when an async fn becomes a plain fn', async () => {
    const root = workspace({ 'src/a.rs': A, 'src/b.rs': B });
    c = await startClient({ root });
    const a = uriOf(root, 'src/a.rs');
    const b = uriOf(root, 'src/b.rs');
    await c.open('src/a.rs', A, 1);
    await c.open('src/b.rs', B, 1);
    await c.waitForPublish(b, (p) => p.version === 1 && p.diagnostics.length === 1);
    const from = c.events.length;
    await change(c, 'src/a.rs', 2, [{ range: { start: at(0, 4), end: at(0, 10) }, text: '' }]);
    await c.waitForPublish(a, (p) => p.version === 2, from);
    const pb = await c.waitForPublish(b, () => true, from);
    expect(pb).toEqual({ uri: b, version: 1, diagnostics: [] });
  });

  it('converts UTF-8 positions both ways (non-ASCII identifiers and emoji before the finding)', async () => {
    const line = '    let _é = "🦀"; notify_all();';
    const text = `async fn run() {\n${line}\n}\n`;
    const root = workspace({ 'src/a.rs': A });
    for (const [enc, start, end] of [['utf-8', 22, 34], ['utf-16', 19, 31], ['utf-32', 18, 30]] as const) {
      c = await startClient({ root, capabilities: { ...FULL_CAPS, general: { positionEncodings: [enc] } } });
      expect(c.init.capabilities.positionEncoding).toBe(enc);
      const uri = uriOf(root, 'src/b.rs');
      await c.open('src/b.rs', text, 1);
      const p = await c.waitForPublish(uri);
      expect(p.diagnostics.map((d) => d.range)).toEqual([{ start: at(1, start), end: at(1, end) }]);
      // The client's edit at the end of the call, in its own units, lands right and fixes it.
      await change(c, 'src/b.rs', 2, [{ range: { start: at(1, end), end: at(1, end) }, text: '.await' }]);
      expect((await c.waitForPublish(uri, (p) => p.version === 2)).diagnostics).toEqual([]);
      const hover = await c.request('textDocument/hover', { textDocument: { uri }, position: at(1, end + 2) });
      expect(hover.range).toEqual({ start: at(1, end), end: at(1, end + 6) });
      await c.close();
      c = undefined;
    }
  });
});
