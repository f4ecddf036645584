/**
 * Synthetic console-subscriber streams for tests, rule fixtures and benches.
 * A scenario keeps the full state of every task, resource and async op and
 * emits, per frame, what a real subscriber would: entities announced once in
 * `new_*`, stats only for what changed since the previous frame.
 */
import { encodeUpdate, nsToTimestamp } from '../wire.js';

/** 2026-11-25T00:00:00Z: any fixed epoch works, rules only read differences. */
export const SCENARIO_EPOCH_NS = 1_795_564_800_000_000_000n;

type Obj = { [key: string]: unknown };

function ts(ns: bigint): Obj {
  return nsToTimestamp(ns);
}
function dur(ms: number): Obj {
  const ns = Math.round(ms * 1e6);
  return { seconds: Math.floor(ns / 1e9), nanos: ns % 1e9 };
}
function loc(site: string): Obj {
  const m = /^(.*):(\d+):(\d+)$/.exec(site);
  if (!m) return { file: site };
  return { file: m[1], line: Number(m[2]), column: Number(m[3]) };
}

export type AttrValue = number | boolean | string;

function attrs(values: Record<string, AttrValue>, units: Record<string, string> = {}): Obj[] {
  return Object.entries(values).map(([name, v]) => {
    const field: Obj = { str_name: name };
    if (typeof v === 'number') field['u64_val'] = String(v);
    else if (typeof v === 'boolean') field['bool_val'] = v;
    else field['str_val'] = v;
    const out: Obj = { field };
    if (units[name]) out['unit'] = units[name];
    return out;
  });
}

export interface TaskSpec {
  name?: string;
  /** `file:line:col` as the compiler records it. */
  site?: string;
  /** tokio task id (field `task.id`). */
  tid?: number;
  /** Field `kind`: task, blocking, block_on, local. */
  kind?: string;
  sizeBytes?: number;
  originalSizeBytes?: number;
}

/** Mutable task stats in ms relative to the scenario epoch. */
export interface TaskState {
  created: number;
  dropped?: number;
  wakes: number;
  wakerClones: number;
  wakerDrops: number;
  selfWakes: number;
  lastWake?: number;
  polls: number;
  firstPoll?: number;
  lastPollStarted?: number;
  lastPollEnded?: number;
  busyMs: number;
  scheduledMs?: number;
}

/** A task or async op: announced in the first frame, its stats sent again in the next frame after each change (`dirty`). */
class StateHandle<Spec, State extends object> {
  dirty = true;
  announced = false;
  constructor(
    readonly id: string,
    readonly spec: Spec,
    readonly state: State,
  ) {}

  set(patch: Partial<State>): this {
    Object.assign(this.state, patch);
    this.dirty = true;
    return this;
  }
}

export class TaskHandle extends StateHandle<TaskSpec, TaskState> {
  /** A complete poll from `at` lasting `ms`. */
  poll(at: number, ms = 0.01): this {
    const s = this.state;
    s.polls++;
    s.firstPoll ??= at;
    s.lastPollStarted = at;
    s.lastPollEnded = at + ms;
    s.busyMs += ms;
    this.dirty = true;
    return this;
  }

  /** A poll that has started and not ended yet. */
  startPoll(at: number): this {
    const s = this.state;
    s.polls++;
    s.firstPoll ??= at;
    s.lastPollStarted = at;
    this.dirty = true;
    return this;
  }

  wake(at: number, self = false): this {
    this.state.wakes++;
    if (self) this.state.selfWakes++;
    this.state.lastWake = at;
    this.dirty = true;
    return this;
  }

  drop(at: number): this {
    this.state.dropped = at;
    this.dirty = true;
    return this;
  }
}

export interface ResourceSpec {
  concreteType: string;
  /** Known kind (TIMER) or another string ("Sync"). */
  kind?: string;
  site?: string;
  parent?: string;
  internal?: boolean;
}

export class ResourceHandle {
  dirty = true;
  announced = false;
  dropped?: number;
  constructor(
    readonly id: string,
    readonly spec: ResourceSpec,
    readonly created: number,
    public attributes: Record<string, AttrValue>,
  ) {}
  set(attributes: Record<string, AttrValue>): this {
    this.attributes = { ...this.attributes, ...attributes };
    this.dirty = true;
    return this;
  }
  drop(at: number): this {
    this.dropped = at;
    this.dirty = true;
    return this;
  }
}

export interface OpSpec {
  source: string;
  resource: string;
  parent?: string;
}

export interface OpState {
  created: number;
  dropped?: number;
  task?: string;
  polls: number;
  lastPollStarted?: number;
  lastPollEnded?: number;
  attributes: Record<string, AttrValue>;
}

export class OpHandle extends StateHandle<OpSpec, OpState> {
  poll(at: number, attributes?: Record<string, AttrValue>): this {
    this.state.polls++;
    this.state.lastPollStarted = at;
    this.state.lastPollEnded = at;
    if (attributes) this.state.attributes = { ...this.state.attributes, ...attributes };
    this.dirty = true;
    return this;
  }
  drop(at: number, attributes?: Record<string, AttrValue>): this {
    this.state.dropped = at;
    if (attributes) this.state.attributes = { ...this.state.attributes, ...attributes };
    this.dirty = true;
    return this;
  }
}

export class Scenario {
  private readonly tasks = new Map<string, TaskHandle>();
  private readonly resources = new Map<string, ResourceHandle>();
  private readonly ops = new Map<string, OpHandle>();
  private readonly out: Uint8Array[] = [];
  private nextTid = 1;

  constructor(readonly epochNs: bigint = SCENARIO_EPOCH_NS) {}

  ns(ms: number): bigint {
    return this.epochNs + BigInt(Math.round(ms * 1e6));
  }

  task(id: string | number, spec: TaskSpec, at = 0): TaskHandle {
    const full: TaskSpec = { tid: this.nextTid++, kind: 'task', ...spec };
    const h = new TaskHandle(String(id), full, { created: at, wakes: 0, wakerClones: 0, wakerDrops: 0, selfWakes: 0, polls: 0, busyMs: 0 });
    this.tasks.set(h.id, h);
    return h;
  }

  taskById(id: string | number): TaskHandle | undefined {
    return this.tasks.get(String(id));
  }

  resource(id: string | number, spec: ResourceSpec, attributes: Record<string, AttrValue> = {}, at = 0): ResourceHandle {
    const h = new ResourceHandle(String(id), spec, at, attributes);
    this.resources.set(h.id, h);
    return h;
  }

  op(id: string | number, spec: OpSpec, state: Partial<OpState> & { created: number }): OpHandle {
    const h = new OpHandle(String(id), spec, { polls: 0, attributes: {}, ...state });
    this.ops.set(h.id, h);
    return h;
  }

  /** Emits one Update at `atMs` with everything that changed since the last frame. */
  frame(atMs: number): Uint8Array {
    const newTasks: Obj[] = [];
    const taskStats: Obj = {};
    for (const t of this.tasks.values()) {
      if (!t.announced) {
        const fields: Obj[] = [{ str_name: 'kind', debug_val: t.spec.kind ?? 'task' }];
        if (t.spec.name !== undefined) fields.push({ str_name: 'task.name', debug_val: t.spec.name });
        if (t.spec.tid !== undefined) fields.push({ str_name: 'task.id', u64_val: String(t.spec.tid) });
        if (t.spec.sizeBytes !== undefined) fields.push({ str_name: 'size.bytes', u64_val: String(t.spec.sizeBytes) });
        if (t.spec.originalSizeBytes !== undefined) fields.push({ str_name: 'original_size.bytes', u64_val: String(t.spec.originalSizeBytes) });
        const task: Obj = { id: { id: t.id }, kind: t.spec.kind === 'blocking' ? 'BLOCKING' : 'SPAWN', fields };
        if (t.spec.site) task['location'] = loc(t.spec.site);
        newTasks.push(task);
        t.announced = true;
      }
      if (!t.dirty) continue;
      t.dirty = false;
      const s = t.state;
      const poll: Obj = { polls: String(s.polls), busy_time: dur(s.busyMs) };
      if (s.firstPoll !== undefined) poll['first_poll'] = ts(this.ns(s.firstPoll));
      if (s.lastPollStarted !== undefined) poll['last_poll_started'] = ts(this.ns(s.lastPollStarted));
      if (s.lastPollEnded !== undefined) poll['last_poll_ended'] = ts(this.ns(s.lastPollEnded));
      const st: Obj = {
        created_at: ts(this.ns(s.created)),
        wakes: String(s.wakes),
        waker_clones: String(s.wakerClones),
        waker_drops: String(s.wakerDrops),
        self_wakes: String(s.selfWakes),
        poll_stats: poll,
      };
      if (s.dropped !== undefined) st['dropped_at'] = ts(this.ns(s.dropped));
      if (s.lastWake !== undefined) st['last_wake'] = ts(this.ns(s.lastWake));
      if (s.scheduledMs !== undefined) st['scheduled_time'] = dur(s.scheduledMs);
      taskStats[t.id] = st;
    }
    const newResources: Obj[] = [];
    const resourceStats: Obj = {};
    for (const r of this.resources.values()) {
      if (!r.announced) {
        const res: Obj = {
          id: { id: r.id },
          concrete_type: r.spec.concreteType,
          kind: r.spec.kind === 'TIMER' ? { known: 'TIMER' } : { other: r.spec.kind ?? 'Sync' },
          is_internal: r.spec.internal === true,
        };
        if (r.spec.site) res['location'] = loc(r.spec.site);
        if (r.spec.parent) res['parent_resource_id'] = { id: r.spec.parent };
        newResources.push(res);
        r.announced = true;
      }
      if (!r.dirty) continue;
      r.dirty = false;
      const st: Obj = { created_at: ts(this.ns(r.created)), attributes: attrs(r.attributes) };
      if (r.dropped !== undefined) st['dropped_at'] = ts(this.ns(r.dropped));
      resourceStats[r.id] = st;
    }
    const newOps: Obj[] = [];
    const opStats: Obj = {};
    for (const o of this.ops.values()) {
      if (!o.announced) {
        const op: Obj = { id: { id: o.id }, source: o.spec.source, resource_id: { id: o.spec.resource } };
        if (o.spec.parent) op['parent_async_op_id'] = { id: o.spec.parent };
        newOps.push(op);
        o.announced = true;
      }
      if (!o.dirty) continue;
      o.dirty = false;
      const s = o.state;
      const poll: Obj = { polls: String(s.polls) };
      if (s.lastPollStarted !== undefined) poll['last_poll_started'] = ts(this.ns(s.lastPollStarted));
      if (s.lastPollEnded !== undefined) poll['last_poll_ended'] = ts(this.ns(s.lastPollEnded));
      const st: Obj = { created_at: ts(this.ns(s.created)), poll_stats: poll, attributes: attrs(s.attributes) };
      if (s.dropped !== undefined) st['dropped_at'] = ts(this.ns(s.dropped));
      if (s.task !== undefined) st['task_id'] = { id: s.task };
      opStats[o.id] = st;
    }
    const bytes = encodeUpdate({
      now: ts(this.ns(atMs)),
      task_update: { new_tasks: newTasks, stats_update: taskStats },
      resource_update: { new_resources: newResources, stats_update: resourceStats },
      async_op_update: { new_async_ops: newOps, stats_update: opStats },
    });
    this.out.push(bytes);
    return bytes;
  }

  /** Frames emitted so far. */
  get frames(): Uint8Array[] {
    return this.out;
  }
}
