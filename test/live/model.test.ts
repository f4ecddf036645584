import { describe, expect, test } from 'vitest';
import {
  ConsoleModel,
  decodeUpdate,
  encodeUpdate,
  nsToTimestamp,
  taskMetrics,
  warningInputs,
  type WireUpdate,
} from '../../server/live/index.js';
import type { WireTask, WireTaskStats } from '../../server/live/wire.js';

const T0 = 1_795_598_000_000_000_000n;
const ms = (n: number): bigint => BigInt(n) * 1_000_000n;

function task(id: string, name: string, extra: Partial<WireTask> = {}): WireTask {
  return {
    id,
    kind: 'SPAWN',
    fields: [{ strName: 'task.name', value: { kind: 'debug', value: name } }],
    parents: [],
    location: { file: 'src/main.rs', line: 1, column: 1 },
    ...extra,
  };
}

function stats(created: bigint, extra: Partial<WireTaskStats> = {}): WireTaskStats {
  return { createdAt: created, wakes: 0, wakerClones: 0, wakerDrops: 0, selfWakes: 0, pollStats: { polls: 1, busyNs: 1000 }, ...extra };
}

function update(now: bigint, tasks: WireTask[] = [], st: Array<[string, WireTaskStats]> = []): WireUpdate {
  return { now, newMetadata: [], taskUpdate: { newTasks: tasks, statsUpdate: new Map(st), droppedEvents: 0 } };
}

describe('ConsoleModel', () => {
  test('u64 ids above 2^53 survive encode → decode → model exactly', () => {
    const id = '18446744073709551557';
    const neighbour = '18446744073709551556';
    const bytes = encodeUpdate({
      now: nsToTimestamp(T0),
      task_update: {
        new_tasks: [{ id: { id } }, { id: { id: neighbour } }],
        stats_update: { [id]: { created_at: nsToTimestamp(T0) }, [neighbour]: { created_at: nsToTimestamp(T0) } },
      },
    });
    const u = decodeUpdate(bytes);
    expect([...u.taskUpdate!.statsUpdate.keys()].sort()).toEqual([neighbour, id]);
    const m = new ConsoleModel();
    m.apply(u);
    expect(m.taskById(id)?.stats?.createdAt).toBe(T0);
    expect(m.sizes.tasks).toBe(2);
  });

  test('a new task with a reused span id replaces the old one', () => {
    const m = new ConsoleModel();
    m.apply(update(T0, [task('5', 'old')], [['5', stats(T0, { droppedAt: T0 + ms(1) })]]));
    expect(m.sizes.completedTasks).toBe(1);
    m.apply(update(T0 + ms(250), [task('5', 'new')], [['5', stats(T0 + ms(200))]]));
    const t = m.taskById('5')!;
    expect(t.name).toBe('new');
    expect(t.stats?.droppedAt).toBeUndefined();
    expect(m.counters.replacedIds).toBe(1);
    expect(m.sizes.completedTasks).toBe(0);
    // Not evicted later by the old incarnation's retention.
    m.apply(update(T0 + ms(60_000)));
    expect(m.taskById('5')?.name).toBe('new');
  });

  test('stats for never-announced tasks are counted, not fatal', () => {
    const m = new ConsoleModel();
    m.apply(update(T0, [], [['77', stats(T0, { droppedAt: T0 })]]));
    expect(m.sizes.tasks).toBe(0);
    expect(m.counters.taskStatsForUnknownIds).toBe(1);
  });

  test('completed tasks are kept for the retention window on the app clock', () => {
    const m = new ConsoleModel({ retentionMs: 10_000 });
    m.apply(update(T0, [task('1', 'done'), task('2', 'alive')], [
      ['1', stats(T0, { droppedAt: T0 + ms(100) })],
      ['2', stats(T0)],
    ]));
    m.apply(update(T0 + ms(10_100)));
    expect(m.taskById('1')).toBeDefined();
    m.apply(update(T0 + ms(10_101)));
    expect(m.taskById('1')).toBeUndefined();
    m.apply(update(T0 + ms(3_600_000)));
    expect(m.taskById('2')).toBeDefined();
  });

  test('200k short-lived tasks keep the model bounded; oldest completed go first', () => {
    const m = new ConsoleModel({ maxCompleted: 5_000 });
    m.apply(update(T0, [task('1', 'ticker')], [['1', stats(T0)]]));
    let next = 2;
    let peak = 0;
    for (let u = 1; u <= 2_000; u++) {
      const now = T0 + ms(u); // 1 ms per update: retention never triggers, only the cap does
      const batch: WireTask[] = [];
      const st: Array<[string, WireTaskStats]> = [];
      for (let i = 0; i < 100; i++) {
        const id = String(next++);
        batch.push(task(id, 'churn'));
        st.push([id, stats(now - 1000n, { droppedAt: now - BigInt(100 - i) })]);
      }
      m.apply(update(now, batch, st));
      peak = Math.max(peak, m.sizes.tasks);
    }
    expect(next - 2).toBe(200_000);
    expect(peak).toBeLessThanOrEqual(5_001);
    expect(m.sizes.tasks).toBe(5_001);
    expect(m.taskById('1')?.name).toBe('ticker');
    expect(m.taskById(String(next - 1))).toBeDefined();
    expect(m.taskById(String(next - 5_001))).toBeUndefined();
    expect(m.sizes.evictedTasks).toBe(195_000);
  });

  test('time-based eviction under steady churn', () => {
    const m = new ConsoleModel({ retentionMs: 1_000 });
    let next = 1;
    for (let u = 0; u < 400; u++) {
      const now = T0 + ms(u * 250);
      const batch = [task(String(next), 'c')];
      m.apply(update(now, batch, [[String(next++), stats(now, { droppedAt: now })]]));
    }
    // 1 s retention at 4 updates/s: the last 5 (dropped at now-1000..now) remain.
    expect(m.sizes.tasks).toBe(5);
  });

  test('first update after reset() replaces everything', () => {
    const m = new ConsoleModel();
    m.apply(update(T0, [task('1', 'a')], [['1', stats(T0)]]));
    m.reset();
    const r = m.apply(update(T0 + ms(5), [task('2', 'b')], [['2', stats(T0)]]));
    expect(r.snapshot).toBe(true);
    expect([...m.tasks()].map((t) => t.name)).toEqual(['b']);
  });

  test('fields: name_idx via metadata, quoted names, kinds, sizes, legacy spawn.location', () => {
    const m = new ConsoleModel();
    const u = update(T0, [
      {
        id: '10',
        metadataId: '900',
        kind: 'SPAWN',
        parents: [],
        fields: [
          { nameIdx: 0, metadataId: '900', value: { kind: 'debug', value: '"quoted name"' } },
          { nameIdx: 1, metadataId: '900', value: { kind: 'str', value: 'block_on' } },
          { strName: 'size.bytes', value: { kind: 'u64', value: 4096n } },
          { strName: 'original_size.bytes', value: { kind: 'u64', value: 2048n } },
          { strName: 'spawn.location', value: { kind: 'str', value: '/home/u/.cargo/registry/src/x/tokio-1.8.0/src/rt/mod.rs:120:9' } },
          { strName: 'task.id', value: { kind: 'u64', value: 42n } },
          { nameIdx: 9, metadataId: '900', value: { kind: 'bool', value: true } },
        ],
      },
    ]);
    u.newMetadata.push({ id: '900', name: 'runtime.spawn', target: 'tokio::task', modulePath: '', kind: 'SPAN', level: 'TRACE', fieldNames: ['task.name', 'kind'] });
    m.apply(u);
    const t = m.taskById('10')!;
    expect(t).toMatchObject({
      name: 'quoted name',
      kind: 'block_on',
      sizeBytes: 4096,
      originalSizeBytes: 2048,
      tokioTaskId: '42',
      locationSource: 'spawn.location',
      location: { file: '/home/u/.cargo/registry/src/x/tokio-1.8.0/src/rt/mod.rs', line: 120, column: 9 },
    });
    // The field with an out-of-range name index is dropped, as tokio-console does.
    expect(t.fields).toHaveLength(6);
    expect(warningInputs(t, T0)).toMatchObject({ isBlocking: true, sizeBytes: 4096, originalSizeBytes: 2048 });
  });

  test('derived metrics follow tokio-console definitions', () => {
    const base = { kind: 'task' };
    const running = { ...base, stats: stats(T0, { pollStats: { polls: 1, busyNs: 0, lastPollStarted: T0 + ms(10) } }) };
    expect(taskMetrics(running, T0 + ms(1_510))).toMatchObject({ state: 'running', busyNs: 1_500_000_000, totalNs: 1_510_000_000, idleNs: 10_000_000 });
    expect(warningInputs(running, T0 + ms(1_510))).toMatchObject({ isRunning: true, polls: 1, busyNs: 1_500_000_000 });

    const scheduled = {
      ...base,
      stats: stats(T0, { lastWake: T0 + ms(30), scheduledNs: 5_000_000, pollStats: { polls: 2, busyNs: 2_000_000, lastPollStarted: T0 + ms(20), lastPollEnded: T0 + ms(21) } }),
    };
    expect(taskMetrics(scheduled, T0 + ms(40))).toMatchObject({ state: 'scheduled', scheduledNs: 15_000_000, busyNs: 2_000_000, idleNs: 23_000_000 });
    expect(warningInputs(scheduled, T0 + ms(40)).isAwakened).toBe(true);

    const idle = { ...base, stats: stats(T0, { wakerClones: 3, wakerDrops: 3, wakes: 4, selfWakes: 3 }) };
    expect(taskMetrics(idle, T0 + ms(10))).toMatchObject({ state: 'idle', wakerCount: 0, selfWakePercent: 75 });

    const done = { ...base, stats: stats(T0, { droppedAt: T0 + ms(100), pollStats: { polls: 3, busyNs: 40_000_000 } }) };
    expect(taskMetrics(done, T0 + ms(99_999))).toMatchObject({ state: 'completed', totalNs: 100_000_000, idleNs: 60_000_000 });

    const unpolled = { ...base, stats: stats(T0, { pollStats: { polls: 0, busyNs: 0 } }) };
    expect(warningInputs(unpolled, T0).isAwakened).toBe(true);
  });

  test('details that race ahead of the task announcement are attached later', () => {
    const m = new ConsoleModel();
    m.apply(update(T0));
    expect(m.applyTaskDetails({ taskId: '3', now: T0 })).toBe(false);
    m.apply(update(T0 + ms(1), [task('3', 'late')], [['3', stats(T0)]]));
    expect(m.taskById('3')?.details?.updatedAt).toBe(T0);
  });
});
