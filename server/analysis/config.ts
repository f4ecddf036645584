// awaitlens.toml: per-workspace rule severities, file excludes and live-side settings. Editor
// settings are merged over it by the LSP layer with `mergeConfig`.
import { readFileSync } from 'node:fs';
import { parse as parseToml } from 'smol-toml';
import type { SeverityOrOff } from './types.js';

export interface LiveThresholds {
  longPollMs: number;
  schedulingDelayMs: number;
  stuckIdleMs: number;
  retentionMs: number;
  /** never-yielded: busy time of a still-running first poll (tokio-console: 1 s). */
  neverYieldedMs: number;
  /** self-wakes: self wakes above this percent of all wakes (tokio-console: 50). */
  selfWakePercent: number;
  /** large-future: future size in bytes (tokio-console: 1024). */
  largeFutureBytes: number;
  /** task-growth: consecutive evaluations with a strictly growing live-task count. */
  taskGrowthEvaluations: number;
  /** task-growth: live tasks at the site before growth counts. */
  taskGrowthFloor: number;
  /** deadlock-cycle: how long a wait cycle must persist. */
  deadlockMs: number;
  /** starved-on-resource: share of observed time spent waiting on one resource (0..1). */
  starvedShare: number;
  /** starved-on-resource: observed time needed before judging. */
  starvedWindowMs: number;
  /** main-off-runtime (live): share of the block_on task's life spent scheduled (0..1). */
  mainScheduledShare: number;
  /** main-off-runtime (live): age of the block_on task before judging. */
  mainMinMs: number;
  /** Open live findings are cleared this long after the app disconnects. */
  disconnectGraceMs: number;
}

export interface Config {
  rules: Record<string, SeverityOrOff>;
  exclude: string[];
  console: {
    address?: string;
    remapPathPrefix: Array<{ from: string; to: string }>;
  };
  live: LiveThresholds;
  /** Files larger than this are skipped (reported, not analysed). */
  maxFileBytes: number;
}

export const SEVERITIES: readonly SeverityOrOff[] = ['off', 'hint', 'info', 'warning', 'error'];

export function defaultConfig(): Config {
  return {
    rules: {},
    exclude: [],
    console: { remapPathPrefix: [] },
    live: {
      longPollMs: 10,
      schedulingDelayMs: 50,
      stuckIdleMs: 5000,
      retentionMs: 10_000,
      neverYieldedMs: 1000,
      selfWakePercent: 50,
      largeFutureBytes: 1024,
      taskGrowthEvaluations: 5,
      taskGrowthFloor: 50,
      deadlockMs: 2000,
      starvedShare: 0.5,
      starvedWindowMs: 5000,
      mainScheduledShare: 0.2,
      mainMinMs: 2000,
      disconnectGraceMs: 3000,
    },
    maxFileBytes: 4 * 1024 * 1024,
  };
}

export class ConfigError extends Error {}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parse awaitlens.toml text. Unknown rule ids are reported by the caller, which knows the rules. */
export function parseConfig(text: string, source = 'awaitlens.toml'): Config {
  let raw: unknown;
  try {
    raw = parseToml(text);
  } catch (e) {
    throw new ConfigError(`${source}: ${(e as Error).message.split('\n')[0]}`);
  }
  return applyConfig(defaultConfig(), raw, source);
}

export function loadConfigFile(path: string): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseConfig(text, path);
}

/** Overlay `raw` (TOML or editor settings, same shape) on `base`. */
export function applyConfig(base: Config, raw: unknown, source: string): Config {
  const out: Config = structuredClone(base);
  if (!isRecord(raw)) return out;
  if (raw.rules !== undefined) {
    if (!isRecord(raw.rules)) throw new ConfigError(`${source}: [rules] must be a table`);
    for (const [id, sev] of Object.entries(raw.rules)) {
      if (typeof sev !== 'string' || !SEVERITIES.includes(sev as SeverityOrOff)) {
        throw new ConfigError(`${source}: rules.${id} must be one of ${SEVERITIES.join(', ')}`);
      }
      out.rules[id] = sev as SeverityOrOff;
    }
  }
  const files = raw.files;
  if (isRecord(files) && Array.isArray(files.exclude)) out.exclude = files.exclude.filter((x): x is string => typeof x === 'string');
  if (isRecord(files) && typeof files['max-bytes'] === 'number') out.maxFileBytes = files['max-bytes'];
  const con = raw.console;
  if (isRecord(con)) {
    if (typeof con.address === 'string') out.console.address = con.address;
    const remap = con['remap-path-prefix'] ?? con.remapPathPrefix;
    if (Array.isArray(remap)) {
      out.console.remapPathPrefix = remap
        .filter((x): x is string => typeof x === 'string' && x.includes('='))
        .map((x) => ({ from: x.slice(0, x.indexOf('=')), to: x.slice(x.indexOf('=') + 1) }));
    }
  }
  const live = raw.live;
  if (isRecord(live)) {
    const num = (k: string, camel: keyof LiveThresholds) => {
      const v = live[k] ?? live[camel];
      if (typeof v === 'number' && v >= 0) out.live[camel] = v;
    };
    num('long-poll-ms', 'longPollMs');
    num('scheduling-delay-ms', 'schedulingDelayMs');
    num('stuck-idle-ms', 'stuckIdleMs');
    num('retention-ms', 'retentionMs');
    num('never-yielded-ms', 'neverYieldedMs');
    num('self-wake-percent', 'selfWakePercent');
    num('large-future-bytes', 'largeFutureBytes');
    num('task-growth-evaluations', 'taskGrowthEvaluations');
    num('task-growth-floor', 'taskGrowthFloor');
    num('deadlock-ms', 'deadlockMs');
    num('starved-share', 'starvedShare');
    num('starved-window-ms', 'starvedWindowMs');
    num('main-scheduled-share', 'mainScheduledShare');
    num('main-min-ms', 'mainMinMs');
    num('disconnect-grace-ms', 'disconnectGraceMs');
  }
  return out;
}
