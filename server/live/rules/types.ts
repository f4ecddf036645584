/**
 * The contract between the live evaluation engine and a live rule. A rule
 * looks at the console model (through the context) and flags tasks; the
 * engine groups flagged tasks by spawn site, so every rule produces at most
 * one finding per (rule, site), and turns successive evaluations into
 * open / update / close events.
 */
import type { LiveThresholds } from '../../analysis/config.js';
import type { RuleMeta, Severity } from '../../analysis/types.js';
import type { ConsoleModel, LiveResource, LiveTask } from '../model.js';
import type { ResolvedLocation } from '../source-map.js';
import type { SpanId, WireLocation } from '../wire.js';
import type { ResourceTracker } from './resources.js';

/** A static finding the LSP layer knows about, offered as related information. */
export interface StaticFindingRef {
  rule: string;
  /** Absolute path. */
  file: string;
  /** 1-based. */
  line: number;
  column: number;
  message: string;
}

/**
 * Static findings in the source a spawn site starts (the spawned future's
 * body): the LSP layer answers with findings of `rules` on `file` from
 * `line` (1-based) to the end of the enclosing spawn call.
 */
export type StaticFindingsNear = (file: string, line: number, rules: readonly string[]) => readonly StaticFindingRef[];

export interface LiveRelated {
  /** Where the related thing is, as on the wire (resource creation site, another spawn site). */
  location?: WireLocation;
  message: string;
  /** Set when the related location is a static finding (already a workspace path). */
  file?: string;
}

/** What a rule says about one flagged task. */
export interface TaskFlag {
  task: LiveTask;
  /** Rule-specific facts used to word the aggregated message. */
  detail?: unknown;
}

/** All flags of one rule at one site, as the rule's `describe` receives them. */
export interface SiteFlags {
  siteKey: string;
  location: WireLocation;
  flags: TaskFlag[];
  /** Tasks spawned at this site the model knows (live plus recently completed). */
  siteTotal: number;
  /** Live (not completed) tasks spawned at this site. */
  siteLive: number;
}

export interface Description {
  message: string;
  related?: LiveRelated[];
}

export interface LiveRuleContext {
  readonly model: ConsoleModel;
  /** App clock of the latest Update (ns since epoch). */
  readonly now: bigint;
  readonly thresholds: LiveThresholds;
  readonly resources: ResourceTracker;
  /** Per-rule state that lives across evaluations and is dropped on a new snapshot. */
  state<T>(init: () => T): T;
  /** Live tasks at each spawn site (completed ones excluded), keyed like `siteKey`. */
  liveTasksBySite(): ReadonlyMap<string, LiveTask[]>;
  staticFindingsNear?: StaticFindingsNear;
  /** Maps a wire location to a workspace file (for `staticFindingsNear`). */
  resolve(loc: WireLocation): ResolvedLocation | undefined;
  flag(task: LiveTask, detail?: unknown): void;
}

export interface LiveRule {
  meta: RuleMeta & { kind: 'live' };
  evaluate(ctx: LiveRuleContext): void;
  /** Words one aggregated finding; called only for sites with at least one flag. */
  describe(site: SiteFlags, ctx: LiveRuleContext): Description;
}

export function defineLiveRule(rule: LiveRule): LiveRule {
  return rule;
}

export interface LiveFinding {
  /** `rule@file:line:col` (wire location): stable while the condition lasts, across reconnects. */
  key: string;
  rule: string;
  severity: Severity;
  siteKey: string;
  location: WireLocation;
  resolved?: ResolvedLocation;
  message: string;
  /** tokio task ids (`task.id`) of the first flagged tasks; span ids where a task has none. */
  taskIds: string[];
  spanIds: SpanId[];
  /** How many tasks at the site are flagged, and how many the site has. */
  count: number;
  siteTotal: number;
  related: LiveRelated[];
  /** App clock when the finding opened. */
  openedAt: bigint;
}

export type CloseReason = 'resolved' | 'disconnected' | 'reset' | 'disabled';

export type LiveEvent =
  | { kind: 'open'; finding: LiveFinding }
  | { kind: 'update'; finding: LiveFinding; previous: LiveFinding }
  | { kind: 'close'; finding: LiveFinding; reason: CloseReason };

export type { LiveResource };
