// Where the updates come from: a console connection, or a recording replayed at its own pace.
// Both drive one model and report one status stream; the extension does not care which.
import type { Clock } from '../clock.js';
import { ConsoleClient, type ConnectionState } from '../connection.js';
import type { ApplyResult, ConsoleModel } from '../model.js';
import { recordingFrames } from '../recording.js';
import { defaultSleep, replay, type Speed } from '../cli/replay.js';

export type LiveStateKind = 'disabled' | 'connecting' | 'live' | 'disconnected' | 'replaying' | 'replay-finished';

export interface LiveStatus {
  state: LiveStateKind;
  /** `host:port`, `unix:/path`, or the recording's path. */
  address: string;
  reason?: string;
}

export interface FeedHandlers {
  status(s: LiveStatus): void;
  update(r: ApplyResult): void;
  /** The raw connection state (the engine's disconnect grace listens to it). */
  connection?(s: ConnectionState): void;
  /** A replay reached its end (the engine gets a final evaluation). */
  ended?(): void;
}

export interface Feed {
  stop(): void;
  /** Ref-counted WatchTaskDetails; a no-op for replays (recordings hold no details). */
  watchDetails(spanId: string): () => void;
}

export function consoleFeed(model: ConsoleModel, address: string | undefined, h: FeedHandlers, opts: { clock?: Clock; env?: NodeJS.ProcessEnv } = {}): Feed {
  const client = new ConsoleClient({ model, ...(address !== undefined ? { address } : {}), ...(opts.clock ? { clock: opts.clock } : {}), ...(opts.env ? { env: opts.env } : {}) });
  const target = client.target.grpcTarget;
  client.on('state', (s) => {
    h.connection?.(s);
    if (s.kind === 'disconnected' && s.reason === 'stopped') return;
    h.status(s.kind === 'disconnected' ? { state: 'disconnected', address: target, reason: s.reason } : { state: s.kind, address: target });
  });
  client.on('update', (r) => h.update(r));
  // Errors also show up as state changes; the listener keeps EventEmitter from throwing.
  client.on('error', () => undefined);
  client.start();
  return {
    stop: () => client.stop(),
    watchDetails: (id) => client.watchTaskDetails(id),
  };
}

export function replayFeed(model: ConsoleModel, path: string, speed: Speed, h: FeedHandlers, sleep = defaultSleep): Feed {
  const abort = new AbortController();
  const run = async (): Promise<void> => {
    let frames: AsyncGenerator<Uint8Array>;
    try {
      frames = recordingFrames(path);
    } catch (e) {
      h.status({ state: 'disconnected', address: path, reason: (e as Error).message });
      return;
    }
    h.status({ state: 'replaying', address: path, reason: `speed ${speed}` });
    try {
      const summary = await replay(frames, model, undefined, { speed, sleep, signal: abort.signal, onUpdate: (r) => h.update(r) });
      if (summary.aborted) return;
      h.ended?.();
      h.status({ state: 'replay-finished', address: path, reason: `end of the recording: ${summary.frames} updates, ${(summary.spanMs / 1000).toFixed(1)} s of app time` });
    } catch (e) {
      if (abort.signal.aborted) return;
      h.status({ state: 'disconnected', address: path, reason: `the recording is unreadable: ${(e as Error).message}` });
    }
  };
  void run();
  return {
    stop: () => abort.abort(),
    watchDetails: () => () => undefined,
  };
}
