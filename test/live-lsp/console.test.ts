// The live side over a real gRPC connection to the fake console serving the semaphore-starvation
// capture: connection status, the stuck-on-resource diagnostic at :196, hovers on the Semaphore
// and on `s.acquire().await`, task-details subscriptions, and the disconnect grace.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, test } from 'vitest';
import { FakeConsole, scripts } from '../live/fake-console.js';
import { scenarioWorkspace, startLiveClient, type LiveClient } from './harness.js';

let c: LiveClient | undefined;
let fake: FakeConsole | undefined;
afterEach(async () => {
  await c?.close();
  await fake?.stop();
  c = undefined;
  fake = undefined;
});

const LIVE = 'awaitlens (live)';
const STUCK_MSG =
  '4 of 4 tasks spawned here (ids 12, 13, 14, 15) have been waiting for up to 5.9 s on the `Semaphore` created at src/main.rs:186:24, which 4 tasks wait for in total; its permits were last taken by task 10 (`sem-holder`, spawned at src/main.rs:189:5), so these tasks make no progress until it is released.';

/** Timers that run only when the test says so: the publish throttle, the grace, reconnects. */
class ManualClock {
  private timers: Array<{ fn: () => void; id: number }> = [];
  private next = 0;
  setTimeout(fn: () => void): unknown {
    const id = ++this.next;
    this.timers.push({ fn, id });
    return id;
  }
  clearTimeout(h: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== h);
  }
  random(): number {
    return 0.5;
  }
  /** Runs the timers pending now, oldest first (timers they set wait for the next call). */
  runPending(): void {
    const due = this.timers;
    this.timers = [];
    for (const t of due) t.fn();
  }
}

async function connect(then: 'hang' | { code: grpc.status; details?: string }, clock?: ManualClock): Promise<{ root: string; uri: string }> {
  // The first stream plays the capture; reconnects are refused, so a drop stays a drop.
  fake = await FakeConsole.start({ updates: [scripts.recording('semaphore-starvation.updates.bin', { then }), scripts.status(grpc.status.UNAVAILABLE, 'app gone')] });
  const root = scenarioWorkspace();
  c = await startLiveClient({ root, settings: { console: { address: fake.address }, live: { 'disconnect-grace-ms': 50 } }, ...(clock ? { ext: { clock } } : {}) });
  await c.open('src/main.rs', readFileSync(join(root, 'src/main.rs'), 'utf8'));
  return { root, uri: pathToFileURL(join(root, 'src/main.rs')).href };
}

describe('over the fake console (semaphore-starvation)', () => {
  test('connecting → live; stuck-on-resource on the waiters spawn call at :196 with related sites', async () => {
    const { root, uri } = await connect('hang');
    const pub = await c!.waitForPublish(uri, (p) => p.diagnostics.filter((d) => d.source === LIVE).length === 2);
    const live = pub.diagnostics.filter((d) => d.source === LIVE).sort((a, b) => a.range.start.line - b.range.start.line);
    const file = pathToFileURL(join(root, 'src/main.rs')).href;
    expect(live[0]).toEqual({
      range: { start: { line: 195, character: 8 }, end: { line: 195, character: 19 } },
      severity: live[0]!.severity,
      source: LIVE,
      message: STUCK_MSG,
      code: 'stuck-on-resource',
      codeDescription: { href: 'https://github.com/awaitlens/awaitlens/blob/main/rules/stuck-on-resource/README.md' },
      relatedInformation: live[0]!.relatedInformation,
    });
    expect(live[0]!.relatedInformation!.map((r) => `${r.location.uri === file} ${r.location.range.start.line}:${r.location.range.start.character}-${r.location.range.end.character}`)).toEqual([
      'true 185:23-37',
      'true 188:4-15',
    ]);
    expect(live[1]!.range).toEqual({ start: { line: 201, character: 4 }, end: { line: 201, character: 15 } });
    expect(live[1]!.code).toBe('stuck-on-resource');
    expect(c!.statuses().map((s) => s.state)).toEqual(['connecting', 'live']);
    expect(c!.statuses()[1]).toEqual({ state: 'live', address: fake!.address });
  });

  test('hovers: the Semaphore at its creation, and `s.acquire().await` with its waiters', async () => {
    const { uri } = await connect('hang');
    await c!.waitForPublish(uri, (p) => p.diagnostics.some((d) => d.source === LIVE));
    const sem = await c!.request('textDocument/hover', { textDocument: { uri }, position: { line: 185, character: 30 } });
    const semLines: string[] = sem.contents.value.split('\n');
    expect(semLines[0]).toMatch(/^\*\*Live \(live, [\d.]+ s ago\)\*\* · `Semaphore` created here \(`src\/main\.rs:186:24`\)$/);
    expect(semLines.slice(2, 4)).toEqual(['- now: permits 0', '- 4 waiting now, longest 5.9 s:']);
    expect(semLines.filter((l) => l.startsWith('  - task '))).toHaveLength(4);
    // Line 197 (0-based 196): `let _permit = s.acquire().await.expect("acquire");` — hover on `await`.
    const line = readFileSync(new URL(uri), 'utf8').split('\n')[196]!;
    const h = await c!.request('textDocument/hover', { textDocument: { uri }, position: { line: 196, character: line.indexOf('.await') + 2 } });
    const live = h.contents.value.split('\n---\n').pop()!.trim().split('\n');
    expect(live[0]).toMatch(/^\*\*Live \(live, [\d.]+ s ago\)\*\* · `Semaphore::acquire` on a `Semaphore`$/);
    expect(live.slice(2, 4)).toEqual(['- the only `Semaphore` created in this file: `src/main.rs:186:24` (permits 0)', '- 4 waiting now, longest 5.9 s:']);
    expect(live.filter((l: string) => /^ {2}- task 1[2-5] \(`sem-waiter-\d`\) in `Semaphore::acquire` for 5\.\d s$/.test(l))).toHaveLength(4);
    expect(live.at(-1)).toMatch(/^- 1 completed recently: mean \d+ µs, max \d+ µs$/);
  });

  test('task details are watched for live tasks at sites in open documents, at most 4 per site, released on close', async () => {
    const { uri } = await connect('hang');
    await c!.waitForPublish(uri, (p) => p.diagnostics.some((d) => d.source === LIVE));
    await c!.waitFor(() => c!.ext.watchedTasks.length > 0 || false);
    await new Promise<void>((r) => {
      const poll = (): void => void (fake!.calls.details.length >= 4 ? r() : setTimeout(poll, 20));
      poll();
    });
    const watched = c!.ext.watchedTasks;
    expect(watched.length).toBeLessThanOrEqual(32);
    expect(new Set(watched).size).toBe(watched.length);
    await c!.notify('textDocument/didClose', { textDocument: { uri } });
    await c!.request('textDocument/hover', { textDocument: { uri: 'file:///none.rs' }, position: { line: 0, character: 0 } });
    expect(c!.ext.watchedTasks).toEqual([]);
  });

  test('the app goes away: disconnected with the reason, live diagnostics cleared after the grace', async () => {
    const clock = new ManualClock();
    const { uri } = await connect({ code: grpc.status.UNAVAILABLE, details: 'Connection dropped' }, clock);
    const st = await c!.waitForStatus('disconnected');
    expect(st.params).toEqual({ state: 'disconnected', address: fake!.address, reason: 'UNAVAILABLE: Connection dropped' });
    // First the pending publish (the findings are still open: the grace has not run out) ...
    clock.runPending();
    const pub = await c!.waitForPublish(uri, (p) => p.diagnostics.some((d) => d.source === LIVE));
    expect(pub.diagnostics.filter((d) => d.source === LIVE).map((d) => d.range.start.line).sort()).toEqual([195, 201]);
    const at = c!.events.findIndex((e) => e.params === pub);
    // ... then the grace ends (it was set when the stream dropped) and the next publish clears them.
    clock.runPending();
    const cleared = await c!.waitForPublish(uri, (p) => !p.diagnostics.some((d) => d.source === LIVE), at + 1);
    expect(cleared.diagnostics.filter((d) => d.source === LIVE)).toEqual([]);
    expect(await c!.request('textDocument/codeLens', { textDocument: { uri } })).toEqual([]);
    // Each state change is announced once, however many reconnect attempts fail the same way.
    const states = c!.statuses().map((s) => `${s.state}${s.reason ? `: ${s.reason}` : ''}`);
    expect(states.slice(0, 3)).toEqual(['connecting', 'live', 'disconnected: UNAVAILABLE: Connection dropped']);
    expect(new Set(states).size).toBe(states.length);
  });
});
