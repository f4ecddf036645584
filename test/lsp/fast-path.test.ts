// An edit is answered by a fast check of the edited items only, with the other items' findings
// moved; a full check follows once typing pauses and is published when it differs.
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startClient, uriOf, workspace, type Client } from './harness.js';

let c: Client | undefined;
afterEach(async () => {
  await c?.close();
  c = undefined;
});

const at = (line: number, character: number) => ({ line, character });
const range = (l1: number, c1: number, l2: number, c2: number) => ({ start: at(l1, c1), end: at(l2, c2) });
const change = (c: Client, rel: string, version: number, changes: unknown[]) =>
  c.notify('textDocument/didChange', { textDocument: { uri: uriOf(c.root, rel), version }, contentChanges: changes });

const SRC = [
  'async fn notify_all() {}', // 0
  '',
  'async fn first() {', // 2
  '    notify_all();', // 3
  '}',
  '',
  'async fn second() {', // 6
  '    notify_all();', // 7
  '    lock_order();', // 8
  '}',
  '',
  'fn lock_order() {}', // 11
  '',
].join('\n');

/** SRC and enough items after it that a full check takes many slices. */
const PADDED = SRC + Array.from({ length: 3000 }, (_, i) => `fn pad${i}() { let _ = ${i}; }`).join('\n') + '\n';

const shape = (p: { diagnostics: any[] }) =>
  p.diagnostics.map((d) => ({ code: d.code, range: d.range, related: (d.relatedInformation ?? []).map((r: any) => r.location.range) }));

describe('fast and full checks', () => {
  it('publishes an edit at once, with the other items\' findings moved', async () => {
    const root = workspace({});
    // No full check during the test: what arrives for version 2 is the fast result.
    c = await startClient({ root, settings: { fullCheckDelayMs: 60_000 } });
    const uri = uriOf(root, 'src/lib.rs');
    await c.open('src/lib.rs', SRC, 1);
    expect(shape(await c.waitForPublish(uri, (p) => p.version === 1))).toEqual([
      { code: 'unawaited-future', range: range(3, 4, 3, 16), related: [] },
      { code: 'unawaited-future', range: range(7, 4, 7, 16), related: [] },
      { code: 'test-related', range: range(8, 4, 8, 16), related: [range(11, 3, 11, 13)] },
    ]);
    // Two lines typed at the top of `first`: everything below moves down by two.
    await change(c, 'src/lib.rs', 2, [{ range: range(2, 18, 2, 18), text: '\n    let a = 1;\n    let b = 2;' }]);
    const p2 = await c.waitForPublish(uri, (p) => p.version === 2);
    expect(shape(p2)).toEqual([
      { code: 'unawaited-future', range: range(5, 4, 5, 16), related: [] },
      { code: 'unawaited-future', range: range(9, 4, 9, 16), related: [] },
      { code: 'test-related', range: range(10, 4, 10, 16), related: [range(13, 3, 13, 13)] },
    ]);
    expect(p2.diagnostics.map((d) => d.data)).toEqual([
      { rule: 'unawaited-future', start: SRC.indexOf('notify_all();') + 30, end: SRC.indexOf('notify_all();') + 42 },
      { rule: 'unawaited-future', start: SRC.lastIndexOf('notify_all();') + 30, end: SRC.lastIndexOf('notify_all();') + 42 },
      { rule: 'test-related', start: SRC.indexOf('lock_order();') + 30, end: SRC.indexOf('lock_order();') + 42 },
    ]);
    // A new bug in the edited item shows up in the fast result too.
    await change(c, 'src/lib.rs', 3, [{ range: range(4, 14, 4, 14), text: '\n    lock_order();' }]);
    expect(shape(await c.waitForPublish(uri, (p) => p.version === 3))).toEqual([
      { code: 'unawaited-future', range: range(6, 4, 6, 16), related: [] },
      { code: 'test-related', range: range(5, 4, 5, 16), related: [range(14, 3, 14, 13)] },
      { code: 'unawaited-future', range: range(10, 4, 10, 16), related: [] },
      { code: 'test-related', range: range(11, 4, 11, 16), related: [range(14, 3, 14, 13)] },
    ].sort((a, b) => a.range.start.line - b.range.start.line));
  });

  it('corrects a cross-item effect with the full check once typing pauses', async () => {
    const root = workspace({});
    c = await startClient({ root, settings: { fullCheckDelayMs: 20 } });
    const uri = uriOf(root, 'src/lib.rs');
    await c.open('src/lib.rs', SRC, 1);
    await c.waitForPublish(uri, (p) => p.version === 1);
    const from = c.events.length;
    // `notify_all` stops being async: its callers' findings live in other items.
    await change(c, 'src/lib.rs', 2, [{ range: range(0, 0, 0, 6), text: '' }]);
    const fast = await c.waitForPublish(uri, (p) => p.version === 2, from);
    // The fast check re-analysed only `notify_all`; the callers' findings are kept as they were.
    expect(shape(fast).map((d) => d.code)).toEqual(['unawaited-future', 'unawaited-future', 'test-related']);
    const full = await c.waitForPublish(uri, (p) => p.version === 2 && p.diagnostics.length !== fast.diagnostics.length, from);
    expect(shape(full)).toEqual([{ code: 'test-related', range: range(8, 4, 8, 16), related: [range(11, 3, 11, 13)] }]);
    // Nothing else for version 2: the full result is published once.
    await c.sync();
    expect(c.publishes(uri).filter((p) => p.version === 2)).toHaveLength(2);
  });

  it('runs the full check in slices and drops it when the document changes meanwhile', async () => {
    const root = workspace({});
    // Full checks start only when the test starts one.
    c = await startClient({ root, settings: { fullCheckDelayMs: 60_000 } });
    const session = c.server.session;
    const uri = uriOf(root, 'src/lib.rs');
    const path = fileURLToPath(uri);
    await c.open('src/lib.rs', PADDED, 1);
    await c.waitForPublish(uri, (p) => p.version === 1);
    const from = c.events.length;
    // `notify_all` stops being async: the fast result keeps its callers' findings, the full one drops them.
    await change(c, 'src/lib.rs', 2, [{ range: range(0, 0, 0, 6), text: '' }]);
    const fast = await c.waitForPublish(uri, (p) => p.version === 2, from);
    expect(fast.diagnostics).toHaveLength(3);
    // The full check of version 2 starts, and is caught part way, between two of its slices.
    session.analyseFull(uri);
    expect(session.fullRunning(uri)).toBe(true);
    // `async` comes back while it runs: version 3 is published without waiting for it ...
    await change(c, 'src/lib.rs', 3, [{ range: range(0, 0, 0, 0), text: 'async ' }]);
    const third = await c.waitForPublish(uri, (p) => p.version === 3, from);
    expect(shape(third).map((d) => d.code)).toEqual(['unawaited-future', 'unawaited-future', 'test-related']);
    // ... and the outdated full check stops without a trace: nothing published for version 2,
    // and the findings held are still version 3's.
    for (let turns = 0; session.fullRunning(uri); turns++) {
      if (turns > 10_000) throw new Error('the outdated full check kept running');
      await new Promise((r) => setImmediate(r));
    }
    await c.sync();
    expect(c.publishes(uri).filter((p) => p.version === 2)).toHaveLength(1);
    expect(session.host.findings(path)?.map((f) => f.rule)).toEqual(['unawaited-future', 'unawaited-future', 'test-related']);
    // A full check left alone runs to its end, over many slices.
    let slices = 0;
    session.analyseFull(uri);
    while (session.fullRunning(uri)) {
      slices++;
      await new Promise((r) => setImmediate(r));
    }
    expect(slices).toBeGreaterThan(1);
    expect(session.host.findings(path)?.map((f) => f.rule)).toEqual(['unawaited-future', 'unawaited-future', 'test-related']);
  });

  it('drops a full check under way when the settings change', async () => {
    const root = workspace({});
    c = await startClient({ root, settings: { fullCheckDelayMs: 60_000 } });
    const session = c.server.session;
    const uri = uriOf(root, 'src/lib.rs');
    await c.open('src/lib.rs', PADDED, 1);
    await c.waitForPublish(uri, (p) => p.version === 1);
    await change(c, 'src/lib.rs', 2, [{ range: range(1, 0, 1, 0), text: ' ' }]);
    await c.waitForPublish(uri, (p) => p.version === 2);
    session.analyseFull(uri);
    expect(session.fullRunning(uri)).toBe(true);
    // The run started under the old rules; what it would find is no longer what is asked for.
    session.applySettings({ ...c.settings, rules: { 'unawaited-future': 'off' } });
    expect(session.fullRunning(uri)).toBe(false);
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
    expect(session.isCurrent(session.docs.get(uri)!)).toBe(false);
    const from = c.events.length;
    session.analyse(uri);
    const p = await c.waitForPublish(uri, (p) => p.version === 2, from);
    expect(shape(p).map((d) => d.code)).toEqual(['test-related']);
  });

  it('survives a failure of the engine itself: a failed fast check falls back to the full one', async () => {
    const root = workspace({});
    c = await startClient({ root, settings: { fullCheckDelayMs: 60_000 } });
    const host = c.server.session.host;
    const uri = uriOf(root, 'src/lib.rs');
    await c.open('src/lib.rs', SRC, 1);
    await c.waitForPublish(uri, (p) => p.version === 1);
    const from = c.events.length;
    const fastCheck = host.checkOpenFast;
    host.checkOpenFast = () => {
      throw new Error('engine bug');
    };
    // `notify_all` stops being async: only the full check sees that its callers are fine now.
    await change(c, 'src/lib.rs', 2, [{ range: range(0, 0, 0, 6), text: '' }]);
    const p2 = await c.waitForPublish(uri, (p) => p.version === 2, from);
    expect(shape(p2)).toEqual([{ code: 'test-related', range: range(8, 4, 8, 16), related: [range(11, 3, 11, 13)] }]);
    const errors = c.events.slice(from).filter((e) => e.method === 'window/logMessage' && e.params.type === 1).map((e) => e.params.message as string);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^awaitlens: the fast check of .*lib\.rs failed: Error: engine bug/);
    // When the full check fails too, the server keeps serving and the next edit is analysed.
    const fullCheck = host.checkOpen;
    host.checkOpen = () => {
      throw new Error('engine bug');
    };
    await change(c, 'src/lib.rs', 3, [{ range: range(0, 0, 0, 0), text: 'async ' }]);
    await c.waitFor((e) => e.method === 'window/logMessage' && /the check of .*failed/.test(e.params.message), from);
    host.checkOpenFast = fastCheck;
    host.checkOpen = fullCheck;
    await change(c, 'src/lib.rs', 4, [{ range: range(0, 0, 0, 0), text: ' ' }]);
    await c.waitForPublish(uri, (p) => p.version === 4, from);
    expect(c.publishes(uri).filter((p) => p.version === 3)).toHaveLength(0);
    // The full check of version 4 brings the callers' findings back.
    c.server.session.analyseFull(uri);
    const full4 = await c.waitForPublish(uri, (p) => p.version === 4 && p.diagnostics.length === 3, from);
    expect(shape(full4).map((d) => d.code)).toEqual(['unawaited-future', 'unawaited-future', 'test-related']);
  });

  it('re-analyses only the edited method of an impl; a header edit re-analyses the whole impl', async () => {
    const src = [
      'async fn notify_all() {}', // 0
      '',
      'struct Hub;', // 2
      '',
      'impl Hub {', // 4
      '    async fn first(&self) {', // 5
      '        notify_all();', // 6
      '    }',
      '',
      '    /// Second.', // 9
      '    async fn second(&self) {', // 10
      '        notify_all();', // 11
      '    }',
      '',
      '    fn third(&self) {', // 14
      '        lock_order();', // 15
      '    }',
      '}', // 17
      '',
      'fn lock_order() {}', // 19
      '',
      // More text than the impl, so that re-analysing the whole impl is still a fast check.
      ...Array.from({ length: 12 }, (_, i) => `fn pad${i}() { let _ = ${i}; }`),
      '',
    ].join('\n');
    const root = workspace({});
    c = await startClient({ root, settings: { fullCheckDelayMs: 60_000 } });
    const uri = uriOf(root, 'src/lib.rs');
    await c.open('src/lib.rs', src, 1);
    expect(shape(await c.waitForPublish(uri, (p) => p.version === 1))).toEqual([
      { code: 'unawaited-future', range: range(6, 8, 6, 20), related: [] },
      { code: 'unawaited-future', range: range(11, 8, 11, 20), related: [] },
      { code: 'test-related', range: range(15, 8, 15, 20), related: [range(19, 3, 19, 13)] },
    ]);
    const host = c.server.session.host;
    // A line typed at the top of `second`: only `second` (with its doc comment) is analysed.
    await change(c, 'src/lib.rs', 2, [{ range: range(10, 28, 10, 28), text: '\n        let a = 1;' }]);
    expect(shape(await c.waitForPublish(uri, (p) => p.version === 2))).toEqual([
      { code: 'unawaited-future', range: range(6, 8, 6, 20), related: [] },
      { code: 'unawaited-future', range: range(12, 8, 12, 20), related: [] },
      { code: 'test-related', range: range(16, 8, 16, 20), related: [range(20, 3, 20, 13)] },
    ]);
    const v2 = src.replace('async fn second(&self) {', 'async fn second(&self) {\n        let a = 1;');
    // Units: notify_all, Hub, the impl's `{` part, first, second, third, the impl's `}`, lock_order, 12 pads.
    expect(host.lastFast).toEqual({ path: expect.stringMatching(/lib\.rs$/), units: 20, analysed: [[v2.indexOf('/// Second.'), v2.indexOf('fn third')]] });
    // The impl's header changed: what its methods mean may have changed, so the whole impl is analysed.
    await change(c, 'src/lib.rs', 3, [{ range: range(4, 4, 4, 4), text: ' ' }]);
    expect(shape(await c.waitForPublish(uri, (p) => p.version === 3))).toEqual([
      { code: 'unawaited-future', range: range(6, 8, 6, 20), related: [] },
      { code: 'unawaited-future', range: range(12, 8, 12, 20), related: [] },
      { code: 'test-related', range: range(16, 8, 16, 20), related: [range(20, 3, 20, 13)] },
    ]);
    const v3 = v2.replace('impl Hub', 'impl  Hub');
    const unitStarts = [v3.indexOf('impl  Hub'), v3.indexOf('async fn first'), v3.indexOf('/// Second.'), v3.indexOf('fn third'), v3.indexOf('}\n\nfn lock_order'), v3.indexOf('fn lock_order')];
    expect(host.lastFast!.analysed).toEqual(unitStarts.slice(0, -1).map((s, i) => [s, unitStarts[i + 1]]));
  });

  it('answers a hover after a fast check from the item under the cursor', async () => {
    const src = [
      'async fn notify_all() {}', // 0
      '',
      'struct Hub;',
      '',
      'impl Hub {', // 4
      '    async fn first(&self) {',
      '        notify_all().await;', // 6
      '    }',
      '',
      '    async fn second(&self) {', // 9
      '        notify_all().await;', // 10
      '    }',
      '}',
      '',
      ...Array.from({ length: 12 }, (_, i) => `fn pad${i}() { let _ = ${i}; }`),
      '',
    ].join('\n');
    const root = workspace({});
    c = await startClient({ root, settings: { fullCheckDelayMs: 60_000 } });
    const uri = uriOf(root, 'src/lib.rs');
    await c.open('src/lib.rs', src, 1);
    await c.waitForPublish(uri, (p) => p.version === 1);
    await change(c, 'src/lib.rs', 2, [{ range: range(9, 28, 9, 28), text: '\n        let a = 1;' }]);
    await c.waitForPublish(uri, (p) => p.version === 2);
    const awaits = `**Awaits** a workspace future:\n\n- \`async fn notify_all\` at [src/lib.rs:1](${uri}#L1)`;
    const hover = (line: number, character: number) => c!.request('textDocument/hover', { textDocument: { uri }, position: at(line, character) });
    expect(await hover(6, 22)).toEqual({ contents: { kind: 'markdown', value: awaits }, range: range(6, 20, 6, 26) });
    expect(await hover(11, 22)).toEqual({ contents: { kind: 'markdown', value: awaits }, range: range(11, 20, 11, 26) });
    // Built from the method under the cursor, not from a parse of the whole file.
    const host = c.server.session.host;
    const od = c.server.session.docs.get(uri)!;
    const file = host.parseAt(od.path, od.doc, od.doc.text.indexOf('.await', od.doc.text.indexOf('fn second')));
    expect(file.syntax.scope!.map((n) => n.text.split('\n')[0])).toEqual(['async fn second(&self) {']);
  });

  it('moves a kept finding\'s related place when the item it points into moved', async () => {
    const src = ['async fn notify_all() {}', '', 'async fn first() {', '    lock_order();', '}', '', 'async fn second() {}', '', 'fn lock_order() {}', ''].join('\n');
    const root = workspace({});
    c = await startClient({ root, settings: { fullCheckDelayMs: 60_000 } });
    const uri = uriOf(root, 'src/lib.rs');
    await c.open('src/lib.rs', src, 1);
    expect(shape(await c.waitForPublish(uri, (p) => p.version === 1))).toEqual([{ code: 'test-related', range: range(3, 4, 3, 16), related: [range(8, 3, 8, 13)] }]);
    // `first` is before the edit and stays as it was; `lock_order`, which its finding points to, moves down.
    await change(c, 'src/lib.rs', 2, [{ range: range(6, 19, 6, 19), text: '\n    let a = 1;\n' }]);
    expect(shape(await c.waitForPublish(uri, (p) => p.version === 2))).toEqual([{ code: 'test-related', range: range(3, 4, 3, 16), related: [range(10, 3, 10, 13)] }]);
    expect(c.server.session.host.lastFast!.analysed).toHaveLength(1);
  });
});
