// Per-site numbers for hovers, code lenses and the task report, computed from the model and
// cached until the next update (a hover must not walk 10 000 tasks each time).
import type { HistogramSummary } from '../histogram.js';
import type { ConsoleModel, LiveAsyncOp, LiveResource, LiveTask } from '../model.js';
import { siteKey } from '../sites.js';
import type { ResolvedLocation, SourceMapper } from '../source-map.js';
import { taskMetrics, type TaskState } from '../task-metrics.js';
import type { WireLocation } from '../wire.js';

export interface SiteStats {
  key: string;
  location: WireLocation;
  resolved?: ResolvedLocation;
  byState: Record<TaskState, number>;
  live: number;
  total: number;
  polls: number;
  busyNs: number;
  scheduledNs: number;
  idleNs: number;
  totalNs: number;
  wakes: number;
  selfWakes: number;
  /** Waker count summed over live tasks. */
  wakers: number;
  sizeBytes?: { min: number; max: number };
  names: string[];
  /** tokio task ids (span ids where absent) of the first tasks, live ones first. */
  ids: string[];
  /** Worst of the per-task histograms (details streams), when any task has them. */
  pollTimes?: HistogramSummary & { tasks: number };
  scheduledTimes?: HistogramSummary & { tasks: number };
}

export interface ResourceEntry {
  resource: LiveResource;
  resolved?: ResolvedLocation;
}

const MAX_IDS = 5;

function worse(acc: (HistogramSummary & { tasks: number }) | undefined, h: HistogramSummary | undefined): (HistogramSummary & { tasks: number }) | undefined {
  if (!h || h.count === 0) return acc;
  if (!acc) return { ...h, tasks: 1 };
  return {
    ...acc,
    count: acc.count + h.count,
    min: Math.min(acc.min, h.min),
    p50: Math.max(acc.p50, h.p50),
    p90: Math.max(acc.p90, h.p90),
    p99: Math.max(acc.p99, h.p99),
    max: Math.max(acc.max, h.max),
    mean: (acc.mean * acc.count + h.mean * h.count) / (acc.count + h.count),
    tasks: acc.tasks + 1,
  };
}

/** Groups the model once per generation; every lookup after that is a map read. */
export class SiteIndex {
  private gen = -1;
  private sites = new Map<string, { location: WireLocation; tasks: LiveTask[] }>();
  private byPath = new Map<string, string[]>();
  private resourcesByPath = new Map<string, ResourceEntry[]>();
  private statsCache = new Map<string, SiteStats>();
  private opsByResource = new Map<string, LiveAsyncOp[]>();

  constructor(
    private readonly model: ConsoleModel,
    private readonly mapper: () => SourceMapper | undefined,
  ) {}

  /** Call with a number that changes whenever the model or the mapper did. */
  sync(generation: number): void {
    if (generation === this.gen) return;
    this.gen = generation;
    this.sites = new Map();
    this.byPath = new Map();
    this.resourcesByPath = new Map();
    this.statsCache = new Map();
    this.opsByResource = new Map();
    const mapper = this.mapper();
    for (const t of this.model.tasks()) {
      if (!t.location) continue;
      const key = siteKey(t.location);
      let s = this.sites.get(key);
      if (!s) {
        s = { location: t.location, tasks: [] };
        this.sites.set(key, s);
        const r = mapper?.resolve(t.location);
        if (r?.kind === 'workspace') push(this.byPath, r.path, key);
      }
      s.tasks.push(t);
    }
    for (const res of this.model.resources()) {
      if (!res.location) continue;
      const r = mapper?.resolve(res.location);
      if (r?.kind === 'workspace') push(this.resourcesByPath, r.path, { resource: res, resolved: r });
    }
    for (const op of this.model.asyncOps()) if (op.resourceId !== undefined) push(this.opsByResource, op.resourceId, op);
  }

  siteKeysIn(path: string): readonly string[] {
    return this.byPath.get(path) ?? [];
  }

  allSiteKeys(): IterableIterator<string> {
    return this.sites.keys();
  }

  tasksAt(key: string): readonly LiveTask[] {
    return this.sites.get(key)?.tasks ?? [];
  }

  resourcesIn(path: string): readonly ResourceEntry[] {
    return this.resourcesByPath.get(path) ?? [];
  }

  opsOn(resourceId: string): readonly LiveAsyncOp[] {
    return this.opsByResource.get(resourceId) ?? [];
  }

  stats(key: string): SiteStats | undefined {
    const hit = this.statsCache.get(key);
    if (hit) return hit;
    const site = this.sites.get(key);
    if (!site) return undefined;
    const now = this.model.now;
    const out: SiteStats = {
      key,
      location: site.location,
      byState: { running: 0, scheduled: 0, idle: 0, completed: 0 },
      live: 0,
      total: site.tasks.length,
      polls: 0,
      busyNs: 0,
      scheduledNs: 0,
      idleNs: 0,
      totalNs: 0,
      wakes: 0,
      selfWakes: 0,
      wakers: 0,
      names: [],
      ids: [],
    };
    const resolved = this.mapper()?.resolve(site.location);
    if (resolved) out.resolved = resolved;
    const names = new Set<string>();
    const liveIds: string[] = [];
    const doneIds: string[] = [];
    for (const t of site.tasks) {
      const m = taskMetrics(t, now);
      out.byState[m.state]++;
      if (m.state !== 'completed') {
        out.live++;
        out.wakers += m.wakerCount;
        if (liveIds.length < MAX_IDS) liveIds.push(t.tokioTaskId ?? t.spanId);
      } else if (doneIds.length < MAX_IDS) doneIds.push(t.tokioTaskId ?? t.spanId);
      out.polls += m.polls;
      out.busyNs += m.busyNs;
      out.scheduledNs += m.scheduledNs;
      out.idleNs += m.idleNs;
      out.totalNs += m.totalNs;
      out.wakes += m.wakes;
      out.selfWakes += m.selfWakes;
      if (t.sizeBytes !== undefined) out.sizeBytes = { min: Math.min(out.sizeBytes?.min ?? Infinity, t.sizeBytes), max: Math.max(out.sizeBytes?.max ?? 0, t.sizeBytes) };
      if (t.name !== undefined && names.size < 50) names.add(t.name);
      const pt = worse(out.pollTimes, t.details?.pollTimes);
      if (pt) out.pollTimes = pt;
      const st = worse(out.scheduledTimes, t.details?.scheduledTimes);
      if (st) out.scheduledTimes = st;
    }
    out.names = [...names].sort();
    out.ids = [...liveIds, ...doneIds].slice(0, MAX_IDS);
    this.statsCache.set(key, out);
    return out;
  }
}

function push<K, V>(map: Map<K, V[]>, k: K, v: V): void {
  const list = map.get(k);
  if (list) list.push(v);
  else map.set(k, [v]);
}
