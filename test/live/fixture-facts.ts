/**
 * The verified facts of /work/shared/fixtures/console/README.md as
 * assertions over what a client observed, so the same checks run on files
 * decoded directly and on the same bytes received over gRPC.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import {
  ConsoleModel,
  attribute,
  decodeTaskDetails,
  decodeUpdate,
  readRecording,
  type ApplyResult,
  type LiveAttribute,
  type LiveTask,
} from '../../server/live/index.js';
import { fixture } from './fake-console.js';

export interface Manifest {
  capture: string;
  files: string[];
  spawn_sites: Array<{ name: string; file: string; line: number; column: number }>;
  task_ids?: Record<string, string>;
  resource_ids?: Record<string, string>;
}

export const CAPTURES = [
  'lost-waker',
  'self-wake',
  'blocking',
  'mutex-contention',
  'self-held-sender',
  'semaphore-starvation',
  'churn',
  'churn-with-details',
  'exit',
  'pause-resume',
] as const;
export type Capture = (typeof CAPTURES)[number];

export function manifest(capture: string): Manifest {
  return JSON.parse(readFileSync(fixture(`${capture}.json`), 'utf8')) as Manifest;
}

/** `{ taskId: file }` for the details captures of a manifest. */
export function detailFiles(m: Manifest): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of m.files) {
    const match = /\.details-(\d+)\.bin$/.exec(f);
    if (match) out.set(match[1]!, f);
  }
  return out;
}

/** Model settings for fact checks: keep everything so end-of-capture facts are visible. */
export const keepAll = { retentionMs: Infinity, maxCompleted: Infinity };

export interface Observation {
  model: ConsoleModel;
  updates: Array<{ now: bigint | undefined; newTasks: number }>;
  /** Every task announcement in order, with the stats seen in the same update. */
  taskAnnouncements: Array<{ id: string; at: bigint | undefined; createdAt?: bigint; droppedInSameUpdate: boolean; name?: string }>;
  asyncOpAnnouncements: Array<{ id: string; source: string; resourceId?: string; parentAsyncOpId?: string }>;
  /** Resource attributes per stats update, keyed by resource id. */
  resourceStats: Map<string, LiveAttribute[][]>;
  detailsSeen: Map<string, number>;
}

export function newObservation(model: ConsoleModel): Observation {
  return { model, updates: [], taskAnnouncements: [], asyncOpAnnouncements: [], resourceStats: new Map(), detailsSeen: new Map() };
}

export function observe(obs: Observation, r: ApplyResult): void {
  const m = obs.model;
  obs.updates.push({ now: r.now, newTasks: r.newTasks.length });
  for (const id of r.newTasks) {
    const t = m.taskById(id);
    const entry: Observation['taskAnnouncements'][number] = { id, at: r.now, droppedInSameUpdate: t?.stats?.droppedAt !== undefined };
    if (t?.stats?.createdAt !== undefined) entry.createdAt = t.stats.createdAt;
    if (t?.name !== undefined) entry.name = t.name;
    obs.taskAnnouncements.push(entry);
  }
  for (const id of r.newAsyncOps) {
    const op = m.asyncOpById(id)!;
    const entry: Observation['asyncOpAnnouncements'][number] = { id, source: op.source };
    if (op.resourceId !== undefined) entry.resourceId = op.resourceId;
    if (op.parentAsyncOpId !== undefined) entry.parentAsyncOpId = op.parentAsyncOpId;
    obs.asyncOpAnnouncements.push(entry);
  }
  for (const id of r.updatedResources) {
    const list = obs.resourceStats.get(id) ?? [];
    list.push(m.resourceById(id)!.attributes);
    obs.resourceStats.set(id, list);
  }
}

/** Replays a capture's files straight into a model (no network). */
export function replayFiles(capture: string): Observation & { frames: Uint8Array[] } {
  const m = manifest(capture);
  const model = new ConsoleModel(keepAll);
  const obs = newObservation(model);
  const frames = readRecording(fixture(`${capture}.updates.bin`));
  for (const f of frames) observe(obs, model.apply(decodeUpdate(f)));
  for (const [id, file] of detailFiles(m)) {
    const details = readRecording(fixture(file));
    for (const d of details) model.applyTaskDetails(decodeTaskDetails(d), id);
    obs.detailsSeen.set(id, details.length);
  }
  return Object.assign(obs, { frames });
}

const TWO_53 = 2n ** 53n;

function taskNamed(model: ConsoleModel, name: string): LiveTask {
  const found = [...model.tasks()].filter((t) => t.name === name);
  expect(found, `task ${name}`).toHaveLength(1);
  return found[0]!;
}

function expectAt(t: LiveTask, file: string, line: number, column: number): void {
  expect(t.location).toMatchObject({ file, line, column });
  expect(t.locationSource).toBe('location');
}

function attrValue(a: LiveAttribute | undefined): unknown {
  return a?.value.value;
}

function recordingEvents(capture: string): { kinds: Record<string, number>; spawnIds: string[] } {
  const kinds: Record<string, number> = {};
  const spawnIds: string[] = [];
  const lines = readFileSync(fixture(`${capture}.record.ndjson`), 'utf8').split('\n');
  expect(lines[0]).toBe('{"v":1}');
  for (const line of lines.slice(1)) {
    // Ids are bare JSON numbers above 2^53: read them as text, never via JSON.parse.
    const kind = /^\{"(\w+)"/.exec(line)?.[1];
    if (!kind) continue;
    kinds[kind] = (kinds[kind] ?? 0) + 1;
    if (kind === 'Spawn') spawnIds.push(/^\{"Spawn":\{"id":(\d+)/.exec(line)![1]!);
  }
  return { kinds, spawnIds };
}

/** Facts that hold for any client that saw the whole capture (file replay or gRPC). */
export function checkFacts(capture: Capture, obs: Observation): void {
  const m = manifest(capture);
  const model = obs.model;
  const ids = m.task_ids ?? {};
  for (const site of m.spawn_sites) {
    const tasks = [...model.tasks()].filter((t) => t.name === site.name);
    expect(tasks.length, `tasks named ${site.name}`).toBeGreaterThan(0);
    for (const t of tasks) expectAt(t, site.file, site.line, site.column);
  }
  for (const [name, id] of Object.entries(ids)) expect(model.taskById(id)?.name, `task id ${id}`).toBe(name);
  const announcedTwice = new Set<string>();
  const seen = new Set<string>();
  for (const a of obs.taskAnnouncements) (seen.has(a.id) ? announcedTwice : seen).add(a.id);

  switch (capture) {
    case 'lost-waker':
    case 'exit': {
      const lw = taskNamed(model, 'lost-waker');
      const w = model.warningInputs(lw);
      expect(w).toMatchObject({ polls: 1, wakes: 0, wakerCount: 0, isCompleted: false });
      expect(lw.stats).toMatchObject({ wakerClones: 0, wakerDrops: 0 });
      expect(lw.stats?.droppedAt).toBeUndefined();
      expect(lw.kind).toBe('task');
      expect(lw.fields.map((f) => [f.name, f.value.kind])).toEqual([
        ['kind', 'debug'],
        ['task.name', 'debug'],
        ['task.id', 'u64'],
      ]);
      expect(lw.metadataId).toBeDefined();
      expect(lw.location?.modulePath).toBeUndefined();
      if (capture === 'exit') break;
      expect(lw.tokioTaskId).toBe('11');
      const sl = taskNamed(model, 'sleep-loop');
      const sm = model.taskMetrics(sl);
      expect(sm.polls).toBe(sm.wakes + 1);
      expect([sm.polls, sm.wakes]).toEqual([12, 11]);
      expect(sm.wakerCount).toBe(1);
      expect(sm.state).not.toBe('completed');
      const sleeps = [...model.resources()].filter((r) => r.concreteType === 'Sleep' && r.location?.line === 105);
      expect(sleeps).toHaveLength(12);
      for (const r of sleeps) {
        expect(r).toMatchObject({ kind: 'TIMER', kindIsKnown: true, location: { file: 'src/main.rs', line: 105, column: 13 } });
        const d = attribute(r, 'duration');
        expect(attrValue(d)).toBe(501n);
        expect(d?.unit).toBe('ms');
        expect(obs.asyncOpAnnouncements.some((op) => op.source === 'Sleep::new_timeout' && op.resourceId === r.spanId)).toBe(true);
      }
      const big = [...model.resources(), ...model.asyncOps()].filter((e) => BigInt(e.spanId) > TWO_53);
      expect(big).toHaveLength(14);
      for (const id of [ids['lost-waker']!, ids['sleep-loop']!]) {
        const d = model.taskById(id)!.details;
        expect(d?.pollTimes, `details for ${id}`).toBeDefined();
        expect(d?.pollTimes?.clampMax).toBe(1_000_000_000);
        expect(d?.scheduledTimes).toBeDefined();
      }
      break;
    }
    case 'self-wake': {
      const sw = taskNamed(model, 'self-wake');
      expect([sw.stats?.selfWakes, sw.stats?.wakes]).toEqual([92400, 93323]);
      expect(model.taskMetrics(sw).selfWakePercent).toBe(99);
      expect(model.warningInputs(sw).selfWakePercent).toBeGreaterThan(50);
      const y = taskNamed(model, 'yield-now');
      expect([y.stats?.selfWakes, y.stats?.wakes]).toEqual([0, 90798]);
      expect(model.taskMetrics(y).selfWakePercent).toBe(0);
      for (const id of Object.values(ids)) expect(model.taskById(id)?.details?.pollTimes?.count).toBeGreaterThan(0);
      break;
    }
    case 'blocking': {
      for (const [name, busy, busyMs, outlier] of [
        ['blocking-sleep', 2000, 2000.2, 2000225968],
        ['cpu-spin', 1500, 1500.1, 1500091169],
      ] as const) {
        const t = taskNamed(model, name);
        const mt = model.taskMetrics(t);
        expect(mt.polls).toBe(1);
        expect(mt.busyNs).toBeGreaterThanOrEqual(busy * 1e6);
        expect(Math.round(mt.busyNs / 1e5) / 10).toBe(busyMs);
        expect(mt.state).not.toBe('completed');
        const h = t.details?.pollTimes;
        expect(h).toMatchObject({ highOutliers: 1, highestOutlier: outlier, clampMax: 1_000_000_000, max: outlier, count: 1 });
      }
      break;
    }
    case 'mutex-contention': {
      const mutexId = m.resource_ids!['mutex']!;
      const semId = m.resource_ids!['internal_semaphore']!;
      const mutex = model.resourceById(mutexId)!;
      expect(mutex).toMatchObject({
        concreteType: 'Mutex',
        kind: 'Sync',
        kindIsKnown: false,
        isInternal: false,
        location: { file: 'src/main.rs', line: 150, column: 26 },
      });
      const mutexStats = obs.resourceStats.get(mutexId) ?? [];
      expect(mutexStats.length).toBeGreaterThan(0);
      for (const attrs of mutexStats) {
        const locked = attrs.find((a) => a.name === 'locked');
        expect(locked?.value).toEqual({ kind: 'bool', value: true });
      }
      const sem = model.resourceById(semId)!;
      expect(sem).toMatchObject({ concreteType: 'Semaphore', isInternal: true, parentResourceId: mutexId });
      expect(sem.location).toBeUndefined();
      expect(attrValue(attribute(sem, 'permits'))).toBe(0n);
      const locks = obs.asyncOpAnnouncements.filter((o) => o.source === 'Mutex::lock');
      expect(locks).toHaveLength(18);
      for (const l of locks) expect(l.resourceId).toBe(mutexId);
      const lockIds = new Set(locks.map((l) => l.id));
      const acquires = obs.asyncOpAnnouncements.filter((o) => o.source === 'Acquire::new');
      expect(acquires).toHaveLength(18);
      for (const a of acquires) {
        expect(a.resourceId).toBe(semId);
        expect(lockIds.has(a.parentAsyncOpId!)).toBe(true);
        const op = model.asyncOpById(a.id);
        if (op && op.attributes.length > 0) {
          expect(op.attributes.map((x) => x.name).sort()).toEqual(['permits_obtained', 'permits_requested']);
          for (const x of op.attributes) expect(x.value.kind).toBe('u64');
        }
      }
      const waiting = [...model.asyncOps()].filter((o) => o.source === 'Mutex::lock' && o.stats?.droppedAt === undefined);
      expect(waiting).toHaveLength(5);
      const waiterIds = new Set(Object.entries(ids).filter(([n]) => n.startsWith('mutex-waiter-')).map(([, id]) => id));
      for (const w of waiting) expect(waiterIds.has(w.taskId!)).toBe(true);
      expect(model.asyncOpsOfTask(waiting[0]!.taskId!).length).toBeGreaterThan(0);
      for (const id of waiterIds) expectAt(model.taskById(id)!, 'src/main.rs', 164, 9);
      expectAt(model.taskById(ids['mutex-holder']!)!, 'src/main.rs', 153, 5);
      expect(recordingEvents('mutex-contention').kinds).toEqual({ Enter: 418, Exit: 418, Close: 100, Spawn: 6, Waker: 82 });
      break;
    }
    case 'self-held-sender': {
      const t = taskNamed(model, 'self-held-sender');
      expect(model.warningInputs(t)).toMatchObject({ polls: 1, wakes: 0, wakerCount: 1, isCompleted: false, state: 'idle' });
      // Besides the scenario-app's own sleeps (src/main.rs:81 and :93), the channel is the only resource.
      const others = [...model.resources()].filter((r) => r.concreteType !== 'Sleep');
      expect(others).toHaveLength(1);
      const sem = others[0]!;
      expect(sem).toMatchObject({ concreteType: 'Semaphore', isInternal: true });
      expect(sem.location).toBeUndefined();
      expect(sem.parentResourceId).toBeUndefined();
      expect(attrValue(attribute(sem, 'permits'))).toBe(8n);
      expect(obs.asyncOpAnnouncements.filter((o) => o.source !== 'Sleep::new_timeout')).toHaveLength(0);
      break;
    }
    case 'semaphore-starvation': {
      const sem = model.resourceById('2251799813685249')!;
      expect(sem).toMatchObject({ concreteType: 'Semaphore', isInternal: false, location: { file: 'src/main.rs', line: 186, column: 24 } });
      for (const attrs of obs.resourceStats.get(sem.spanId) ?? []) expect(attrValue(attrs.find((a) => a.name === 'permits'))).toBe(0n);
      const waiterIds = Object.entries(ids).filter(([n]) => n.startsWith('sem-waiter-')).map(([, id]) => id);
      const acquires = [...model.asyncOps()].filter((o) => o.source === 'Semaphore::acquire');
      const open = acquires.filter((o) => o.stats?.droppedAt === undefined);
      expect(open.map((o) => o.taskId).sort()).toEqual([...waiterIds].sort());
      for (const o of open) expect(attrValue(attribute(o, 'permits_obtained'))).toBe(0n);
      const holderOps = acquires.filter((o) => o.taskId === ids['sem-holder']);
      expect(holderOps.some((o) => o.stats?.droppedAt !== undefined && attrValue(attribute(o, 'permits_obtained')) === 1n)).toBe(true);
      for (const id of waiterIds) {
        const t = model.taskById(id)!;
        expectAt(t, 'src/main.rs', 196, 9);
        expect(model.warningInputs(t)).toMatchObject({ polls: 1, wakes: 0, wakerCount: 1 });
      }
      const chan = model.resourceById('8')!;
      expect(chan).toMatchObject({ concreteType: 'Semaphore', isInternal: true });
      expect(chan.location).toBeUndefined();
      expect(chan.parentResourceId).toBeUndefined();
      expect(attrValue(attribute(chan, 'permits'))).toBe(0n);
      const chanOps = [...model.asyncOps()].filter((o) => o.source === 'Acquire::new' && o.resourceId === '8' && !o.stats?.droppedAt);
      expect(chanOps.map((o) => o.taskId)).toEqual([ids['full-sender']]);
      expect(model.taskById('9')!.stats?.pollStats?.polls).toBe(1);
      expect([ids['full-sender'], ids['idle-receiver'], ids['sem-waiter-3']]).toEqual(['9', '10', '7']);
      expect(model.taskById('9')!.details?.pollTimes).toBeDefined();
      break;
    }
    case 'churn':
    case 'churn-with-details': {
      expect(announcedTwice.size).toBe(0);
      const rec = recordingEvents(capture);
      expect(rec.spawnIds).toHaveLength(3002);
      expect(new Set(rec.spawnIds).size).toBe(3002);
      if (capture === 'churn-with-details') {
        expect(seen.size).toBe(2758);
        const missing = rec.spawnIds.filter((id) => !seen.has(id));
        expect(missing).toHaveLength(244);
        // First wave = ticker, sleeper and the first 300 churn spawns.
        const firstWave = new Set(rec.spawnIds.slice(0, 302));
        expect(missing.every((id) => firstWave.has(id))).toBe(true);
        break;
      }
      expect(seen.size).toBe(3002);
      const churn = obs.taskAnnouncements.filter((a) => a.name === 'churn');
      expect(churn).toHaveLength(3000);
      expect(churn.every((a) => a.droppedInSameUpdate)).toBe(true);
      for (const a of churn) {
        const t = model.taskById(a.id)!;
        expectAt(t, 'src/main.rs', 231, 13);
        expect(t.stats?.droppedAt).toBeDefined();
      }
      for (const n of ['ticker', 'sleeper']) expect(taskNamed(model, n).stats?.droppedAt).toBeUndefined();
      const big = churn.map((a) => BigInt(a.id)).filter((id) => id > TWO_53);
      expect(big).toHaveLength(2500);
      expect(big.reduce((a, b) => (b > a ? b : a)).toString()).toBe('189151184349560844');
      expect(Math.max(...obs.updates.map((u) => u.newTasks))).toBe(127);
      const first = obs.updates[0]!.now!;
      const lastNew = [...obs.updates].reverse().find((u) => u.newTasks > 0)!.now!;
      expect(Number((lastNew - first) / 1_000_000n)).toBe(7704);
      const lag = obs.taskAnnouncements.map((a) => Number((a.at! - a.createdAt!) / 1_000_000n));
      expect(Math.max(...lag)).toBe(3907);
      const interval = [...model.resources()].filter((r) => r.concreteType === 'Interval');
      expect(interval).toHaveLength(1);
      expect(interval[0]).toMatchObject({ kind: 'TIMER', kindIsKnown: true, location: { file: 'src/main.rs', line: 217, column: 28 } });
      expect(interval[0]!.attributes).toEqual([]);
      break;
    }
    case 'pause-resume': {
      const nows = obs.updates.map((u) => u.now!);
      expect(Number((nows[13]! - nows[12]!) / 1_000_000n)).toBe(2749);
      for (let i = 1; i < nows.length; i++) if (i !== 13) expect(Number((nows[i]! - nows[i - 1]!) / 1_000_000n)).toBeLessThan(400);
      break;
    }
  }
}
