/**
 * Turns console-model updates into open / update / close events of live
 * findings, one per (rule, spawn site).
 *
 * - Every Update is observed (resource acquisitions are tracked between
 *   evaluations); rules are evaluated at most once per `intervalMs` of app
 *   clock (`Update.now`), never on the local clock, so replays at any speed
 *   give the same findings.
 * - A finding's key is `rule@file:line:col` (the wire location), so it stays
 *   the same across evaluations and reconnects; it closes when an evaluation
 *   no longer flags any task at that site.
 * - When the connection drops, open findings are kept for `graceMs` (local
 *   clock: the app clock stops with the app) and then closed, unless the
 *   stream comes back first.
 */
import { EventEmitter } from 'node:events';
import { defaultConfig, type Config, type LiveThresholds } from '../../analysis/config.js';
import type { Severity } from '../../analysis/types.js';
import { systemClock, type Clock } from '../clock.js';
import type { ConnectionState } from '../connection.js';
import type { ApplyResult, ConsoleModel, LiveTask } from '../model.js';
import { siteKey } from '../sites.js';
import type { SourceMapper } from '../source-map.js';
import { isCompleted } from '../task-metrics.js';
import type { WireLocation } from '../wire.js';
import { ResourceTracker } from './resources.js';
import type { CloseReason, LiveEvent, LiveFinding, LiveRule, LiveRuleContext, SiteFlags, StaticFindingsNear, TaskFlag } from './types.js';

export const DEFAULT_EVALUATION_INTERVAL_MS = 1000;
export const MAX_TASK_IDS = 5;

export interface LiveEngineOptions {
  rules: readonly LiveRule[];
  /** Rule severities (`[rules]`) and thresholds (`[live]`); defaults otherwise. */
  config?: Config;
  mapper?: SourceMapper;
  staticFindingsNear?: StaticFindingsNear;
  /** Local timers, for the disconnect grace only. */
  clock?: Clock;
  intervalMs?: number;
  /** Defaults to `config.live.disconnectGraceMs`. */
  graceMs?: number;
}

type Events = {
  event: [LiveEvent];
  error: [{ rule: string; error: unknown }];
};

interface SiteIndex {
  live: Map<string, LiveTask[]>;
  total: Map<string, number>;
  location: Map<string, WireLocation>;
}

function sameFinding(a: LiveFinding, b: LiveFinding): boolean {
  return (
    a.message === b.message &&
    a.severity === b.severity &&
    a.count === b.count &&
    a.siteTotal === b.siteTotal &&
    a.taskIds.join() === b.taskIds.join() &&
    JSON.stringify(a.related) === JSON.stringify(b.related)
  );
}

function numericOrder(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : 1;
}

export class LiveRuleEngine extends EventEmitter<Events> {
  readonly tracker = new ResourceTracker();
  private readonly rules: readonly LiveRule[];
  private config: Config;
  private readonly mapper: SourceMapper | undefined;
  private readonly clock: Clock;
  private readonly intervalNs: bigint;
  private graceMs: number;
  private staticNear: StaticFindingsNear | undefined;
  private readonly openFindings = new Map<string, LiveFinding>();
  private readonly ruleStates = new Map<string, unknown>();
  private lastEval: bigint | undefined;
  private graceTimer: unknown;
  private disconnectedFlag = false;

  constructor(
    readonly model: ConsoleModel,
    opts: LiveEngineOptions,
  ) {
    super();
    this.rules = opts.rules;
    this.config = opts.config ?? defaultConfig();
    this.mapper = opts.mapper;
    this.staticNear = opts.staticFindingsNear;
    this.clock = opts.clock ?? systemClock;
    this.intervalNs = BigInt(Math.round((opts.intervalMs ?? DEFAULT_EVALUATION_INTERVAL_MS) * 1e6));
    this.graceMs = opts.graceMs ?? this.config.live.disconnectGraceMs;
  }

  get thresholds(): LiveThresholds {
    return this.config.live;
  }

  /** Findings open right now, in key order. */
  open(): LiveFinding[] {
    return [...this.openFindings.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  setStaticFindingsNear(fn: StaticFindingsNear | undefined): void {
    this.staticNear = fn;
  }

  /** New severities / thresholds; re-evaluates right away (an `off` rule closes its findings). */
  setConfig(config: Config): LiveEvent[] {
    this.config = config;
    this.graceMs = config.live.disconnectGraceMs;
    return this.evaluate(true);
  }

  severityOf(rule: LiveRule): Severity | 'off' {
    return this.config.rules[rule.meta.id] ?? rule.meta.defaultSeverity;
  }

  /** Feed every ApplyResult; returns the events this update caused (also emitted). */
  onUpdate(result: ApplyResult): LiveEvent[] {
    if (result.snapshot) {
      this.ruleStates.clear();
      this.lastEval = undefined;
    }
    this.tracker.observe(this.model, result);
    return this.evaluate(false);
  }

  /**
   * Runs the rules if `intervalMs` of app clock passed since the last run
   * (or when `force`d, e.g. at the end of a replay).
   */
  evaluate(force: boolean): LiveEvent[] {
    const now = this.model.now;
    if (now === undefined) return [];
    if (!force && this.lastEval !== undefined && now >= this.lastEval && now - this.lastEval < this.intervalNs) return [];
    this.lastEval = now;
    this.tracker.prepare(this.model);
    const sites = this.indexSites();
    const next = new Map<string, LiveFinding>();
    for (const rule of this.rules) {
      const severity = this.severityOf(rule);
      if (severity === 'off') continue;
      const flags = new Map<string, TaskFlag[]>();
      const ctx = this.context(rule, now, sites, flags);
      try {
        rule.evaluate(ctx);
        for (const [key, list] of flags) {
          const location = sites.location.get(key)!;
          list.sort((a, b) => numericOrder(a.task.tokioTaskId, b.task.tokioTaskId) || numericOrder(a.task.spanId, b.task.spanId));
          const site: SiteFlags = {
            siteKey: key,
            location,
            flags: list,
            siteTotal: sites.total.get(key) ?? list.length,
            siteLive: sites.live.get(key)?.length ?? 0,
          };
          const d = rule.describe(site, ctx);
          const findingKey = `${rule.meta.id}@${key}`;
          const finding: LiveFinding = {
            key: findingKey,
            rule: rule.meta.id,
            severity,
            siteKey: key,
            location,
            message: d.message,
            taskIds: list.slice(0, MAX_TASK_IDS).map((f) => f.task.tokioTaskId ?? f.task.spanId),
            spanIds: list.map((f) => f.task.spanId),
            count: list.length,
            siteTotal: site.siteTotal,
            related: d.related ?? [],
            openedAt: this.openFindings.get(findingKey)?.openedAt ?? now,
          };
          const resolved = this.mapper?.resolve(location);
          if (resolved) finding.resolved = resolved;
          next.set(findingKey, finding);
        }
      } catch (error) {
        // One broken rule must not take the others down; keep its findings as they were.
        if (this.listenerCount('error') > 0) this.emit('error', { rule: rule.meta.id, error });
        for (const [k, f] of this.openFindings) if (f.rule === rule.meta.id) next.set(k, f);
      }
    }
    return this.diff(next);
  }

  /** Closes everything (e.g. the user stopped watching). */
  clear(reason: CloseReason): LiveEvent[] {
    return this.diff(new Map(), reason);
  }

  /** Connection state from ConsoleClient: starts or cancels the disconnect grace. */
  onConnectionState(state: ConnectionState): void {
    if (state.kind === 'live') {
      this.disconnectedFlag = false;
      this.cancelGrace();
      return;
    }
    if (state.kind !== 'disconnected' || this.disconnectedFlag) return;
    this.disconnectedFlag = true;
    this.cancelGrace();
    this.graceTimer = this.clock.setTimeout(() => {
      this.graceTimer = undefined;
      this.clear('disconnected');
    }, this.graceMs);
  }

  /** Wires the engine to a client's `update` and `state` events; returns the unsubscribe. */
  attach(client: { on(e: 'update', f: (r: ApplyResult) => void): unknown; on(e: 'state', f: (s: ConnectionState) => void): unknown; off(e: string, f: (...a: never[]) => void): unknown }): () => void {
    const onUpdate = (r: ApplyResult): void => void this.onUpdate(r);
    const onState = (s: ConnectionState): void => this.onConnectionState(s);
    client.on('update', onUpdate);
    client.on('state', onState);
    return () => {
      client.off('update', onUpdate);
      client.off('state', onState);
      this.cancelGrace();
    };
  }

  dispose(): void {
    this.cancelGrace();
  }

  private cancelGrace(): void {
    if (this.graceTimer !== undefined) this.clock.clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
  }

  private diff(next: Map<string, LiveFinding>, closeReason: CloseReason = 'resolved'): LiveEvent[] {
    const events: LiveEvent[] = [];
    for (const [key, old] of this.openFindings) {
      if (!next.has(key)) events.push({ kind: 'close', finding: old, reason: closeReason });
    }
    for (const [key, f] of next) {
      const old = this.openFindings.get(key);
      if (!old) events.push({ kind: 'open', finding: f });
      else if (!sameFinding(old, f)) events.push({ kind: 'update', finding: f, previous: old });
    }
    this.openFindings.clear();
    for (const [k, f] of next) this.openFindings.set(k, f);
    for (const e of events) this.emit('event', e);
    return events;
  }

  private indexSites(): SiteIndex {
    const out: SiteIndex = { live: new Map(), total: new Map(), location: new Map() };
    for (const t of this.model.tasks()) {
      if (!t.location) continue;
      const key = siteKey(t.location);
      if (!out.location.has(key)) out.location.set(key, t.location);
      out.total.set(key, (out.total.get(key) ?? 0) + 1);
      if (isCompleted(t)) continue;
      const list = out.live.get(key);
      if (list) list.push(t);
      else out.live.set(key, [t]);
    }
    return out;
  }

  private context(rule: LiveRule, now: bigint, sites: SiteIndex, flags: Map<string, TaskFlag[]>): LiveRuleContext {
    const id = rule.meta.id;
    const engine = this;
    const ctx: LiveRuleContext = {
      model: this.model,
      now,
      thresholds: this.config.live,
      resources: this.tracker,
      state<T>(init: () => T): T {
        if (!engine.ruleStates.has(id)) engine.ruleStates.set(id, init());
        return engine.ruleStates.get(id) as T;
      },
      liveTasksBySite: () => sites.live,
      resolve: (loc) => this.mapper?.resolve(loc),
      flag(task, detail) {
        if (!task.location) return;
        const key = siteKey(task.location);
        if (!sites.location.has(key)) sites.location.set(key, task.location);
        const entry: TaskFlag = detail === undefined ? { task } : { task, detail };
        const list = flags.get(key);
        if (list) list.push(entry);
        else flags.set(key, [entry]);
      },
    };
    if (this.staticNear) ctx.staticFindingsNear = this.staticNear;
    return ctx;
  }
}
