import * as grpc from '@grpc/grpc-js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import {
  ConsoleClient,
  ConsoleModel,
  encodeUpdate,
  nsToTimestamp,
  readRecording,
  type Clock,
  type ConnectionState,
  type LiveError,
} from '../../server/live/index.js';
import { DroppableProxy, FakeConsole, fixture, scripts } from './fake-console.js';
import { CAPTURES, checkFacts, detailFiles, keepAll, manifest, newObservation, observe } from './fixture-facts.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function fake(opts: Parameters<typeof FakeConsole.start>[0], bind?: string): Promise<FakeConsole> {
  const f = await FakeConsole.start(opts, bind);
  cleanups.push(() => f.stop());
  return f;
}

function client(opts: ConstructorParameters<typeof ConsoleClient>[0]): ConsoleClient {
  const c = new ConsoleClient({ backoff: { initialMs: 20, maxMs: 100 }, ...opts });
  cleanups.push(() => c.stop());
  return c;
}

async function waitFor(cond: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function record(c: ConsoleClient): { states: ConnectionState[]; errors: LiveError[] } {
  const states: ConnectionState[] = [];
  const errors: LiveError[] = [];
  c.on('state', (s) => states.push(s));
  c.on('error', (e) => errors.push(e));
  return { states, errors };
}

describe('fixture captures over gRPC', () => {
  for (const capture of CAPTURES) {
    test(`${capture}: README facts through fake server + client`, async () => {
      const m = manifest(capture);
      const frames = readRecording(fixture(`${capture}.updates.bin`));
      const details = detailFiles(m);
      const server = await fake({
        updates: scripts.frames(frames),
        details: (call, id) => scripts.recording(details.get(id)!)(call, 0),
      });
      const model = new ConsoleModel(keepAll);
      const obs = newObservation(model);
      const c = client({ address: `http://${server.address}`, model });
      const { errors } = record(c);
      let temporality: string | undefined;
      c.on('temporality', (t) => (temporality = t));
      c.on('update', (r) => observe(obs, r));
      const detailCounts = new Map<string, number>();
      c.on('details', (id) => detailCounts.set(id, (detailCounts.get(id) ?? 0) + 1));
      for (const id of details.keys()) c.watchTaskDetails(id);
      c.start();
      await waitFor(() => obs.updates.length === frames.length, 'all updates');
      await waitFor(
        () => [...details].every(([id, file]) => detailCounts.get(id) === readRecording(fixture(file)).length),
        'all details',
      );
      for (const [id, n] of detailCounts) obs.detailsSeen.set(id, n);
      checkFacts(capture, obs);
      expect(c.state.kind).toBe('live');
      expect(errors).toEqual([]);
      await waitFor(() => temporality !== undefined, 'WatchState answer');
      expect(temporality).toBe('unsupported');
      expect(server.calls.pause).toBe(0);
      expect(server.calls.updates).toBe(1);
    });
  }
});

describe('connection lifecycle', () => {
  test('app exit (connection dropped → UNAVAILABLE) keeps the model and reconnects forever', async () => {
    const frames = readRecording(fixture('exit.updates.bin'));
    let served = 0;
    const server = await fake({
      updates: async (call) => {
        for (const f of frames) await call.write(f);
        served++;
        await call.untilCancelled();
      },
    });
    const proxy = await DroppableProxy.start(server.port);
    cleanups.push(() => proxy.close());
    const c = client({ address: proxy.address });
    const { states } = record(c);
    let updates = 0;
    c.on('update', () => updates++);
    c.start();
    await waitFor(() => updates === 17 && served === 1, '17 updates');
    await proxy.close();
    await waitFor(() => c.state.kind === 'disconnected', 'disconnect');
    const state = c.state;
    expect(state.kind === 'disconnected' && state.code).toBe(grpc.status.UNAVAILABLE);
    const attempts = c.attempts;
    await waitFor(() => c.attempts >= attempts + 3, 'more reconnect attempts');
    expect([...c.model.tasks()].some((t) => t.name === 'lost-waker')).toBe(true);
    expect(states.map((s) => s.kind)).toEqual(['connecting', 'live', 'disconnected', ...states.slice(3).map(() => 'disconnected')]);
    // Same failure over and over is reported once (reasons are normalised).
    expect(states.length).toBeLessThanOrEqual(4);
  });

  test('stream that ends, then the app "restarts": the new snapshot replaces the old state', async () => {
    const server = await fake({
      updates: [scripts.recording('lost-waker.updates.bin', { then: 'end' }), scripts.recording('self-held-sender.updates.bin')],
    });
    const c = client({ address: server.address });
    const { states } = record(c);
    const names = (): string[] => [...c.model.tasks()].map((t) => t.name ?? '').sort();
    let snapshots = 0;
    c.on('update', (r) => (snapshots += r.snapshot ? 1 : 0));
    c.start();
    await waitFor(() => server.calls.updates === 2 && snapshots === 2, 'second stream');
    await waitFor(() => c.model.counters.updates >= 29 + readRecording(fixture('self-held-sender.updates.bin')).length, 'all');
    expect(names()).toEqual(['self-held-sender']);
    expect(states.map((s) => s.kind)).toEqual(['connecting', 'live', 'disconnected', 'live']);
    expect(states[2]).toMatchObject({ reason: 'stream ended by the app', code: grpc.status.OK });
  });

  test('garbage bytes: clear error, model intact, client keeps reconnecting', async () => {
    const good = readRecording(fixture('lost-waker.updates.bin'));
    const garbage = Buffer.from('this is not a protobuf message \xff\xff\xff\xff', 'latin1');
    const server = await fake({
      updates: [scripts.frames([...good.slice(0, 6), garbage]), scripts.status(grpc.status.UNAVAILABLE, 'app gone')],
    });
    const c = client({ address: server.address });
    const { errors, states } = record(c);
    c.start();
    await waitFor(() => errors.length >= 1, 'decode error');
    const tasksAfterGarbage = [...c.model.tasks()].map((t) => t.spanId).sort();
    expect(errors[0]!.kind).toBe('decode');
    expect(errors[0]!.message).toMatch(/WatchUpdates: cannot decode rs\.tokio\.console\.instrument\.Update/);
    expect(tasksAfterGarbage).toContain('2251799813685249');
    await waitFor(() => server.calls.updates >= 3, 'reconnects');
    expect([...c.model.tasks()].map((t) => t.spanId).sort()).toEqual(tasksAfterGarbage);
    expect(states.some((s) => s.kind === 'disconnected' && /undecodable update/.test(s.reason))).toBe(true);
  });

  test('no app listening: one disconnected state, however many attempts', async () => {
    const server = await fake({ updates: scripts.status(grpc.status.UNAVAILABLE, 'nobody home') });
    const c = client({ address: server.address, backoff: { initialMs: 1, maxMs: 5 } });
    const { states } = record(c);
    c.start();
    await waitFor(() => c.attempts >= 8, 'attempts');
    expect(states).toEqual([
      { kind: 'connecting', target: server.address },
      { kind: 'disconnected', target: server.address, reason: 'UNAVAILABLE: nobody home', code: grpc.status.UNAVAILABLE },
    ]);
  });

  test('reconnect delays use capped exponential backoff on the injected clock', async () => {
    const server = await fake({ updates: scripts.status(grpc.status.UNAVAILABLE, 'down') });
    const timers: Array<{ fn: () => void; ms: number }> = [];
    const clock: Clock = { setTimeout: (fn, ms) => timers.push({ fn, ms }), clearTimeout: () => undefined, random: () => 0.5 };
    const c = client({ address: server.address, clock, backoff: { initialMs: 100, maxMs: 1000, multiplier: 2, jitter: 0.2 } });
    c.start();
    for (let i = 0; i < 6; i++) {
      await waitFor(() => timers.length === i + 1, `timer ${i}`);
      timers[i]!.fn();
    }
    expect(timers.map((t) => t.ms)).toEqual([90, 180, 360, 720, 900, 900]);
  });

  test('a 20 MB first update with 50,000 tasks is received', async () => {
    const now = 1_800_000_000_000_000_000n;
    const padding = 'x'.repeat(360);
    const newTasks = [];
    const stats: Record<string, unknown> = {};
    for (let i = 0; i < 50_000; i++) {
      const id = (2n ** 60n + BigInt(i)).toString();
      newTasks.push({
        id: { id },
        metadata: { id: '1' },
        fields: [
          { str_name: 'task.name', debug_val: `task-${i}` },
          { str_name: 'padding', str_val: padding },
        ],
        location: { file: 'src/main.rs', line: 10 + (i % 7), column: 5 },
      });
      stats[id] = { created_at: nsToTimestamp(now - 1_000_000n), poll_stats: { polls: '1' } };
    }
    const bytes = encodeUpdate({ now: nsToTimestamp(now), task_update: { new_tasks: newTasks, stats_update: stats } });
    expect(bytes.length).toBeGreaterThan(20 * 1024 * 1024);
    const server = await fake({ updates: scripts.frames([bytes]) });
    const c = client({ address: server.address });
    const { errors } = record(c);
    c.start();
    await waitFor(() => c.model.counters.updates === 1, 'big update', 30_000);
    expect(errors).toEqual([]);
    expect(c.model.sizes.tasks).toBe(50_000);
    const t = c.model.taskById((2n ** 60n + 49_999n).toString())!;
    expect(t.name).toBe('task-49999');
    expect(t.stats?.pollStats?.polls).toBe(1);
  });

  test('details streams: bounded concurrency, opened on demand, closed on release', async () => {
    const server = await fake({ updates: scripts.recording('lost-waker.updates.bin') });
    const c = client({ address: server.address, maxDetailStreams: 3 });
    c.start();
    await waitFor(() => c.state.kind === 'live', 'live');
    const releases = ['1', '2', '3', '4', '5'].map((id) => c.watchTaskDetails(id));
    const again = c.watchTaskDetails('1');
    await waitFor(() => server.calls.details.length === 3, 'three streams');
    expect(c.activeDetailStreams.sort()).toEqual(['1', '2', '3']);
    releases[0]!();
    // Still wanted by a second holder: stays open.
    expect(c.activeDetailStreams).toContain('1');
    again();
    await waitFor(() => server.calls.details.length === 4, 'slot reused');
    expect(c.activeDetailStreams.sort()).toEqual(['2', '3', '4']);
    releases[1]!();
    releases[2]!();
    await waitFor(() => server.calls.details.length === 5, 'last one');
    expect(c.activeDetailStreams.sort()).toEqual(['4', '5']);
  });

  test('WatchState is followed when the subscriber has it', async () => {
    const server = await fake({
      updates: scripts.recording('lost-waker.updates.bin'),
      state: scripts.frames([Buffer.from([0x08, 0x01])]),
    });
    const c = client({ address: server.address });
    const seen: string[] = [];
    c.on('temporality', (t) => seen.push(t));
    c.start();
    await waitFor(() => seen.length === 1, 'temporality');
    expect(seen).toEqual(['PAUSED']);
  });

  test('unix socket targets', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'awaitlens-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const server = await fake({ updates: scripts.recording('self-held-sender.updates.bin') }, `unix:${join(dir, 'console.sock')}`);
    const c = client({ address: server.address });
    c.start();
    await waitFor(() => c.model.counters.updates > 3, 'updates over unix socket');
    expect(c.target.grpcTarget).toBe(server.address);
  });

  test('TOKIO_CONSOLE_BIND is honoured when no address is given', async () => {
    const server = await fake({ updates: scripts.recording('self-held-sender.updates.bin') });
    const c = client({ env: { TOKIO_CONSOLE_BIND: `0.0.0.0:${server.port}` } });
    expect(c.target).toEqual({ grpcTarget: `127.0.0.1:${server.port}`, secure: false, source: 'TOKIO_CONSOLE_BIND' });
    c.start();
    await waitFor(() => c.state.kind === 'live', 'live');
  });
});
