// The live commands run in-process with injected io, abort signal, sleep and clock.
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { run, type LiveDeps } from '../../server/live/cli.js';
import { handleKey, INITIAL_VIEW, renderTop, siteRows } from '../../server/live/cli/top-view.js';
import { ConsoleClient } from '../../server/live/connection.js';
import { ConsoleModel } from '../../server/live/model.js';
import { readRecording } from '../../server/live/recording.js';
import { LiveRuleEngine } from '../../server/live/rules/engine.js';
import { Scenario } from '../../server/live/rules/scenario.js';
import { decodeUpdate } from '../../server/live/wire.js';
import { ALL_LIVE_RULES } from '../../rules/live-index.js';
import wokenAgain from '../../rules/lost-waker/live-fixtures/woken-again.js';
import { FakeConsole, scripts } from '../live/fake-console.js';
import type { Clock } from '../../server/live/clock.js';

const app = join(import.meta.dirname, '../../../shared/fixtures/console/scenario-app');
const fx = (n: string): string => join(import.meta.dirname, '../../../shared/fixtures/console', n);

function deps(extra: Partial<LiveDeps> = {}): LiveDeps & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), cwd: app, env: {}, stdoutIsTTY: false },
    signal: new AbortController().signal,
    out,
    err,
    ...extra,
  };
}

/** A clock whose timers run only when the test says so. */
class ManualClock implements Clock {
  timers: Array<{ fn: () => void; ms: number; done: boolean }> = [];
  setTimeout(fn: () => void, ms: number): unknown {
    const t = { fn, ms, done: false };
    this.timers.push(t);
    return t;
  }
  clearTimeout(h: unknown): void {
    if (h) (h as { done: boolean }).done = true;
  }
  random(): number {
    return 0;
  }
  fire(ms: number): void {
    for (const t of this.timers.filter((x) => !x.done && x.ms === ms)) {
      t.done = true;
      t.fn();
    }
  }
}

let fake: FakeConsole | undefined;
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

describe('watch --replay', () => {
  test('json: exactly the open events of lost-waker.updates.bin, paths relative to PATH', async () => {
    const d = deps();
    expect(await run('watch', ['--replay', fx('lost-waker.updates.bin'), '--speed', 'max', '--format', 'json', '.'], d)).toBe(0);
    const lines = d.out.join('').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([
      {
        event: 'open',
        rule: 'lost-waker',
        severity: 'warning',
        file: 'src/main.rs',
        line: 99,
        column: 5,
        message:
          'The task spawned here (`lost-waker`, id 11) has lost its waker: it returned `Poll::Pending` and nothing holds a clone of its `Waker`, so it will never be polled again and whatever waits for it hangs.',
        tasks: ['11'],
      },
    ]);
    expect(d.err.join('')).toBe('end of recording: 1 finding still open\n  src/main.rs:99:5: lost-waker (tasks 11)\n');
  });

  test('text: opens and closes with related locations', async () => {
    const d = deps();
    await run('watch', ['--replay', fx('blocking.updates.bin'), '--speed', 'max'], d);
    const text = d.out.join('');
    expect(text).toContain('src/main.rs:133:5: warning long-poll: The task spawned here (`blocking-sleep`, id 10) blocks its worker thread');
    expect(text).toContain('src/main.rs:138:5: closed never-yielded\n');
    expect(text).toContain('end of recording: 2 findings still open\n');
  });

  test('every capture replays', async () => {
    for (const name of ['lost-waker', 'self-wake', 'blocking', 'mutex-contention', 'self-held-sender', 'semaphore-starvation', 'churn', 'churn-with-details', 'exit', 'pause-resume']) {
      const d = deps();
      expect(await run('watch', ['--replay', fx(`${name}.updates.bin`), '--speed', 'max', '--format', 'json'], d)).toBe(0);
      expect(d.err.join('')).toMatch(/^end of recording: /);
    }
  });

  test('pacing follows the updates own `now`, divided by --speed', async () => {
    const waits: number[] = [];
    const d = deps({ sleep: async (ms) => void waits.push(ms) });
    await run('watch', ['--replay', fx('lost-waker.updates.bin'), '--speed', '4', '--format', 'json'], d);
    const frames = readRecording(fx('lost-waker.updates.bin')).map((f) => decodeUpdate(f).now!);
    const expected = frames.slice(1).map((n, i) => Number(n - frames[i]!) / 1e6 / 4);
    expect(waits).toEqual(expected);
  });

  test('bad input: missing file, bad speed, unknown flag', async () => {
    let d = deps();
    expect(await run('watch', ['--replay', '/nonexistent.bin'], d)).toBe(2);
    expect(d.err.join('')).toBe('awaitlens watch: cannot read /nonexistent.bin: no such file\n');
    d = deps();
    expect(await run('watch', ['--replay', fx('exit.updates.bin'), '--speed', 'fast'], d)).toBe(2);
    d = deps();
    expect(await run('watch', ['--bogus'], d)).toBe(2);
    expect(d.err.join('')).toBe("awaitlens watch: unknown option '--bogus'\n");
  });

  test('a truncated recording is a clear error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'awaitlens-'));
    const file = join(dir, 'cut.bin');
    const bytes = readFileSync(fx('exit.updates.bin'));
    (await import('node:fs')).writeFileSync(file, bytes.subarray(0, bytes.length - 3));
    const d = deps();
    expect(await run('watch', ['--replay', file, '--speed', 'max'], d)).toBe(2);
    expect(d.err.join('')).toMatch(/^awaitlens: .*truncated frame 16/);
  });
});

describe('record', () => {
  test('writes the served frames byte for byte', async () => {
    const frames = readRecording(fx('semaphore-starvation.updates.bin'));
    fake = await FakeConsole.start({ updates: scripts.frames(frames) });
    const dir = mkdtempSync(join(tmpdir(), 'awaitlens-'));
    const out = join(dir, 'rec.bin');
    const ctl = new AbortController();
    const d = deps({ signal: ctl.signal });
    const done = run('record', ['--out', out, '--address', fake.address], d);
    const want = readFileSync(fx('semaphore-starvation.updates.bin')).length;
    while (!(d.err.join('').includes('connected') && sizeOf(out) >= want)) await new Promise((r) => setTimeout(r, 20));
    ctl.abort();
    expect(await done).toBe(0);
    expect(readFileSync(out).equals(readFileSync(fx('semaphore-starvation.updates.bin')))).toBe(true);
    expect(d.err.join('')).toContain(`recorded ${frames.length} updates to ${out}`);
    expect(fake.calls.pause).toBe(0);
  });
});

function sizeOf(p: string): number {
  try {
    return statSync(p).size;
  } catch {
    return 0;
  }
}

describe('watch (live)', () => {
  test('prints findings and each connection state once; Ctrl-C ends with 0', async () => {
    fake = await FakeConsole.start({ updates: scripts.recording('lost-waker.updates.bin') });
    const ctl = new AbortController();
    const d = deps({ signal: ctl.signal });
    const done = run('watch', ['--address', fake.address, '--format', 'json'], d);
    while (!d.out.join('').includes('"lost-waker"')) await new Promise((r) => setTimeout(r, 20));
    ctl.abort();
    expect(await done).toBe(0);
    expect(JSON.parse(d.out[0]!)).toMatchObject({ event: 'open', rule: 'lost-waker', file: 'src/main.rs', line: 99, column: 5, tasks: ['11'] });
    expect(d.err.filter((l) => l.startsWith('connected')).length).toBe(1);
  });

  test('findings are cleared after the disconnect grace, not before', async () => {
    const s = new Scenario();
    wokenAgain(s);
    const stalled = s.frames.slice(0, 9); // lost waker, never woken
    fake = await FakeConsole.start({ updates: [scripts.frames(stalled, { then: { code: 14, details: 'gone' } }), scripts.status(14, 'gone')] });
    const clock = new ManualClock();
    const model = new ConsoleModel();
    const engine = new LiveRuleEngine(model, { rules: ALL_LIVE_RULES, clock, graceMs: 3000 });
    const client = new ConsoleClient({ address: fake.address, model, clock, watchState: false });
    const events: string[] = [];
    engine.on('event', (e) => events.push(`${e.kind} ${e.finding.rule}${e.kind === 'close' ? ' ' + e.reason : ''}`));
    const detach = engine.attach(client);
    client.start();
    while (client.state.kind !== 'disconnected') await new Promise((r) => setTimeout(r, 20));
    expect(events).toEqual(['open lost-waker']);
    clock.fire(3000);
    expect(events).toEqual(['open lost-waker', 'close lost-waker disconnected']);
    detach();
    client.stop();
  });
});

describe('top', () => {
  test('--once on a replay prints one frame with sites, locations and warnings', async () => {
    const d = deps({ terminalSize: () => ({ columns: 140, rows: 12 }) });
    expect(await run('top', ['--replay', fx('semaphore-starvation.updates.bin'), '--once', '--sort', 'tasks'], d)).toBe(0);
    const lines = d.out.join('').trimEnd().split('\n');
    expect(lines[0]).toBe('awaitlens top — end of recording — 7 live / 7 tasks at 4 sites — sort: tasks [b]usy [s]ched [w]akes [t]asks');
    expect(lines[1]).toMatch(/^SITE\s+NAME\s+LIVE\s+TOTAL\s+BUSY\s+SCHED\s+WAKES\s+WARNINGS$/);
    expect(lines[2]).toMatch(/^src\/main\.rs:196:9\s+sem-waiter-0 \+3\s+4\s+4\s+[\d.]+ms\s+0\.0ms\s+0\s+stuck-on-resource$/);
    expect(lines.slice(3).map((l) => l.split(/\s+/)[0])).toEqual(['src/main.rs:189:5', 'src/main.rs:202:5', 'src/main.rs:209:5']);
  });

  test('keys: sort, filter, pause, quit', () => {
    let v = INITIAL_VIEW;
    v = handleKey(v, 'w').view;
    expect(v.sort).toBe('wakes');
    v = handleKey(v, '/').view;
    for (const k of ['w', 'o', 'r', 'x', '\x7f', 'k']) v = handleKey(v, k).view;
    expect(v).toMatchObject({ editing: true, filter: 'work' });
    expect(handleKey(v, 'q').quit).toBe(false); // typing, not quitting
    v = handleKey(v, '\r').view;
    expect(v).toMatchObject({ editing: false, filter: 'work' });
    v = handleKey(v, ' ').view;
    expect(v.paused).toBe(true);
    expect(handleKey(v, 'q').quit).toBe(true);
    expect(handleKey(v, '\x03').quit).toBe(true);
    expect(handleKey(v, '\x1b').view.filter).toBe('');
  });

  test('10 000 tasks: aggregated per site and truncated to the terminal', () => {
    const s = new Scenario();
    for (let i = 0; i < 10_000; i++) s.task(i + 1, { name: `worker-${i % 7}`, site: `src/server.rs:${10 + (i % 300)}:9` }).poll(i % 1000, (i % 13) + 0.5).set({ wakerClones: 1 });
    s.frame(2000);
    const model = new ConsoleModel();
    model.apply(decodeUpdate(s.frames[0]!));
    const rows = siteRows(model, []);
    expect(rows.length).toBe(300);
    expect(rows.reduce((n, r) => n + r.live, 0)).toBe(10_000);
    const frame = renderTop(rows, INITIAL_VIEW, model, { columns: 100, rows: 30, status: 'test' });
    expect(frame.length).toBe(30);
    expect(frame.every((l) => l.length <= 100)).toBe(true);
    expect(frame[29]).toBe('… 273 more sites');
    const filtered = renderTop(rows, { ...INITIAL_VIEW, filter: 'server.rs:11' }, model, { columns: 100, rows: 200, status: 'test' });
    expect(filtered.slice(2).every((l) => l.startsWith('src/server.rs:11'))).toBe(true);
    expect(filtered.length).toBe(2 + 1 + 10); // :11 and :110–:119
  });
});
