/**
 * Per-task derived numbers with the same definitions as tokio-console
 * (tokio-console/src/state/tasks.rs), evaluated against the app clock `now`
 * of the latest Update. Durations are ns as numbers; instants are bigint ns.
 */
import type { WireTaskStats } from './wire.js';

export type TaskState = 'running' | 'scheduled' | 'idle' | 'completed';

/** The subset of a task these getters read; LiveTask satisfies it. */
export interface TaskLike {
  kind: string;
  stats?: WireTaskStats;
  sizeBytes?: number;
  originalSizeBytes?: number;
}

function diff(later: bigint | undefined, earlier: bigint | undefined): number {
  if (later === undefined || earlier === undefined || later < earlier) return 0;
  return Number(later - earlier);
}

/** Option<SystemTime> ordering as in Rust: None sorts before any Some. */
function after(a: bigint | undefined, b: bigint | undefined): boolean {
  if (a === undefined) return false;
  if (b === undefined) return true;
  return a > b;
}

export function isCompleted(t: TaskLike): boolean {
  return t.stats?.droppedAt !== undefined;
}

/** A poll is in progress: last_poll_started > last_poll_ended. */
export function isRunning(t: TaskLike): boolean {
  const p = t.stats?.pollStats;
  return after(p?.lastPollStarted, p?.lastPollEnded);
}

/** Woken since its last poll started. */
export function isScheduled(t: TaskLike): boolean {
  return after(t.stats?.lastWake, t.stats?.pollStats?.lastPollStarted);
}

/** Never polled yet, or woken since the last poll started. */
export function isAwakened(t: TaskLike): boolean {
  return pollCount(t) === 0 || isScheduled(t);
}

export function isBlocking(t: TaskLike): boolean {
  return t.kind === 'blocking' || t.kind === 'block_on';
}

export function taskState(t: TaskLike): TaskState {
  if (isCompleted(t)) return 'completed';
  if (isRunning(t)) return 'running';
  if (isScheduled(t)) return 'scheduled';
  return 'idle';
}

export function totalNs(t: TaskLike, now: bigint | undefined): number {
  const s = t.stats;
  if (!s) return 0;
  if (s.droppedAt !== undefined) return diff(s.droppedAt, s.createdAt);
  return diff(now, s.createdAt);
}

/** Completed polls plus the time spent so far in a poll that is still running. */
export function busyNs(t: TaskLike, now: bigint | undefined): number {
  const p = t.stats?.pollStats;
  const done = p?.busyNs ?? 0;
  if (!isCompleted(t) && isRunning(t)) return done + diff(now, p?.lastPollStarted);
  return done;
}

/** Wake-to-poll latency; `scheduled_time` only exists from console-subscriber 0.2 on. */
export function scheduledNs(t: TaskLike, now: bigint | undefined): number {
  const s = t.stats;
  const done = s?.scheduledNs ?? 0;
  if (!isCompleted(t) && isScheduled(t)) return done + diff(now, s?.lastWake);
  return done;
}

export function idleNs(t: TaskLike, now: bigint | undefined): number {
  if (isCompleted(t)) {
    const s = t.stats;
    return Math.max(0, totalNs(t, now) - (s?.pollStats?.busyNs ?? 0) - (s?.scheduledNs ?? 0));
  }
  return Math.max(0, totalNs(t, now) - busyNs(t, now) - scheduledNs(t, now));
}

export function pollCount(t: TaskLike): number {
  return t.stats?.pollStats?.polls ?? 0;
}

/** Live waker clones: waker_clones - waker_drops, saturating at 0. */
export function wakerCount(t: TaskLike): number {
  const s = t.stats;
  return s ? Math.max(0, s.wakerClones - s.wakerDrops) : 0;
}

/** Integer percent like tokio-console (self_wakes * 100 / wakes, floored). */
export function selfWakePercent(t: TaskLike): number {
  const s = t.stats;
  if (!s || s.wakes === 0) return 0;
  return Math.floor((s.selfWakes * 100) / s.wakes);
}

export function selfWakeRatio(t: TaskLike): number {
  const s = t.stats;
  return s && s.wakes > 0 ? s.selfWakes / s.wakes : 0;
}

/** Everything tokio-console's five task lints look at, in one snapshot. */
export interface TaskWarningInputs {
  isBlocking: boolean;
  isCompleted: boolean;
  isRunning: boolean;
  isAwakened: boolean;
  state: TaskState;
  polls: number;
  wakes: number;
  selfWakes: number;
  selfWakePercent: number;
  wakerCount: number;
  busyNs: number;
  sizeBytes?: number;
  originalSizeBytes?: number;
}

export function warningInputs(t: TaskLike, now: bigint | undefined): TaskWarningInputs {
  const out: TaskWarningInputs = {
    isBlocking: isBlocking(t),
    isCompleted: isCompleted(t),
    isRunning: isRunning(t),
    isAwakened: isAwakened(t),
    state: taskState(t),
    polls: pollCount(t),
    wakes: t.stats?.wakes ?? 0,
    selfWakes: t.stats?.selfWakes ?? 0,
    selfWakePercent: selfWakePercent(t),
    wakerCount: wakerCount(t),
    busyNs: busyNs(t, now),
  };
  if (t.sizeBytes !== undefined) out.sizeBytes = t.sizeBytes;
  if (t.originalSizeBytes !== undefined) out.originalSizeBytes = t.originalSizeBytes;
  return out;
}

export interface TaskMetrics {
  state: TaskState;
  totalNs: number;
  busyNs: number;
  scheduledNs: number;
  idleNs: number;
  polls: number;
  wakes: number;
  wakerClones: number;
  wakerDrops: number;
  wakerCount: number;
  selfWakes: number;
  selfWakePercent: number;
}

export function taskMetrics(t: TaskLike, now: bigint | undefined): TaskMetrics {
  const s = t.stats;
  return {
    state: taskState(t),
    totalNs: totalNs(t, now),
    busyNs: busyNs(t, now),
    scheduledNs: scheduledNs(t, now),
    idleNs: idleNs(t, now),
    polls: pollCount(t),
    wakes: s?.wakes ?? 0,
    wakerClones: s?.wakerClones ?? 0,
    wakerDrops: s?.wakerDrops ?? 0,
    wakerCount: wakerCount(t),
    selfWakes: s?.selfWakes ?? 0,
    selfWakePercent: selfWakePercent(t),
  };
}
