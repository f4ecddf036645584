/** watch / record / top: argument handling, wiring of client, model, engine and output. */
import { resolve } from 'node:path';
import type { Config } from '../../analysis/config.js';
import { EXIT_OK, EXIT_USAGE, UsageError, type CliIo } from '../../cli/io.js';
import type { Clock } from '../clock.js';
import { ConsoleClient, type ConnectionState } from '../connection.js';
import { ConsoleModel } from '../model.js';
import { recordingFrames, RecordingError, RecordingWriter } from '../recording.js';
import { ALL_LIVE_RULES } from '../../../rules/live-index.js';
import { LiveRuleEngine } from '../rules/engine.js';
import type { LiveEvent } from '../rules/types.js';
import { parseArgs, str, type ParsedArgs } from './args.js';
import { jsonEvent, stateText, stillOpenText, textEvent } from './output.js';
import { defaultSleep, parseSpeed, replay, ReplayError, type Speed } from './replay.js';
import { handleKey, INITIAL_VIEW, renderTop, siteRows, splitKeys, type SiteRow, type SortKey, type TopView } from './top-view.js';
import { workspace } from './workspace.js';

export interface TerminalInput {
  isTTY?: boolean;
  setRawMode?(raw: boolean): unknown;
  on(event: 'data', fn: (chunk: Buffer | string) => void): unknown;
  off(event: 'data', fn: (chunk: Buffer | string) => void): unknown;
  resume?(): unknown;
  pause?(): unknown;
}

export interface LiveDeps {
  io: CliIo;
  /** Ends watch / record / top (Ctrl-C). */
  signal: AbortSignal;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  clock?: Clock;
  stdin?: TerminalInput;
  terminalSize?: () => { columns: number; rows: number };
}

export const WATCH_HELP = `Usage: awaitlens watch [--address A] [--format text|json] [--config FILE] [PATH]
       awaitlens watch --replay FILE [--speed N|max] [--format text|json] [PATH]

Connects to a program instrumented with console-subscriber and prints runtime findings as they
open and close, at source locations relative to PATH (the workspace root, default: .).
The address defaults to TOKIO_CONSOLE_BIND, else http://127.0.0.1:6669.
--replay plays a recording (see awaitlens record) paced by its own timestamps; --speed N plays it
N times faster, --speed max as fast as possible and lists what is still open at the end.
--format json prints one JSON object per line: {"event","rule","severity","file","line","column",
"message","tasks"}; connection states then go to stderr.
`;

export const RECORD_HELP = `Usage: awaitlens record --out FILE [--address A]

Records the console's WatchUpdates stream to FILE (4-byte big-endian length + message bytes per
frame) until Ctrl-C. Replay it with awaitlens watch --replay FILE or awaitlens top --replay FILE.
`;

export const TOP_HELP = `Usage: awaitlens top [--address A | --replay FILE] [--speed N|max] [--sort busy|scheduled|wakes|tasks] [--once] [PATH]

A live table of spawn sites ranked by busy time, scheduled time, wakes or live tasks, with the
runtime findings per site. Keys: b s w t sort, / filter by name or file (Enter keeps, Esc clears),
space pauses the view, q quits. --once prints one frame and exits.
`;

function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes('-h') || argv.includes('--help');
}

async function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  await new Promise<void>((res) => signal.addEventListener('abort', () => res(), { once: true }));
}

/** A broken recording is bad input, not a crash: one line on stderr and the usage exit code. Anything else propagates. */
function badRecording(e: unknown, io: CliIo): number {
  if (e instanceof RecordingError || e instanceof ReplayError) {
    io.stderr(`awaitlens: ${e.message}\n`);
    return EXIT_USAGE;
  }
  throw e;
}

function clockOf(deps: LiveDeps): { clock?: Clock } {
  return deps.clock ? { clock: deps.clock } : {};
}

/** The workspace named on the command line, and a model and rule engine configured from it. */
function liveSession(args: ParsedArgs, deps: LiveDeps) {
  const { root, config, mapper } = workspace(deps.io.cwd, args.positionals[0], str(args, '--config'));
  const model = new ConsoleModel({ retentionMs: config.live.retentionMs });
  const engine = new LiveRuleEngine(model, { rules: ALL_LIVE_RULES, config, mapper, ...clockOf(deps) });
  return { root, config, mapper, model, engine };
}

/** A client feeding `model` from `--address`, else the configured console address. */
function modelClient(args: ParsedArgs, config: Config, model: ConsoleModel, deps: LiveDeps): ConsoleClient {
  return new ConsoleClient({ address: str(args, '--address') ?? config.console.address, env: deps.io.env as NodeJS.ProcessEnv, model, ...clockOf(deps) });
}

function fileFrames(path: string): AsyncGenerator<Uint8Array> {
  try {
    return recordingFrames(path);
  } catch (e) {
    if (e instanceof RecordingError) throw new UsageError(e.message);
    throw e;
  }
}

export async function runWatch(argv: readonly string[], deps: LiveDeps): Promise<number> {
  const { io } = deps;
  if (wantsHelp(argv)) {
    io.stdout(WATCH_HELP);
    return EXIT_OK;
  }
  const args = parseArgs(argv, ['--address', '--format', '--replay', '--speed', '--config'], []);
  const format = str(args, '--format') ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be text or json, got "${format}"`);
  if (args.positionals.length > 1) throw new UsageError('watch takes at most one PATH');
  const replayFile = str(args, '--replay');
  if (replayFile !== undefined && str(args, '--address') !== undefined) throw new UsageError('--replay and --address exclude each other');
  if (replayFile === undefined && str(args, '--speed') !== undefined) throw new UsageError('--speed needs --replay');
  const { root, config, model, engine } = liveSession(args, deps);
  const print = (events: readonly LiveEvent[]): void => {
    for (const e of events) {
      if (format === 'json') {
        const j = jsonEvent(e, root);
        if (j) io.stdout(JSON.stringify(j) + '\n');
      } else {
        const t = textEvent(e, root);
        if (t) io.stdout(t);
      }
    }
  };
  const status = (text: string): void => (format === 'json' ? io.stderr(text) : io.stdout(text));

  if (replayFile !== undefined) {
    const speed = parseSpeed(str(args, '--speed'));
    const path = resolve(io.cwd, replayFile);
    try {
      const summary = await replay(fileFrames(path), model, engine, { speed, sleep: deps.sleep ?? defaultSleep, signal: deps.signal, onEvents: print });
      if (!summary.aborted) {
        print(engine.evaluate(true));
        if (speed === 'max') status(stillOpenText(engine.open(), root));
      }
    } catch (e) {
      return badRecording(e, io);
    } finally {
      engine.dispose();
    }
    return EXIT_OK;
  }

  const client = modelClient(args, config, model, deps);
  const detach = engine.attach(client);
  const source = client.target.source;
  client.on('state', (s: ConnectionState) => status(stateText(s, source)));
  engine.on('event', (e) => print([e]));
  client.start();
  await untilAborted(deps.signal);
  detach();
  client.stop();
  engine.dispose();
  return EXIT_OK;
}

export async function runRecord(argv: readonly string[], deps: LiveDeps): Promise<number> {
  const { io } = deps;
  if (wantsHelp(argv)) {
    io.stdout(RECORD_HELP);
    return EXIT_OK;
  }
  const args = parseArgs(argv, ['--address', '--out'], []);
  const out = str(args, '--out');
  if (out === undefined) throw new UsageError('record needs --out FILE');
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
  const writer = new RecordingWriter(resolve(io.cwd, out));
  const client = new ConsoleClient({ address: str(args, '--address'), env: io.env as NodeJS.ProcessEnv, watchState: false, ...clockOf(deps) });
  let frames = 0;
  client.on('frame', (bytes) => {
    writer.write(bytes);
    frames++;
  });
  client.on('state', (s) => io.stderr(stateText(s, client.target.source)));
  client.start();
  await untilAborted(deps.signal);
  client.stop();
  await writer.close();
  io.stderr(`recorded ${frames} update${frames === 1 ? '' : 's'} to ${out}\n`);
  return EXIT_OK;
}

const SORTS: readonly SortKey[] = ['busy', 'scheduled', 'wakes', 'tasks'];

export async function runTop(argv: readonly string[], deps: LiveDeps): Promise<number> {
  const { io } = deps;
  if (wantsHelp(argv)) {
    io.stdout(TOP_HELP);
    return EXIT_OK;
  }
  const args = parseArgs(argv, ['--address', '--replay', '--speed', '--sort', '--config'], ['--once']);
  const sort = (str(args, '--sort') ?? 'busy') as SortKey;
  if (!SORTS.includes(sort)) throw new UsageError(`--sort must be one of ${SORTS.join(', ')}, got "${sort}"`);
  const replayFile = str(args, '--replay');
  if (replayFile !== undefined && str(args, '--address') !== undefined) throw new UsageError('--replay and --address exclude each other');
  const once = args.flags.get('--once') === true;
  const { root, config, mapper, model, engine } = liveSession(args, deps);
  let view: TopView = { ...INITIAL_VIEW, sort };
  let status = replayFile !== undefined ? 'replay' : 'connecting';
  const size = deps.terminalSize ?? (() => ({ columns: process.stdout.columns ?? 120, rows: process.stdout.rows ?? 40 }));
  // Pausing freezes the data, not the screen: the header still shows [PAUSED], and sort and
  // filter keys still apply to the frozen rows.
  let frozen: { rows: SiteRow[]; status: string } | undefined;
  const snapshot = (): { rows: SiteRow[]; status: string } => ({ rows: siteRows(model, engine.open(), { mapper, root }), status });
  const frame = ({ columns, rows } = size()): string[] => {
    const data = view.paused ? (frozen ??= snapshot()) : snapshot();
    return renderTop(data.rows, view, model, { columns, rows, status: data.status });
  };

  if (once) {
    if (replayFile !== undefined) {
      try {
        await replay(fileFrames(resolve(io.cwd, replayFile)), model, engine, { speed: 'max', signal: deps.signal });
      } catch (e) {
        return badRecording(e, io);
      }
      engine.evaluate(true);
      status = 'end of recording';
    } else {
      const client = modelClient(args, config, model, deps);
      const detach = engine.attach(client);
      const first = new Promise<void>((res) => client.once('update', () => res()));
      client.start();
      await Promise.race([first, untilAborted(deps.signal)]);
      engine.evaluate(true);
      status = `connected to ${client.target.grpcTarget}`;
      detach();
      client.stop();
    }
    engine.dispose();
    io.stdout(frame().join('\n') + '\n');
    return EXIT_OK;
  }

  const tty = io.stdoutIsTTY;
  const stdin = deps.stdin;
  const done = new AbortController();
  const stop = (): void => done.abort();
  deps.signal.addEventListener('abort', stop, { once: true });
  let dirty = true;
  let shown: string | undefined;
  const draw = (): void => {
    dirty = false;
    const text = frame().join('\n');
    // Updates keep arriving while paused; an unchanged frame is not written again.
    if (text === shown) return;
    shown = text;
    io.stdout(tty ? `\x1b[H\x1b[2J${text}` : `${text}\n\n`);
  };
  const onKey = (chunk: Buffer | string): void => {
    for (const key of splitKeys(chunk.toString())) {
      const r = handleKey(view, key);
      if (r.view.paused && !view.paused) frozen = snapshot();
      if (!r.view.paused) frozen = undefined;
      view = r.view;
      dirty = true;
      if (r.quit) return stop();
    }
  };
  // Nothing else redraws once a replay has ended, and a stale frame wider than the new size wraps.
  const onResize = (): void => {
    dirty = true;
  };
  const watchResize = tty && !deps.terminalSize;
  if (watchResize) process.stdout.on('resize', onResize);
  if (stdin?.isTTY && stdin.setRawMode) {
    stdin.setRawMode(true);
    stdin.resume?.();
    stdin.on('data', onKey);
  }
  if (tty) io.stdout('\x1b[?1049h\x1b[?25l');
  const timer = setInterval(() => {
    if (dirty) draw();
  }, 250);
  let cleanup = (): void => undefined;
  try {
    if (replayFile !== undefined) {
      const speed: Speed = parseSpeed(str(args, '--speed'));
      await replay(fileFrames(resolve(io.cwd, replayFile)), model, engine, {
        speed,
        sleep: deps.sleep ?? defaultSleep,
        signal: done.signal,
        onUpdate: () => {
          dirty = true;
        },
      });
      engine.evaluate(true);
      status = 'end of recording';
      dirty = true;
      if (stdin?.isTTY) await untilAborted(done.signal);
    } else {
      const client = modelClient(args, config, model, deps);
      const detach = engine.attach(client);
      client.on('state', (s) => {
        status = s.kind === 'live' ? `connected to ${s.target}` : s.kind === 'connecting' ? `connecting to ${s.target}` : `disconnected: ${s.reason}`;
        dirty = true;
      });
      client.on('update', () => {
        dirty = true;
      });
      cleanup = () => {
        detach();
        client.stop();
      };
      client.start();
      await untilAborted(done.signal);
    }
  } catch (e) {
    return badRecording(e, io);
  } finally {
    cleanup();
    clearInterval(timer);
    if (watchResize) process.stdout.off('resize', onResize);
    if (!tty || !done.signal.aborted) draw();
    if (tty) io.stdout('\x1b[?25h\x1b[?1049l');
    if (stdin?.isTTY && stdin.setRawMode) {
      stdin.off('data', onKey);
      stdin.setRawMode(false);
      stdin.pause?.();
    }
    engine.dispose();
    deps.signal.removeEventListener('abort', stop);
  }
  return EXIT_OK;
}
