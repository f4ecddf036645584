/**
 * gRPC client for console-subscriber's Instrument service.
 *
 * Responses are received as raw bytes (identity deserializer) and decoded
 * here, so a corrupt message becomes an 'error' event and a reconnect
 * instead of an exception inside grpc-js. Pause is never called: pausing
 * would stall every other console attached to the same app.
 */
import { EventEmitter } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import { resolveConsoleTarget, type ConsoleTarget } from './address.js';
import { Backoff, systemClock, type BackoffOptions, type Clock } from './clock.js';
import { ConsoleModel, type ApplyResult } from './model.js';
import { decodeState, decodeTaskDetails, decodeUpdate, encodeTaskDetailsRequest, METHOD_PATHS, type SpanId, type Temporality } from './wire.js';

export type ConnectionState =
  | { kind: 'connecting'; target: string }
  | { kind: 'live'; target: string }
  | { kind: 'disconnected'; target: string; reason: string; code?: number };

export interface LiveError {
  kind: 'decode' | 'details' | 'stream';
  message: string;
  taskId?: SpanId;
  cause?: unknown;
}

export interface ConsoleClientOptions {
  /** `http://host:port`, `host:port` or `unix:/path`; else TOKIO_CONSOLE_BIND, else 127.0.0.1:6669. */
  address?: string;
  env?: NodeJS.ProcessEnv;
  model?: ConsoleModel;
  clock?: Clock;
  backoff?: BackoffOptions;
  /** Concurrent WatchTaskDetails streams. Default 8. */
  maxDetailStreams?: number;
  /** Delay before reopening a details stream that ended while still wanted. Default 1000 ms. */
  detailRetryMs?: number;
  /** Follow WatchState (0.2+ subscribers). Default true; UNIMPLEMENTED is tolerated. */
  watchState?: boolean;
  /** Default 256 MiB: a first snapshot of a busy app easily exceeds grpc's 4 MiB default. */
  maxReceiveMessageBytes?: number;
  channelOptions?: grpc.ChannelOptions;
}

type Events = {
  state: [ConnectionState];
  /** Each WatchUpdates message exactly as received, before decoding (for recording). */
  frame: [Buffer];
  update: [ApplyResult];
  details: [SpanId];
  temporality: [Temporality | 'unsupported'];
  error: [LiveError];
};

interface DetailStream {
  call: grpc.ClientReadableStream<Buffer>;
}

const identity = (b: Buffer): Buffer => b;
const emptyRequest = (): Buffer => Buffer.alloc(0);

/** grpc-js embeds timestamps in some messages; strip them so identical failures compare equal. */
function normalizeReason(details: string): string {
  return details.replace(/\s*\(\d{4}-\d{2}-\d{2}T[^)]*\)/g, '').trim();
}

function describeStatus(code: number, details: string): string {
  const name = grpc.status[code] ?? `code ${code}`;
  const d = normalizeReason(details);
  return d ? `${name}: ${d}` : name;
}

export class ConsoleClient extends EventEmitter<Events> {
  readonly model: ConsoleModel;
  readonly target: ConsoleTarget;
  private readonly clock: Clock;
  private readonly backoff: Backoff;
  private readonly maxDetailStreams: number;
  private readonly detailRetryMs: number;
  private readonly followState: boolean;
  private readonly channelOptions: grpc.ChannelOptions;

  private current: ConnectionState;
  private running = false;
  private client: grpc.Client | undefined;
  private updates: grpc.ClientReadableStream<Buffer> | undefined;
  private stateCall: grpc.ClientReadableStream<Buffer> | undefined;
  private reconnectTimer: unknown;
  private generation = 0;
  private live = false;
  private attemptCount = 0;
  private temporalityValue: Temporality | 'unsupported' | undefined;

  /** Requested task ids with reference counts, in request order. */
  private readonly wanted = new Map<SpanId, number>();
  private readonly detailStreams = new Map<SpanId, DetailStream>();
  private readonly detailTimers = new Map<SpanId, unknown>();

  constructor(opts: ConsoleClientOptions = {}) {
    super();
    this.model = opts.model ?? new ConsoleModel();
    this.target = resolveConsoleTarget(opts.address, opts.env);
    this.clock = opts.clock ?? systemClock;
    this.backoff = new Backoff(opts.backoff, () => this.clock.random());
    this.maxDetailStreams = Math.max(0, opts.maxDetailStreams ?? 8);
    this.detailRetryMs = opts.detailRetryMs ?? 1000;
    this.followState = opts.watchState ?? true;
    this.channelOptions = {
      'grpc.max_receive_message_length': opts.maxReceiveMessageBytes ?? 256 * 1024 * 1024,
      // A private subchannel per attempt: our backoff, not grpc-js's, paces reconnects.
      'grpc.use_local_subchannel_pool': 1,
      ...opts.channelOptions,
    };
    this.current = { kind: 'disconnected', target: this.target.grpcTarget, reason: 'not started' };
  }

  get state(): ConnectionState {
    return this.current;
  }

  /** Connection attempts made since start(). */
  get attempts(): number {
    return this.attemptCount;
  }

  get temporality(): Temporality | 'unsupported' | undefined {
    return this.temporalityValue;
  }

  /** Task ids with an open details stream right now. */
  get activeDetailStreams(): SpanId[] {
    return [...this.detailStreams.keys()];
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.setState({ kind: 'connecting', target: this.target.grpcTarget });
    this.connect();
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.generation++;
    this.clock.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.teardown();
    this.setState({ kind: 'disconnected', target: this.target.grpcTarget, reason: 'stopped' });
  }

  /**
   * Asks for WatchTaskDetails on `taskId` (a span id). Returns a release
   * function; the stream closes once every requester released it.
   */
  watchTaskDetails(taskId: SpanId): () => void {
    this.wanted.set(taskId, (this.wanted.get(taskId) ?? 0) + 1);
    this.fillDetailSlots();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = (this.wanted.get(taskId) ?? 1) - 1;
      if (n > 0) {
        this.wanted.set(taskId, n);
        return;
      }
      this.wanted.delete(taskId);
      this.closeDetails(taskId);
      this.fillDetailSlots();
    };
  }

  private setState(next: ConnectionState): void {
    const prev = this.current;
    const same =
      prev.kind === next.kind &&
      (prev.kind !== 'disconnected' || (next.kind === 'disconnected' && prev.reason === next.reason));
    this.current = next;
    if (!same) this.emit('state', next);
  }

  private reportError(err: LiveError): void {
    // An EventEmitter 'error' without listeners would throw; errors are advisory here.
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }

  private connect(): void {
    if (!this.running) return;
    const gen = ++this.generation;
    this.attemptCount++;
    this.live = false;
    const creds = this.target.secure ? grpc.credentials.createSsl() : grpc.credentials.createInsecure();
    const client = new grpc.Client(this.target.grpcTarget, creds, this.channelOptions);
    this.client = client;
    this.model.reset();
    const call = client.makeServerStreamRequest<Buffer, Buffer>(METHOD_PATHS.watchUpdates, emptyRequest, identity, Buffer.alloc(0));
    this.updates = call;
    call.on('data', (bytes: Buffer) => {
      if (gen !== this.generation) return;
      if (this.listenerCount('frame') > 0) this.emit('frame', bytes);
      let result: ApplyResult;
      try {
        result = this.model.apply(decodeUpdate(bytes));
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        this.reportError({ kind: 'decode', message: `WatchUpdates: ${message}`, cause: e });
        this.disconnected(gen, `undecodable update: ${message}`);
        return;
      }
      if (!this.live) {
        this.live = true;
        this.backoff.reset();
        this.setState({ kind: 'live', target: this.target.grpcTarget });
        this.openState(gen);
        this.fillDetailSlots();
      }
      this.emit('update', result);
    });
    call.on('error', (err: grpc.ServiceError) => {
      if (gen !== this.generation) return;
      this.disconnected(gen, describeStatus(err.code, err.details ?? err.message), err.code);
    });
    call.on('status', (status: grpc.StatusObject) => {
      if (gen !== this.generation || status.code !== grpc.status.OK) return;
      this.disconnected(gen, 'stream ended by the app', status.code);
    });
  }

  private disconnected(gen: number, reason: string, code?: number): void {
    if (gen !== this.generation || !this.running) return;
    this.generation++;
    this.teardown();
    const state: ConnectionState = { kind: 'disconnected', target: this.target.grpcTarget, reason };
    if (code !== undefined) state.code = code;
    this.setState(state);
    const delay = this.backoff.next();
    this.reconnectTimer = this.clock.setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect();
    }, delay);
  }

  private teardown(): void {
    this.live = false;
    for (const id of [...this.detailStreams.keys()]) this.closeDetails(id);
    for (const t of this.detailTimers.values()) this.clock.clearTimeout(t);
    this.detailTimers.clear();
    this.stateCall?.cancel();
    this.stateCall = undefined;
    this.updates?.cancel();
    this.updates = undefined;
    this.client?.close();
    this.client = undefined;
  }

  private openState(gen: number): void {
    if (!this.followState || !this.client) return;
    const call = this.client.makeServerStreamRequest<Buffer, Buffer>(METHOD_PATHS.watchState, emptyRequest, identity, Buffer.alloc(0));
    this.stateCall = call;
    call.on('data', (bytes: Buffer) => {
      if (gen !== this.generation) return;
      try {
        this.setTemporality(decodeState(bytes).temporality);
      } catch (e) {
        this.reportError({ kind: 'decode', message: `WatchState: ${e instanceof Error ? e.message : String(e)}`, cause: e });
      }
    });
    call.on('error', (err: grpc.ServiceError) => {
      if (gen !== this.generation) return;
      // Subscribers before 0.2 have no WatchState; that is expected, not an error.
      if (err.code === grpc.status.UNIMPLEMENTED) this.setTemporality('unsupported');
    });
  }

  private setTemporality(t: Temporality | 'unsupported'): void {
    if (t === this.temporalityValue) return;
    this.temporalityValue = t;
    this.emit('temporality', t);
  }

  private fillDetailSlots(): void {
    if (!this.live || !this.client) return;
    for (const id of this.wanted.keys()) {
      if (this.detailStreams.size >= this.maxDetailStreams) return;
      if (this.detailStreams.has(id) || this.detailTimers.has(id)) continue;
      this.openDetails(id);
    }
  }

  private openDetails(taskId: SpanId): void {
    const client = this.client;
    if (!client) return;
    const gen = this.generation;
    const call = client.makeServerStreamRequest<Uint8Array, Buffer>(
      METHOD_PATHS.watchTaskDetails,
      (req) => Buffer.from(req),
      identity,
      encodeTaskDetailsRequest(taskId),
    );
    const entry: DetailStream = { call };
    this.detailStreams.set(taskId, entry);
    const ended = (reason: string, code: number): void => {
      if (gen !== this.generation || this.detailStreams.get(taskId) !== entry) return;
      this.detailStreams.delete(taskId);
      if (code === grpc.status.NOT_FOUND || code === grpc.status.INVALID_ARGUMENT) {
        this.reportError({ kind: 'details', taskId, message: `WatchTaskDetails(${taskId}): ${reason}` });
        this.wanted.delete(taskId);
      } else if (this.wanted.has(taskId)) {
        this.detailTimers.set(
          taskId,
          this.clock.setTimeout(() => {
            this.detailTimers.delete(taskId);
            this.fillDetailSlots();
          }, this.detailRetryMs),
        );
      }
      this.fillDetailSlots();
    };
    call.on('data', (bytes: Buffer) => {
      if (gen !== this.generation || this.detailStreams.get(taskId) !== entry) return;
      try {
        this.model.applyTaskDetails(decodeTaskDetails(bytes), taskId);
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        this.reportError({ kind: 'decode', taskId, message: `WatchTaskDetails(${taskId}): ${message}`, cause: e });
        call.cancel();
        ended(message, grpc.status.DATA_LOSS);
        return;
      }
      this.emit('details', taskId);
    });
    call.on('error', (err: grpc.ServiceError) => ended(describeStatus(err.code, err.details ?? err.message), err.code));
    call.on('status', (s: grpc.StatusObject) => {
      if (s.code === grpc.status.OK) ended('stream ended', s.code);
    });
  }

  private closeDetails(taskId: SpanId): void {
    const entry = this.detailStreams.get(taskId);
    this.detailStreams.delete(taskId);
    entry?.call.cancel();
    const timer = this.detailTimers.get(taskId);
    if (timer !== undefined) {
      this.clock.clearTimeout(timer);
      this.detailTimers.delete(taskId);
    }
  }
}
