/**
 * Replays a recording (the fixtures' format) through a model and the live
 * rules, paced by the Updates' own `now` timestamps.
 */
import { UsageError } from '../../cli/io.js';
import { decodeUpdate } from '../wire.js';
import type { ConsoleModel } from '../model.js';
import type { LiveRuleEngine } from '../rules/engine.js';
import type { LiveEvent } from '../rules/types.js';
import type { ApplyResult } from '../model.js';

export type Speed = number | 'max';

export interface ReplayOptions {
  speed: Speed;
  /** Waits `ms` of local time; injected so tests can check pacing without timing. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  signal?: AbortSignal;
  onEvents?: (events: LiveEvent[]) => void;
  onUpdate?: (result: ApplyResult, index: number) => void;
}

export interface ReplaySummary {
  frames: number;
  /** App-clock span of the recording, ms. */
  spanMs: number;
  aborted: boolean;
}

export class ReplayError extends Error {}

export function parseSpeed(text: string | undefined): Speed {
  if (text === undefined) return 1;
  if (text === 'max') return 'max';
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--speed must be a positive number or "max", got "${text}"`);
  return n;
}

export function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

export async function replay(
  frames: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  model: ConsoleModel,
  engine: LiveRuleEngine | undefined,
  opts: ReplayOptions,
): Promise<ReplaySummary> {
  const sleep = opts.sleep ?? defaultSleep;
  let index = 0;
  let first: bigint | undefined;
  let prev: bigint | undefined;
  for await (const bytes of frames as AsyncIterable<Uint8Array>) {
    if (opts.signal?.aborted) return { frames: index, spanMs: span(first, prev), aborted: true };
    let update;
    try {
      update = decodeUpdate(bytes);
    } catch (e) {
      throw new ReplayError(`frame ${index}: ${e instanceof Error ? e.message : String(e)}`);
    }
    const now = update.now;
    if (opts.speed !== 'max' && now !== undefined && prev !== undefined && now > prev) {
      const ms = Number(now - prev) / 1e6 / opts.speed;
      if (ms > 0) await sleep(ms, opts.signal);
      if (opts.signal?.aborted) return { frames: index, spanMs: span(first, prev), aborted: true };
    }
    if (now !== undefined) {
      first ??= now;
      prev = now;
    }
    const result = model.apply(update);
    opts.onUpdate?.(result, index);
    if (engine) {
      const events = engine.onUpdate(result);
      if (events.length) opts.onEvents?.(events);
    }
    index++;
  }
  return { frames: index, spanMs: span(first, prev), aborted: false };
}

function span(a: bigint | undefined, b: bigint | undefined): number {
  return a !== undefined && b !== undefined ? Number(b - a) / 1e6 : 0;
}
