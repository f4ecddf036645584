import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import unawaitedFuture from '../../rules/unawaited-future/rule.js';
import { FULL_CAPS, relatedRule, startClient, throwingRule, uriOf, waitIndexed, workspace, type Client } from './harness.js';

const A = 'pub async fn notify_all() {}\n';
const B = 'async fn run() {\n    notify_all();\n}\n';
const LOCKS = 'pub fn lock_order() {}\n';
const C = 'fn main() {\n    lock_order();\n}\n';
const at = (line: number, character: number) => ({ line, character });
const PULL_CAPS = { ...FULL_CAPS, textDocument: { ...FULL_CAPS.textDocument, diagnostic: { relatedDocumentSupport: false } } };

let c: Client | undefined;
afterEach(async () => {
  await c?.close();
  c = undefined;
});

describe('workspace indexing', () => {
  it('reports work-done progress and publishes diagnostics for closed files', async () => {
    const root = workspace({ 'src/a.rs': A, 'src/b.rs': B, 'src/c.rs': C, 'src/locks.rs': LOCKS, 'target/x.rs': B });
    c = await startClient({ root });
    const progress = c.events.filter((e) => e.method === '$/progress').map((e) => e.params.value);
    expect(c.events.filter((e) => e.method === 'window/workDoneProgress/create')).toHaveLength(1);
    expect(progress).toEqual([
      { kind: 'begin', title: 'awaitlens', cancellable: false, message: 'Indexing 0/4 files', percentage: 0 },
      { kind: 'report', message: 'Indexing 1/4 files', percentage: 12 },
      { kind: 'report', message: 'Indexing 2/4 files', percentage: 25 },
      { kind: 'report', message: 'Indexing 3/4 files', percentage: 37 },
      { kind: 'report', message: 'Indexing 4/4 files', percentage: 50 },
      { kind: 'report', message: 'Checking 1/4 files', percentage: 62 },
      { kind: 'report', message: 'Checking 2/4 files', percentage: 75 },
      { kind: 'report', message: 'Checking 3/4 files', percentage: 87 },
      { kind: 'report', message: 'Checking 4/4 files', percentage: 100 },
      { kind: 'end' },
    ]);
    // Closed files: only the ones with findings are published, without a version.
    const published = c.events.filter((e) => e.method === 'textDocument/publishDiagnostics').map((e) => e.params);
    expect(published.map((p) => p.uri)).toEqual([uriOf(root, 'src/b.rs'), uriOf(root, 'src/c.rs')]);
    expect(published[0]!.version).toBeUndefined();
    expect(published[0]!.diagnostics.map((d: any) => [d.code, d.range])).toEqual([['unawaited-future', { start: at(1, 4), end: at(1, 16) }]]);
    expect(published[1]!.diagnostics).toEqual([
      {
        range: { start: at(1, 4), end: at(1, 16) },
        severity: 1,
        code: 'test-related',
        codeDescription: { href: 'https://github.com/awaitlens/awaitlens/blob/main/rules/test-related/README.md' },
        source: 'awaitlens',
        message: '`lock_order()` is called here.',
        relatedInformation: [{ location: { uri: uriOf(root, 'src/locks.rs'), range: { start: at(0, 7), end: at(0, 17) } }, message: '`lock_order` is defined here' }],
        data: { rule: 'test-related', start: 16, end: 28 },
      },
    ]);
  });

  it('serves pull diagnostics when the client asks for them, and pushes nothing', async () => {
    const root = workspace({ 'src/a.rs': A, 'src/b.rs': B });
    c = await startClient({ root, capabilities: PULL_CAPS });
    expect(c.events.some((e) => e.method === 'workspace/diagnostic/refresh')).toBe(true);
    const ws = await c.request('workspace/diagnostic', { previousResultIds: [] });
    expect(ws.items.map((i: any) => [i.uri, i.kind, i.version, i.items.map((d: any) => d.code)])).toEqual([
      [uriOf(root, 'src/a.rs'), 'full', null, []],
      [uriOf(root, 'src/b.rs'), 'full', null, ['unawaited-future']],
    ]);
    await c.open('src/b.rs', B, 1);
    const doc = await c.request('textDocument/diagnostic', { textDocument: { uri: uriOf(root, 'src/b.rs') } });
    expect(doc.kind).toBe('full');
    expect(doc.items.map((d: any) => [d.code, d.range])).toEqual([['unawaited-future', { start: at(1, 4), end: at(1, 16) }]]);
    // Open documents are pulled one by one; the workspace report leaves them out.
    const ws2 = await c.request('workspace/diagnostic', { previousResultIds: [] });
    expect(ws2.items.map((i: any) => i.uri)).toEqual([uriOf(root, 'src/a.rs')]);
    const unknown = await c.request('textDocument/diagnostic', { textDocument: { uri: 'file:///nowhere/x.rs' } });
    expect(unknown).toEqual({ kind: 'full', items: [] });
    await c.sync();
    expect(c.events.filter((e) => e.method === 'textDocument/publishDiagnostics')).toEqual([]);
  });

  it('registers file watchers and follows created, changed and deleted files', async () => {
    const root = workspace({ 'src/a.rs': A });
    c = await startClient({ root });
    const reg = c.events.filter((e) => e.method === 'client/registerCapability').flatMap((e) => e.params.registrations);
    expect(reg.map((r: any) => [r.method, r.registerOptions])).toEqual([
      ['workspace/didChangeWatchedFiles', { watchers: [{ globPattern: '**/*.rs' }, { globPattern: '**/awaitlens.toml' }] }],
      ['workspace/didChangeConfiguration', { section: 'awaitlens' }],
    ]);
    const b = uriOf(root, 'src/b.rs');
    writeFileSync(join(root, 'src/b.rs'), B);
    let from = c.events.length;
    await c.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: b, type: 1 }] });
    expect((await c.waitForPublish(b, () => true, from)).diagnostics.map((d) => d.code)).toEqual(['unawaited-future']);
    writeFileSync(join(root, 'src/b.rs'), B.replace('notify_all();', 'notify_all().await;'));
    from = c.events.length;
    await c.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: b, type: 2 }] });
    expect((await c.waitForPublish(b, () => true, from)).diagnostics).toEqual([]);
    writeFileSync(join(root, 'src/b.rs'), B);
    await c.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: b, type: 2 }] });
    await c.sync();
    rmSync(join(root, 'src/b.rs'));
    from = c.events.length;
    await c.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: b, type: 3 }] });
    expect(await c.waitForPublish(b, () => true, from)).toEqual({ uri: b, diagnostics: [] });
    // Deleting the file that defines the async fn re-checks open files that call it.
    await c.open('src/d.rs', B, 1);
    const d = uriOf(root, 'src/d.rs');
    await c.waitForPublish(d, (p) => p.diagnostics.length === 1);
    rmSync(join(root, 'src/a.rs'));
    from = c.events.length;
    await c.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(root, 'src/a.rs'), type: 3 }] });
    expect((await c.waitForPublish(d, () => true, from)).diagnostics).toEqual([]);
  });

  it('re-publishes with new severities when settings or awaitlens.toml change', async () => {
    const root = workspace({ 'src/a.rs': A, 'src/b.rs': B });
    c = await startClient({ root });
    const b = uriOf(root, 'src/b.rs');
    expect(c.publishes(b).at(-1)!.diagnostics.map((d) => d.severity)).toEqual([2]);
    await c.open('src/b.rs', B, 1);
    await c.waitForPublish(b, (p) => p.version === 1);
    // Editor setting: error.
    c.settings.rules = { 'unawaited-future': 'error' };
    let from = c.events.length;
    await c.notify('workspace/didChangeConfiguration', { settings: null });
    expect((await c.waitForPublish(b, () => true, from)).diagnostics.map((d) => d.severity)).toEqual([1]);
    // Editor setting: off.
    await waitIndexed(c);
    c.settings.rules = { 'unawaited-future': 'off' };
    from = c.events.length;
    await c.notify('workspace/didChangeConfiguration', { settings: null });
    expect((await c.waitForPublish(b, () => true, from)).diagnostics).toEqual([]);
    // awaitlens.toml says hint; the editor no longer overrides.
    await waitIndexed(c);
    delete c.settings.rules;
    writeFileSync(join(root, 'awaitlens.toml'), '[rules]\nunawaited-future = "hint"\n');
    from = c.events.length;
    await c.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(root, 'awaitlens.toml'), type: 1 }] });
    expect((await c.waitForPublish(b, () => true, from)).diagnostics.map((d) => d.severity)).toEqual([4]);
    // A bad setting is reported, not fatal: the rest still applies.
    await waitIndexed(c);
    c.settings.rules = { 'unawaited-future': 'loud', 'no-such-rule': 'error' };
    from = c.events.length;
    await c.notify('workspace/didChangeConfiguration', { settings: null });
    await c.waitFor((e) => e.method === 'window/logMessage' && e.params.message.includes('unknown rule'), from);
    const logs = c.events.slice(from).filter((e) => e.method === 'window/logMessage').map((e) => e.params);
    expect(logs).toEqual([
      { type: 2, message: 'awaitlens: editor settings (awaitlens): rules.unawaited-future must be one of off, hint, info, warning, error' },
      { type: 2, message: "awaitlens: editor settings (awaitlens): unknown rule 'no-such-rule' in awaitlens.rules" },
    ]);
    // The valid part (no override) leaves the toml's hint in force.
    expect((await c.waitForPublish(b, () => true, from)).diagnostics.map((d) => d.severity)).toEqual([4]);
  });

  it('uses pushed settings when the client has no workspace/configuration', async () => {
    const root = workspace({ 'src/a.rs': A });
    const caps = { ...FULL_CAPS, workspace: { ...FULL_CAPS.workspace, configuration: false } };
    c = await startClient({ root, capabilities: caps });
    const b = uriOf(root, 'src/b.rs');
    await c.open('src/b.rs', B, 1);
    await c.waitForPublish(b, (p) => p.version === 1);
    const from = c.events.length;
    await c.notify('workspace/didChangeConfiguration', { settings: { awaitlens: { rules: { 'unawaited-future': 'info' } } } });
    expect((await c.waitForPublish(b, () => true, from)).diagnostics.map((d) => d.severity)).toEqual([3]);
    expect(c.events.some((e) => e.method === 'workspace/configuration')).toBe(false);
  });

  it('skips non-UTF-8 files with a log line', async () => {
    const root = workspace({ 'src/a.rs': A, 'src/bad.rs': Buffer.from([0x66, 0x6e, 0x20, 0xff, 0xfe, 0x0a]) });
    c = await startClient({ root });
    const logs = c.events.filter((e) => e.method === 'window/logMessage').map((e) => e.params);
    expect(logs).toEqual([{ type: 2, message: `awaitlens: skipped ${join(root, 'src/bad.rs')}: file is not valid UTF-8` }]);
  });

  it('logs a throwing rule once per file and keeps the other rules', async () => {
    const root = workspace({ 'src/a.rs': A });
    c = await startClient({ root, rules: [throwingRule, unawaitedFuture, relatedRule] });
    const b = uriOf(root, 'src/b.rs');
    await c.open('src/b.rs', B, 1);
    expect((await c.waitForPublish(b, (p) => p.version === 1)).diagnostics.map((d) => d.code)).toEqual(['unawaited-future']);
    await c.notify('textDocument/didChange', { textDocument: { uri: b, version: 2 }, contentChanges: [{ range: { start: at(2, 1), end: at(2, 1) }, text: '\n' }] });
    await c.waitForPublish(b, (p) => p.version === 2);
    const errors = c.events.filter((e) => e.method === 'window/logMessage' && e.params.type === 1).map((e) => e.params.message);
    expect(errors).toEqual([
      `awaitlens: rule test-throws failed on ${join(root, 'src/a.rs')}: boom (its findings for this file are skipped; other rules still ran)`,
      `awaitlens: rule test-throws failed on ${join(root, 'src/b.rs')}: boom (its findings for this file are skipped; other rules still ran)`,
    ]);
  });
});
