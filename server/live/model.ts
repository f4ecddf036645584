/**
 * The client-side picture of an instrumented app, built from WatchUpdates.
 *
 * Invariants:
 * - the first Update after construction or reset() is a full snapshot and
 *   replaces everything; later ones are deltas;
 * - entities are keyed by span id (decimal string); a `new_*` entry with a
 *   known id replaces the old entity (tracing reuses ids of closed spans);
 * - stats for ids never announced are counted and dropped (the subscriber
 *   loses some announcements under load);
 * - completed entities are forgotten `retentionMs` after `dropped_at` on the
 *   app clock (`Update.now`), and at most `maxCompleted` per kind are kept.
 */
import { EntityStore, type RetentionOptions } from './entity-store.js';
import { resolveField, taskFieldFacts, type ResolvedField } from './fields.js';
import { summarizeDurationHistogram, type HistogramSummary } from './histogram.js';
import { taskMetrics, warningInputs, type TaskMetrics, type TaskWarningInputs } from './task-metrics.js';
import type {
  SpanId,
  WireAsyncOpStats,
  WireAttribute,
  WireLocation,
  WireMetadata,
  WirePollOp,
  WireTaskDetails,
  WireTaskStats,
  WireUpdate,
} from './wire.js';

export interface LiveTask {
  readonly spanId: SpanId;
  metadataId?: SpanId;
  /** Task.kind enum from the wire (SPAWN/BLOCKING); `kind` below is the richer field. */
  wireKind: string;
  /** Field `kind`: task, local, blocking, block_on (default 'task'). */
  kind: string;
  name?: string;
  tokioTaskId?: string;
  sizeBytes?: number;
  originalSizeBytes?: number;
  fields: ResolvedField[];
  parents: SpanId[];
  /** Task.location, else parsed from the legacy `spawn.location` field. */
  location?: WireLocation;
  locationSource: 'location' | 'spawn.location' | 'none';
  stats?: WireTaskStats;
  /** App clock of the Update that announced the task. */
  announcedAt?: bigint;
  details?: TaskDetailsState;
}

export interface TaskDetailsState {
  updatedAt?: bigint;
  pollTimes?: HistogramSummary;
  scheduledTimes?: HistogramSummary;
  /** Set when the latest histogram could not be decoded. */
  error?: string;
}

export interface LiveAttribute {
  name: string;
  value: ResolvedField['value'];
  unit?: string;
}

export interface LiveResource {
  readonly spanId: SpanId;
  metadataId?: SpanId;
  concreteType: string;
  /** Known enum name (e.g. TIMER) or the `other` string (e.g. "Sync"). */
  kind: string;
  kindIsKnown: boolean;
  isInternal: boolean;
  parentResourceId?: SpanId;
  location?: WireLocation;
  createdAt?: bigint;
  droppedAt?: bigint;
  attributes: LiveAttribute[];
  announcedAt?: bigint;
}

export interface LiveAsyncOp {
  readonly spanId: SpanId;
  metadataId?: SpanId;
  source: string;
  resourceId?: SpanId;
  parentAsyncOpId?: SpanId;
  /** Task currently awaiting the op (from stats; may change). */
  taskId?: SpanId;
  stats?: WireAsyncOpStats;
  attributes: LiveAttribute[];
  announcedAt?: bigint;
}

export interface ModelCounters {
  updates: number;
  snapshots: number;
  taskStatsForUnknownIds: number;
  resourceStatsForUnknownIds: number;
  asyncOpStatsForUnknownIds: number;
  replacedIds: number;
  /** Sum of the subscriber's own dropped_events counters (newer subscribers only). */
  droppedEvents: number;
}

export interface ApplyResult {
  snapshot: boolean;
  now?: bigint;
  newTasks: SpanId[];
  updatedTasks: SpanId[];
  newResources: SpanId[];
  updatedResources: SpanId[];
  newAsyncOps: SpanId[];
  updatedAsyncOps: SpanId[];
}

export interface ConsoleModelOptions extends RetentionOptions {
  /** Recent poll ops kept for inspection. Default 256. */
  maxPollOps?: number;
}

export class ConsoleModel {
  private readonly taskStore: EntityStore<LiveTask>;
  private readonly resourceStore: EntityStore<LiveResource>;
  private readonly asyncOpStore: EntityStore<LiveAsyncOp>;
  private readonly metas = new Map<SpanId, WireMetadata>();
  private readonly pollOps: WirePollOp[] = [];
  /** Details that arrived before their task was announced (streams race the Update stream). */
  private readonly pendingDetails = new Map<SpanId, TaskDetailsState>();
  private readonly maxPollOps: number;
  private expectSnapshot = true;
  private nowNs: bigint | undefined;
  readonly counters: ModelCounters = {
    updates: 0,
    snapshots: 0,
    taskStatsForUnknownIds: 0,
    resourceStatsForUnknownIds: 0,
    asyncOpStatsForUnknownIds: 0,
    replacedIds: 0,
    droppedEvents: 0,
  };

  constructor(opts: ConsoleModelOptions = {}) {
    this.taskStore = new EntityStore(opts);
    this.resourceStore = new EntityStore(opts);
    this.asyncOpStore = new EntityStore(opts);
    this.maxPollOps = opts.maxPollOps ?? 256;
  }

  /** App clock (ns since epoch) of the latest Update, or undefined before the first. */
  get now(): bigint | undefined {
    return this.nowNs;
  }

  /** The next Update will be treated as a full snapshot (new connection / app restart). */
  reset(): void {
    this.expectSnapshot = true;
  }

  get awaitingSnapshot(): boolean {
    return this.expectSnapshot;
  }

  tasks(): IterableIterator<LiveTask> {
    return this.taskStore.values();
  }
  resources(): IterableIterator<LiveResource> {
    return this.resourceStore.values();
  }
  asyncOps(): IterableIterator<LiveAsyncOp> {
    return this.asyncOpStore.values();
  }
  taskById(id: SpanId): LiveTask | undefined {
    return this.taskStore.get(id);
  }
  resourceById(id: SpanId): LiveResource | undefined {
    return this.resourceStore.get(id);
  }
  asyncOpById(id: SpanId): LiveAsyncOp | undefined {
    return this.asyncOpStore.get(id);
  }
  metadata(id: SpanId): WireMetadata | undefined {
    return this.metas.get(id);
  }
  recentPollOps(): readonly WirePollOp[] {
    return this.pollOps;
  }

  get sizes(): { tasks: number; resources: number; asyncOps: number; completedTasks: number; evictedTasks: number } {
    return {
      tasks: this.taskStore.size,
      resources: this.resourceStore.size,
      asyncOps: this.asyncOpStore.size,
      completedTasks: this.taskStore.completedCount,
      evictedTasks: this.taskStore.evicted,
    };
  }

  taskMetrics(task: LiveTask): TaskMetrics {
    return taskMetrics(task, this.nowNs);
  }

  warningInputs(task: LiveTask): TaskWarningInputs {
    return warningInputs(task, this.nowNs);
  }

  /** Async ops whose stats currently name `taskId` as the awaiting task. */
  asyncOpsOfTask(taskId: SpanId): LiveAsyncOp[] {
    const out: LiveAsyncOp[] = [];
    for (const op of this.asyncOpStore.values()) if (op.taskId === taskId) out.push(op);
    return out;
  }

  apply(update: WireUpdate): ApplyResult {
    const snapshot = this.expectSnapshot;
    if (snapshot) {
      this.clear();
      this.expectSnapshot = false;
      this.counters.snapshots++;
    }
    this.counters.updates++;
    if (update.now !== undefined) this.nowNs = update.now;
    const at = this.nowNs;
    for (const m of update.newMetadata) this.metas.set(m.id, m);

    const result: ApplyResult = {
      snapshot,
      newTasks: [],
      updatedTasks: [],
      newResources: [],
      updatedResources: [],
      newAsyncOps: [],
      updatedAsyncOps: [],
    };
    if (at !== undefined) result.now = at;
    this.applyTasks(update, at, result);
    this.applyResources(update, at, result);
    this.applyAsyncOps(update, at, result);

    this.taskStore.sweep(at);
    this.resourceStore.sweep(at);
    this.asyncOpStore.sweep(at);
    return result;
  }

  /** Attaches a WatchTaskDetails message to its task; unknown tasks are ignored. */
  applyTaskDetails(details: WireTaskDetails, taskId = details.taskId): boolean {
    if (taskId === undefined) return false;
    const task = this.taskStore.get(taskId);
    const state: TaskDetailsState = {};
    if (details.now !== undefined) state.updatedAt = details.now;
    try {
      if (details.pollTimes) state.pollTimes = summarizeDurationHistogram(details.pollTimes);
      if (details.scheduledTimes) state.scheduledTimes = summarizeDurationHistogram(details.scheduledTimes);
    } catch (e) {
      state.error = e instanceof Error ? e.message : String(e);
    }
    if (task) {
      task.details = state;
      return true;
    }
    this.pendingDetails.delete(taskId);
    this.pendingDetails.set(taskId, state);
    if (this.pendingDetails.size > MAX_PENDING_DETAILS) {
      const oldest = this.pendingDetails.keys().next().value;
      if (oldest !== undefined) this.pendingDetails.delete(oldest);
    }
    return false;
  }

  private clear(): void {
    this.taskStore.clear();
    this.resourceStore.clear();
    this.asyncOpStore.clear();
    this.metas.clear();
    this.pollOps.length = 0;
    this.pendingDetails.clear();
  }

  private lookup = (id: SpanId): WireMetadata | undefined => this.metas.get(id);

  private applyTasks(update: WireUpdate, at: bigint | undefined, result: ApplyResult): void {
    const tu = update.taskUpdate;
    if (!tu) return;
    this.counters.droppedEvents += tu.droppedEvents;
    for (const t of tu.newTasks) {
      const fields = t.fields.flatMap((f) => resolveField(f, this.lookup, t.metadataId) ?? []);
      const facts = taskFieldFacts(fields);
      const task: LiveTask = {
        spanId: t.id,
        wireKind: t.kind,
        kind: facts.kind ?? (t.kind === 'BLOCKING' ? 'blocking' : 'task'),
        fields,
        parents: t.parents,
        locationSource: 'none',
      };
      if (t.metadataId !== undefined) task.metadataId = t.metadataId;
      if (facts.name !== undefined) task.name = facts.name;
      if (facts.tokioTaskId !== undefined) task.tokioTaskId = facts.tokioTaskId;
      if (facts.sizeBytes !== undefined) task.sizeBytes = facts.sizeBytes;
      if (facts.originalSizeBytes !== undefined) task.originalSizeBytes = facts.originalSizeBytes;
      if (t.location?.file !== undefined) {
        task.location = t.location;
        task.locationSource = 'location';
      } else if (facts.spawnLocation) {
        task.location = facts.spawnLocation;
        task.locationSource = 'spawn.location';
      }
      if (at !== undefined) task.announcedAt = at;
      const early = this.pendingDetails.get(t.id);
      if (early) {
        task.details = early;
        this.pendingDetails.delete(t.id);
      }
      if (this.taskStore.has(t.id)) this.counters.replacedIds++;
      this.taskStore.set(t.id, task);
      result.newTasks.push(t.id);
    }
    const completed: Array<[SpanId, bigint]> = [];
    for (const [id, stats] of tu.statsUpdate) {
      const task = this.taskStore.get(id);
      if (!task) {
        this.counters.taskStatsForUnknownIds++;
        continue;
      }
      task.stats = stats;
      result.updatedTasks.push(id);
      if (stats.droppedAt !== undefined) completed.push([id, stats.droppedAt]);
    }
    markCompleted(this.taskStore, completed);
  }

  private applyResources(update: WireUpdate, at: bigint | undefined, result: ApplyResult): void {
    const ru = update.resourceUpdate;
    if (!ru) return;
    this.counters.droppedEvents += ru.droppedEvents;
    for (const r of ru.newResources) {
      const res: LiveResource = {
        spanId: r.id,
        concreteType: r.concreteType,
        kind: r.kind ? ('known' in r.kind ? r.kind.known : r.kind.other) : '',
        kindIsKnown: r.kind !== undefined && 'known' in r.kind,
        isInternal: r.isInternal,
        attributes: [],
      };
      if (r.metadataId !== undefined) res.metadataId = r.metadataId;
      if (r.parentResourceId !== undefined) res.parentResourceId = r.parentResourceId;
      if (r.location?.file !== undefined) res.location = r.location;
      if (at !== undefined) res.announcedAt = at;
      if (this.resourceStore.has(r.id)) this.counters.replacedIds++;
      this.resourceStore.set(r.id, res);
      result.newResources.push(r.id);
    }
    const completed: Array<[SpanId, bigint]> = [];
    for (const [id, stats] of ru.statsUpdate) {
      const res = this.resourceStore.get(id);
      if (!res) {
        this.counters.resourceStatsForUnknownIds++;
        continue;
      }
      if (stats.createdAt !== undefined) res.createdAt = stats.createdAt;
      if (stats.droppedAt !== undefined) {
        res.droppedAt = stats.droppedAt;
        completed.push([id, stats.droppedAt]);
      }
      res.attributes = this.attributes(stats.attributes);
      result.updatedResources.push(id);
    }
    markCompleted(this.resourceStore, completed);
    for (const op of ru.newPollOps) {
      this.pollOps.push(op);
      if (this.pollOps.length > this.maxPollOps) this.pollOps.splice(0, this.pollOps.length - this.maxPollOps);
    }
  }

  private applyAsyncOps(update: WireUpdate, at: bigint | undefined, result: ApplyResult): void {
    const au = update.asyncOpUpdate;
    if (!au) return;
    this.counters.droppedEvents += au.droppedEvents;
    for (const a of au.newAsyncOps) {
      const op: LiveAsyncOp = { spanId: a.id, source: a.source, attributes: [] };
      if (a.metadataId !== undefined) op.metadataId = a.metadataId;
      if (a.resourceId !== undefined) op.resourceId = a.resourceId;
      if (a.parentAsyncOpId !== undefined) op.parentAsyncOpId = a.parentAsyncOpId;
      if (at !== undefined) op.announcedAt = at;
      if (this.asyncOpStore.has(a.id)) this.counters.replacedIds++;
      this.asyncOpStore.set(a.id, op);
      result.newAsyncOps.push(a.id);
    }
    const completed: Array<[SpanId, bigint]> = [];
    for (const [id, stats] of au.statsUpdate) {
      const op = this.asyncOpStore.get(id);
      if (!op) {
        this.counters.asyncOpStatsForUnknownIds++;
        continue;
      }
      op.stats = stats;
      if (stats.taskId !== undefined) op.taskId = stats.taskId;
      op.attributes = this.attributes(stats.attributes);
      result.updatedAsyncOps.push(id);
      if (stats.droppedAt !== undefined) completed.push([id, stats.droppedAt]);
    }
    markCompleted(this.asyncOpStore, completed);
  }

  private attributes(attrs: readonly WireAttribute[]): LiveAttribute[] {
    const out: LiveAttribute[] = [];
    for (const a of attrs) {
      const f = resolveField(a.field, this.lookup);
      if (!f) continue;
      const attr: LiveAttribute = { name: f.name, value: f.value };
      if (a.unit !== undefined) attr.unit = a.unit;
      out.push(attr);
    }
    return out;
  }
}

const MAX_PENDING_DETAILS = 64;

function markCompleted<T>(store: EntityStore<T>, completed: Array<[SpanId, bigint]>): void {
  // Oldest first, so that cap eviction (in completion order) drops the oldest.
  completed.sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  for (const [id, at] of completed) store.markCompleted(id, at);
}

/** Reads an attribute by name (e.g. `locked`, `permits`, `duration`). */
export function attribute(entity: { attributes: readonly LiveAttribute[] }, name: string): LiveAttribute | undefined {
  return entity.attributes.find((a) => a.name === name);
}
