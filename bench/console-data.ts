// Synthetic tokio-console Updates for the live benchmarks, encoded with the real schema.
import { encodeUpdate, nsToTimestamp } from '../server/live/index.js';

const T0 = 1_795_598_000_000_000_000n;

/** A snapshot announcing `n` live tasks (fields as console-subscriber sends them) with stats. */
export function tasksSnapshot(n: number, now = T0): Uint8Array {
  const newTasks = [];
  const stats: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    const id = (2n ** 60n + BigInt(i)).toString();
    newTasks.push({
      id: { id },
      metadata: { id: '1' },
      kind: 'SPAWN',
      fields: [
        { str_name: 'task.name', debug_val: `worker-${i}` },
        { str_name: 'kind', debug_val: 'task' },
        { str_name: 'task.id', u64_val: String(i + 1) },
      ],
      location: { file: 'src/main.rs', line: 10 + (i % 50), column: 5 },
    });
    stats[id] = { created_at: nsToTimestamp(now - 1_000_000n), poll_stats: { polls: '1' } };
  }
  return encodeUpdate({ now: nsToTimestamp(now), task_update: { new_tasks: newTasks, stats_update: stats } });
}

/** The Update after the snapshot: changed stats for every one of the `n` tasks, nothing new. */
export function tasksStatsUpdate(n: number, now = T0 + 1_000_000_000n): Uint8Array {
  const stats: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    const id = (2n ** 60n + BigInt(i)).toString();
    stats[id] = {
      created_at: nsToTimestamp(T0 - 1_000_000n),
      wakes: String(3 + (i % 5)),
      waker_clones: String(4 + (i % 5)),
      waker_drops: String(2 + (i % 3)),
      self_wakes: String(i % 2),
      last_wake: nsToTimestamp(now - 5_000_000n),
      scheduled_time: { seconds: '0', nanos: 20_000 + i },
      poll_stats: {
        polls: String(10 + (i % 17)),
        first_poll: nsToTimestamp(T0 - 900_000n),
        last_poll_started: nsToTimestamp(now - 2_000_000n),
        last_poll_ended: nsToTimestamp(now - 1_900_000n),
        busy_time: { seconds: '0', nanos: 150_000 + i },
      },
    };
  }
  return encodeUpdate({ now: nsToTimestamp(now), task_update: { stats_update: stats } });
}
