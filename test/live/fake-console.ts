/**
 * A scriptable stand-in for console-subscriber's gRPC server. Responses are
 * raw bytes (identity serializers), so captured fixture frames go on the
 * wire exactly as the real subscriber sent them, and so can garbage.
 */
import * as grpc from '@grpc/grpc-js';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readRecording } from '../../server/live/recording.js';
import { METHOD_PATHS } from '../../server/live/wire.js';

export const repoRoot = resolve(fileURLToPath(import.meta.url), '../../..');
export const fixturesDir = resolve(repoRoot, '../shared/fixtures/console');
export const fixture = (name: string): string => resolve(fixturesDir, name);

const identity = (b: Buffer): Buffer => b;

export interface StreamCall {
  /** Resolves once the frame is handed to the transport (waits for drain on backpressure). */
  write(bytes: Uint8Array): Promise<void>;
  /** Ends the stream with status OK. */
  end(): void;
  /** Ends the stream with an error status. */
  fail(code: grpc.status, details?: string): void;
  /** Resolves when the client cancels (or the connection goes away). */
  untilCancelled(): Promise<void>;
  readonly cancelled: boolean;
  readonly request: Buffer;
}

export type StreamScript = (call: StreamCall, index: number) => Promise<void> | void;

export interface FakeConsoleOptions {
  /** One script per WatchUpdates call (the last one repeats), or a single script for all. */
  updates?: StreamScript | StreamScript[];
  /** WatchTaskDetails; `taskId` is decoded from the request. Default: hang until cancelled. */
  details?: (call: StreamCall, taskId: string) => Promise<void> | void;
  /** WatchState. Default: UNIMPLEMENTED, like console-subscriber 0.1. */
  state?: StreamScript;
}

function wrap(call: grpc.ServerWritableStream<Buffer, Buffer>): StreamCall {
  let cancelled = false;
  const cancelledP = new Promise<void>((res) => {
    call.on('cancelled', () => {
      cancelled = true;
      res();
    });
    call.on('close', () => res());
  });
  return {
    request: call.request,
    get cancelled() {
      return cancelled;
    },
    write(bytes) {
      if (cancelled) return Promise.resolve();
      return new Promise((res) => {
        if (call.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))) res();
        else call.once('drain', () => res());
      });
    },
    end() {
      if (!cancelled) call.end();
    },
    fail(code, details = '') {
      if (!cancelled) call.emit('error', { code, details, name: 'FakeError', message: details });
    },
    untilCancelled: () => cancelledP,
  };
}

/** Reads the varint task id out of a TaskDetailsRequest (`0a LEN 08 <varint>`). */
function taskIdOf(request: Buffer): string {
  let i = request.indexOf(0x08, 2);
  let value = 0n;
  let shift = 0n;
  while (i >= 0 && ++i < request.length) {
    const b = request[i]!;
    value |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) break;
    shift += 7n;
  }
  return value.toString();
}

export interface FramesOptions {
  paceMs?: number;
  then?: 'hang' | 'end' | { code: grpc.status; details?: string };
}

export const scripts = {
  /** Sends frames (optionally paced), then ends as told; default keeps the stream open. */
  frames(frames: readonly Uint8Array[], opts: FramesOptions = {}): StreamScript {
    return async (call) => {
      for (const f of frames) {
        if (call.cancelled) return;
        await call.write(f);
        if (opts.paceMs) await new Promise((r) => setTimeout(r, opts.paceMs));
      }
      const then = opts.then ?? 'hang';
      if (then === 'hang') await call.untilCancelled();
      else if (then === 'end') call.end();
      else call.fail(then.code, then.details);
    };
  },
  recording(name: string, opts?: FramesOptions): StreamScript {
    return scripts.frames(readRecording(fixture(name)), opts);
  },
  status(code: grpc.status, details = ''): StreamScript {
    return (call) => call.fail(code, details);
  },
};

export class FakeConsole {
  readonly calls = { updates: 0, details: [] as string[], state: 0, pause: 0, resume: 0 };
  private constructor(
    private readonly server: grpc.Server,
    readonly port: number,
    private readonly bind: string,
  ) {}

  /** What a client should dial: `127.0.0.1:PORT`, or the `unix:` path it was bound to. */
  get address(): string {
    return this.bind.startsWith('unix:') ? this.bind : `127.0.0.1:${this.port}`;
  }

  static async start(opts: FakeConsoleOptions = {}, bind = '127.0.0.1:0'): Promise<FakeConsole> {
    const server = new grpc.Server({ 'grpc.max_send_message_length': -1 });
    let fake: FakeConsole | undefined;
    const stream = (path: string): grpc.MethodDefinition<Buffer, Buffer> => ({
      path,
      requestStream: false,
      responseStream: true,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: identity,
      responseDeserialize: identity,
    });
    const unary = (path: string): grpc.MethodDefinition<Buffer, Buffer> => ({ ...stream(path), responseStream: false });
    const definition: grpc.ServiceDefinition = {
      WatchUpdates: stream(METHOD_PATHS.watchUpdates),
      WatchTaskDetails: stream(METHOD_PATHS.watchTaskDetails),
      WatchState: stream(METHOD_PATHS.watchState),
      Pause: unary(METHOD_PATHS.pause),
      Resume: unary(METHOD_PATHS.resume),
    };
    const run = (p: Promise<void> | void): void => {
      void Promise.resolve(p).catch(() => undefined);
    };
    const handlers: grpc.UntypedServiceImplementation = {
      WatchUpdates: (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
        const index = fake!.calls.updates++;
        const list = opts.updates === undefined ? [] : Array.isArray(opts.updates) ? opts.updates : [opts.updates];
        const script = list[Math.min(index, list.length - 1)];
        const c = wrap(call);
        run(script ? script(c, index) : c.untilCancelled());
      },
      WatchTaskDetails: (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
        const id = taskIdOf(call.request);
        fake!.calls.details.push(id);
        const c = wrap(call);
        run(opts.details ? opts.details(c, id) : c.untilCancelled());
      },
      WatchState: (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
        const c = wrap(call);
        run(opts.state ? opts.state(c, fake!.calls.state++) : c.fail(grpc.status.UNIMPLEMENTED));
      },
      Pause: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
        fake!.calls.pause++;
        cb(null, Buffer.alloc(0));
      },
      Resume: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
        fake!.calls.resume++;
        cb(null, Buffer.alloc(0));
      },
    };
    server.addService(definition, handlers);
    const bound = await new Promise<number>((res, rej) =>
      server.bindAsync(bind, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? rej(err) : res(p))),
    );
    fake = new FakeConsole(server, bound, bind);
    return fake;
  }

  /** Drops every connection at once, like the app process exiting. */
  kill(): void {
    this.server.forceShutdown();
  }

  stop(): Promise<void> {
    return new Promise((res) => {
      this.server.tryShutdown(() => res());
      setTimeout(() => {
        this.server.forceShutdown();
        res();
      }, 200).unref();
    });
  }
}

/**
 * TCP pass-through in front of a FakeConsole. `dropConnections()` destroys
 * the sockets without any HTTP/2 goodbye, which is what a client sees when
 * the instrumented process exits (grpc-js reports UNAVAILABLE "Connection dropped").
 */
export class DroppableProxy {
  private readonly sockets = new Set<Socket>();
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  static async start(upstreamPort: number): Promise<DroppableProxy> {
    let proxy: DroppableProxy | undefined;
    const server = createServer((down) => {
      const up = connect(upstreamPort, '127.0.0.1');
      for (const s of [down, up]) {
        proxy!.sockets.add(s);
        s.on('close', () => proxy!.sockets.delete(s));
        s.on('error', () => undefined);
      }
      down.pipe(up).pipe(down);
    });
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
    const addr = server.address();
    proxy = new DroppableProxy(server, typeof addr === 'object' && addr ? addr.port : 0);
    return proxy;
  }

  dropConnections(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  close(): Promise<void> {
    this.dropConnections();
    return new Promise((res) => this.server.close(() => res()));
  }
}
