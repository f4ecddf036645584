/** Shared helpers: run recordings and scenarios through the model and the live rules. */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultConfig, type Config } from '../../server/analysis/config.js';
import { ConsoleModel } from '../../server/live/model.js';
import { readRecording } from '../../server/live/recording.js';
import { decodeTaskDetails, decodeUpdate } from '../../server/live/wire.js';
import { ALL_LIVE_RULES } from '../../rules/live-index.js';
import { LiveRuleEngine } from '../../server/live/rules/engine.js';
import type { LiveEvent, LiveFinding, LiveRule } from '../../server/live/rules/types.js';

export const repoRoot = resolve(fileURLToPath(import.meta.url), '../../..');
export const fixturesDir = resolve(repoRoot, '../shared/fixtures/console');
export const fixture = (name: string): string => resolve(fixturesDir, name);

export function config(live: Partial<Config['live']> = {}, rules: Config['rules'] = {}): Config {
  const c = defaultConfig();
  Object.assign(c.live, live);
  Object.assign(c.rules, rules);
  return c;
}

export interface Run {
  model: ConsoleModel;
  engine: LiveRuleEngine;
  events: Array<LiveEvent & { at: number }>;
}

/**
 * Applies update frames (and optionally details frames, interleaved by their
 * `now`) and collects the events; the last update is evaluated too.
 */
export function runFrames(frames: readonly Uint8Array[], opts: { rules?: readonly LiveRule[]; config?: Config; details?: Array<{ taskId: string; frames: readonly Uint8Array[] }> } = {}): Run {
  const model = new ConsoleModel();
  const engine = new LiveRuleEngine(model, { rules: opts.rules ?? ALL_LIVE_RULES, config: opts.config ?? config() });
  const events: Run['events'] = [];
  let t0: bigint | undefined;
  const details = (opts.details ?? []).flatMap((d) => d.frames.map((f) => ({ taskId: d.taskId, msg: decodeTaskDetails(f) })));
  details.sort((a, b) => (a.msg.now! < b.msg.now! ? -1 : 1));
  let di = 0;
  const record = (list: LiveEvent[]): void => {
    for (const e of list) events.push({ ...e, at: Number((model.now ?? 0n) - (t0 ?? 0n)) / 1e6 });
  };
  for (const f of frames) {
    const u = decodeUpdate(f);
    t0 ??= u.now;
    while (di < details.length && u.now !== undefined && details[di]!.msg.now! <= u.now) {
      model.applyTaskDetails(details[di]!.msg, details[di]!.taskId);
      di++;
    }
    record(engine.onUpdate(model.apply(u)));
  }
  record(engine.evaluate(true));
  return { model, engine, events };
}

export function runCapture(name: string, opts: Parameters<typeof runFrames>[1] = {}): Run {
  return runFrames(readRecording(fixture(`${name}.updates.bin`)), opts);
}

export function where(f: LiveFinding): string {
  return `${f.rule} ${f.location.file}:${f.location.line}:${f.location.column}`;
}

export function opened(run: Run): string[] {
  return run.events.filter((e) => e.kind === 'open').map((e) => where(e.finding));
}
