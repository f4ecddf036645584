/**
 * Who waits on and who holds the app's synchronisation resources (tokio
 * `Mutex`, `RwLock`, `Semaphore`, and the semaphore inside a bounded mpsc
 * channel), built from async ops.
 *
 * The wire never says who holds a lock, so the holder is inferred: an async op
 * on a resource that completed with a permit (`permits_obtained` > 0, or a
 * `Mutex::lock` that finished) is an acquisition, and the resource counts as
 * held by its latest acquirers until a stats update shows it available again
 * (`locked` = false, `permits` > 0). Acquisitions are remembered here because
 * the model forgets completed ops after its retention window.
 */
import { attribute, type ConsoleModel, type LiveAsyncOp, type LiveResource, type LiveTask } from '../model.js';
import { isCompleted } from '../task-metrics.js';
import type { ApplyResult } from '../model.js';
import type { SpanId, WireLocation } from '../wire.js';

const MIN_WAIT_NS = 1_000_000;
const SYNC_TYPES = new Set(['Mutex', 'RwLock', 'Semaphore']);

export interface Acquisition {
  taskId: SpanId;
  at: bigint;
}

/** An async op a task is parked on, on a resource that has nothing to give. */
export interface PendingWait {
  taskId: SpanId;
  op: LiveAsyncOp;
  /** The user-visible resource (internal semaphores are followed to their parent). */
  root: LiveResource;
  since: bigint;
}

interface WaitTotals {
  completedNs: number;
  completed: number;
}

function attrNumber(entity: { attributes: LiveResource['attributes'] }, name: string): number | undefined {
  const a = attribute(entity, name);
  if (!a) return undefined;
  const v = a.value;
  if (v.kind === 'u64' || v.kind === 'i64') return Number(v.value);
  if (v.kind === 'debug' || v.kind === 'str') {
    const n = Number(v.value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

function attrBool(entity: { attributes: LiveResource['attributes'] }, name: string): boolean | undefined {
  const a = attribute(entity, name);
  if (!a) return undefined;
  if (a.value.kind === 'bool') return a.value.value;
  if (a.value.kind === 'debug' || a.value.kind === 'str') return a.value.value === 'true';
  return undefined;
}

export function isSyncResource(r: LiveResource): boolean {
  return r.kind === 'Sync' || SYNC_TYPES.has(r.concreteType);
}

/** A bounded channel shows up only as an internal semaphore without a parent. */
export function isChannelCapacity(r: LiveResource): boolean {
  return r.isInternal && r.parentResourceId === undefined && r.concreteType === 'Semaphore';
}

export function formatLocation(loc: WireLocation | undefined): string {
  if (!loc?.file) return 'an unknown location';
  return `${loc.file}:${loc.line ?? 0}:${loc.column ?? 0}`;
}

/** "the `Mutex` created at src/main.rs:150:26" or "a bounded channel's capacity". */
export function describeResource(r: LiveResource): string {
  if (isChannelCapacity(r)) return "a bounded channel's capacity";
  if (r.location?.file) return `the \`${r.concreteType}\` created at ${formatLocation(r.location)}`;
  return `a \`${r.concreteType}\` (created at an unknown location)`;
}

export class ResourceTracker {
  /** Latest acquisitions per root resource since it was last seen available, newest last. */
  private readonly acquisitions = new Map<SpanId, Acquisition[]>();
  /** Accumulated hold time per root resource and task (approximate, see holdNs). */
  private readonly holdTotals = new Map<SpanId, Map<SpanId, number>>();
  private readonly waitTotals = new Map<string, WaitTotals>();
  private readonly counted = new WeakSet<LiveAsyncOp>();
  private pendingByTask = new Map<SpanId, PendingWait[]>();
  private firstSeen: bigint | undefined;
  private model: ConsoleModel | undefined;

  /** App clock of the first Update this tracker saw (waits before it are unknown). */
  get observedSince(): bigint | undefined {
    return this.firstSeen;
  }

  reset(): void {
    this.acquisitions.clear();
    this.holdTotals.clear();
    this.waitTotals.clear();
    this.pendingByTask.clear();
    this.firstSeen = undefined;
  }

  rootOf(model: ConsoleModel, r: LiveResource): LiveResource {
    let cur = r;
    for (let i = 0; i < 8 && cur.isInternal && cur.parentResourceId !== undefined; i++) {
      const parent = model.resourceById(cur.parentResourceId);
      if (!parent) break;
      cur = parent;
    }
    return cur;
  }

  /** Called for every Update, so acquisitions are seen even between evaluations. */
  observe(model: ConsoleModel, result: ApplyResult): void {
    this.model = model;
    if (result.snapshot) this.reset();
    if (this.firstSeen === undefined && result.now !== undefined) this.firstSeen = result.now;
    for (const id of result.updatedResources) {
      const r = model.resourceById(id);
      if (r && this.isAvailable(r)) this.released(model, this.rootOf(model, r), result.now);
    }
    const done: LiveAsyncOp[] = [];
    for (const id of result.updatedAsyncOps) {
      const op = model.asyncOpById(id);
      if (!op || op.stats?.droppedAt === undefined || this.counted.has(op)) continue;
      this.counted.add(op);
      if (!this.isTopLevel(model, op)) continue;
      done.push(op);
    }
    done.sort((a, b) => (a.stats!.droppedAt! < b.stats!.droppedAt! ? -1 : a.stats!.droppedAt! > b.stats!.droppedAt! ? 1 : 0));
    for (const op of done) this.completed(model, op);
  }

  private isTopLevel(model: ConsoleModel, op: LiveAsyncOp): boolean {
    return op.parentAsyncOpId === undefined || model.asyncOpById(op.parentAsyncOpId) === undefined;
  }

  private syncRootOfOp(model: ConsoleModel, op: LiveAsyncOp): LiveResource | undefined {
    if (op.resourceId === undefined) return undefined;
    const r = model.resourceById(op.resourceId);
    if (!r || !isSyncResource(r)) return undefined;
    return this.rootOf(model, r);
  }

  private obtained(model: ConsoleModel, op: LiveAsyncOp): boolean {
    const own = attrNumber(op, 'permits_obtained');
    if (own !== undefined) return own > 0;
    // Mutex::lock carries no attributes; its child Acquire op does.
    for (const child of model.asyncOps()) {
      if (child.parentAsyncOpId !== op.spanId) continue;
      const n = attrNumber(child, 'permits_obtained');
      if (n !== undefined) return n > 0;
    }
    return true;
  }

  private completed(model: ConsoleModel, op: LiveAsyncOp): void {
    const root = this.syncRootOfOp(model, op);
    const taskId = op.taskId;
    if (!root || taskId === undefined) return;
    const dropped = op.stats!.droppedAt!;
    const created = op.stats?.createdAt ?? dropped;
    const from = this.firstSeen !== undefined && created < this.firstSeen ? this.firstSeen : created;
    const key = `${taskId}|${root.spanId}`;
    const w = this.waitTotals.get(key) ?? { completedNs: 0, completed: 0 };
    const waited = dropped > from ? Number(dropped - from) : 0;
    w.completedNs += waited;
    // An op that completed in the poll that created it never waited.
    if (waited >= MIN_WAIT_NS) w.completed++;
    this.waitTotals.set(key, w);
    if (!this.obtained(model, op) || isChannelCapacity(root)) return;
    const list = this.acquisitions.get(root.spanId) ?? [];
    if (this.exclusive(root) && list.length > 0) {
      const prev = list[list.length - 1]!;
      this.addHold(root.spanId, prev.taskId, dropped > prev.at ? Number(dropped - prev.at) : 0);
      list.length = 0;
    }
    list.push({ taskId, at: dropped });
    if (list.length > 64) list.splice(0, list.length - 64);
    this.acquisitions.set(root.spanId, list);
  }

  private released(model: ConsoleModel, root: LiveResource, at: bigint | undefined): void {
    const list = this.acquisitions.get(root.spanId);
    if (!list || list.length === 0) return;
    for (const a of list) {
      if (at !== undefined && at > a.at) this.addHold(root.spanId, a.taskId, Number(at - a.at));
    }
    this.acquisitions.delete(root.spanId);
    void model;
  }

  private addHold(root: SpanId, task: SpanId, ns: number): void {
    let m = this.holdTotals.get(root);
    if (!m) this.holdTotals.set(root, (m = new Map()));
    m.set(task, (m.get(task) ?? 0) + ns);
  }

  /** A Mutex (or anything with a `locked` attribute) has one holder at a time. */
  exclusive(root: LiveResource): boolean {
    return root.concreteType === 'Mutex' || attribute(root, 'locked') !== undefined;
  }

  /** Whether the resource (or the internal semaphore under it) currently has something to give. */
  isAvailable(r: LiveResource): boolean {
    const locked = attrBool(r, 'locked');
    if (locked !== undefined) return !locked;
    const writeLocked = attrBool(r, 'write_locked');
    if (writeLocked !== undefined) return !writeLocked && (attrNumber(r, 'current_readers') ?? 0) === 0;
    const permits = attrNumber(r, 'permits');
    if (permits !== undefined) return permits > 0;
    return false;
  }

  /** Unavailable when the resource or one of its internal children says so. */
  isExhausted(model: ConsoleModel, root: LiveResource): boolean {
    const check = (r: LiveResource): boolean | undefined => {
      if (attrBool(r, 'locked') !== undefined || attrBool(r, 'write_locked') !== undefined || attrNumber(r, 'permits') !== undefined) {
        return !this.isAvailable(r);
      }
      return undefined;
    };
    const own = check(root);
    if (own !== undefined) return own;
    for (const r of model.resources()) {
      if (r.parentResourceId === root.spanId && r.isInternal) {
        const c = check(r);
        if (c !== undefined) return c;
      }
    }
    return true;
  }

  /** Rebuilds the per-task index of pending waits; call once per evaluation. */
  prepare(model: ConsoleModel): void {
    this.model = model;
    const out = new Map<SpanId, PendingWait[]>();
    for (const op of model.asyncOps()) {
      if (op.stats?.droppedAt !== undefined || op.taskId === undefined) continue;
      if (!this.isTopLevel(model, op)) continue;
      const root = this.syncRootOfOp(model, op);
      if (!root || root.droppedAt !== undefined) continue;
      if (attrNumber(op, 'permits_obtained') !== undefined && attrNumber(op, 'permits_obtained')! > 0) continue;
      if (!this.isExhausted(model, root)) continue;
      const since = op.stats?.createdAt ?? op.announcedAt;
      if (since === undefined) continue;
      const list = out.get(op.taskId) ?? [];
      list.push({ taskId: op.taskId, op, root, since });
      out.set(op.taskId, list);
    }
    this.pendingByTask = out;
  }

  pendingWaits(taskId: SpanId): readonly PendingWait[] {
    return this.pendingByTask.get(taskId) ?? [];
  }

  allPendingWaits(): IterableIterator<[SpanId, PendingWait[]]> {
    return this.pendingByTask.entries();
  }

  /**
   * Tasks that hold `root` as far as the stream shows: for a Mutex the latest
   * acquirer, for a semaphore every acquirer since it was last seen with
   * permits to spare. Completed tasks are left out (their permits went with them).
   */
  holders(model: ConsoleModel, root: LiveResource): Acquisition[] {
    // A full channel's slots are held by queued messages, not by the tasks that sent them.
    if (isChannelCapacity(root)) return [];
    const list = this.acquisitions.get(root.spanId) ?? [];
    const alive = (a: Acquisition): boolean => {
      const t = model.taskById(a.taskId);
      return t !== undefined && !isCompleted(t);
    };
    if (this.exclusive(root)) {
      const last = list[list.length - 1];
      return last && alive(last) ? [last] : [];
    }
    const seen = new Set<SpanId>();
    const out: Acquisition[] = [];
    for (let i = list.length - 1; i >= 0; i--) {
      const a = list[i]!;
      if (seen.has(a.taskId) || !alive(a)) continue;
      seen.add(a.taskId);
      out.push(a);
    }
    return out;
  }

  /** Time each task has held `root` (closed holds plus the one in progress), longest first. */
  holdTimes(model: ConsoleModel, root: LiveResource, now: bigint): Array<{ taskId: SpanId; ns: number }> {
    const totals = new Map(this.holdTotals.get(root.spanId) ?? []);
    for (const a of this.holders(model, root)) totals.set(a.taskId, (totals.get(a.taskId) ?? 0) + (now > a.at ? Number(now - a.at) : 0));
    return [...totals].map(([taskId, ns]) => ({ taskId, ns })).sort((a, b) => b.ns - a.ns);
  }

  /** Waiting time of `taskId` on `root` since observation started: finished waits plus the open one. */
  waitTime(taskId: SpanId, root: SpanId, now: bigint): { ns: number; completed: number } {
    const w = this.waitTotals.get(`${taskId}|${root}`) ?? { completedNs: 0, completed: 0 };
    let ns = w.completedNs;
    for (const p of this.pendingWaits(taskId)) {
      if (p.root.spanId !== root) continue;
      const from = this.firstSeen !== undefined && p.since < this.firstSeen ? this.firstSeen : p.since;
      if (now > from) ns += Number(now - from);
    }
    return { ns, completed: w.completed };
  }

  /** Roots `taskId` has waited on (finished or pending) since observation started. */
  waitedRoots(taskId: SpanId): SpanId[] {
    const out = new Set<SpanId>();
    const prefix = `${taskId}|`;
    for (const key of this.waitTotals.keys()) if (key.startsWith(prefix)) out.add(key.slice(prefix.length));
    for (const p of this.pendingWaits(taskId)) out.add(p.root.spanId);
    return [...out];
  }

  taskOf(id: SpanId): LiveTask | undefined {
    return this.model?.taskById(id);
  }
}
