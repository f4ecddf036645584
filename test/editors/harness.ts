// Shared pieces of the real-editor tests: the built server command, a scratch copy of the example
// crate, a bounded editor run, and the rule that a missing editor skips locally but fails in CI.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { distIsFresh } from '../dist-freshness.js';

export const ROOT = resolve(__dirname, '../..');
export const CRATE = join(ROOT, 'examples/stuck-server');
const LSP_ENTRY = join(ROOT, 'dist/server/lsp/main.js');
const CLI_ENTRY = join(ROOT, 'dist/server/cli/main.js');

/** How the editors start the server: the real command, as a user's editor config would. */
export function serverCommand(): string[] {
  return [process.execPath, join(ROOT, 'bin/awaitlens.js'), 'lsp', '--stdio'];
}

export interface EditorProbe {
  /** Undefined when the editor can be used. */
  missing?: string;
  version?: string;
}

/** Runs `bin --version`; a missing binary is a skip locally and a failure under CI=true. */
export function probeEditor(bin: string, extraCheck?: () => string | undefined): EditorProbe {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  if (r.error || r.status !== 0) return { missing: `\`${bin}\` is not installed (${r.error?.message ?? `exit ${r.status}`})` };
  const extra = extraCheck?.();
  if (extra) return { missing: extra };
  return { version: r.stdout.split('\n')[0]!.trim() };
}

export const inCI = !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0';

/**
 * The editors run the compiled server, so build it when a source is newer. Test files run in
 * parallel processes: a lock directory keeps two of them from writing dist/ at once.
 */
export async function ensureBuilt(): Promise<void> {
  if (distIsFresh(ROOT, [LSP_ENTRY, CLI_ENTRY])) return;
  const lock = join(ROOT, 'dist/.editors-build-lock');
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`could not take ${lock} (left by a killed run? remove it)`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    // Type errors in work in progress elsewhere must not stop the emit; the entry check below does.
    if (!distIsFresh(ROOT, [LSP_ENTRY, CLI_ENTRY])) spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore' });
  } finally {
    rmdirSync(lock);
  }
  if (!existsSync(LSP_ENTRY)) throw new Error(`the language server is not built: ${LSP_ENTRY} is missing after tsc`);
}

/** A scratch copy of examples/stuck-server: the editors edit it. */
export function scratchCrate(): string {
  const dir = mkdtempSync(join(tmpdir(), 'awaitlens-editor-'));
  const dest = join(dir, 'stuck-server');
  cpSync(CRATE, dest, { recursive: true, filter: (src) => !src.includes('/target') });
  return dest;
}

/** `src/FILE.rs:LINE rule` entries of the crate's expected.txt, grouped by file name. */
export function plantedBugs(): Map<string, string[]> {
  const byFile = new Map<string, string[]>();
  for (const l of readFileSync(join(CRATE, 'expected.txt'), 'utf8').split('\n')) {
    const m = /^src\/([\w.]+):(\d+) ([a-z-]+)$/.exec(l.trim());
    if (!m) continue;
    const list = byFile.get(m[1]!) ?? [];
    list.push(`${m[2]} ${m[3]}`);
    byFile.set(m[1]!, list);
  }
  return byFile;
}

export interface EditorRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/**
 * Runs an editor to completion, killing its whole process group (the editor and the server it
 * started) if it outlives `timeoutMs`. The scripts bound each of their own waits well below this.
 */
export function runEditor(bin: string, args: string[], env: Record<string, string>, timeoutMs: number, cwd: string): Promise<EditorRun> {
  return new Promise((done) => {
    const child = spawn(bin, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stdout, stderr, timedOut });
    });
  });
}

/** The JSON report an editor script wrote to `out`; without one, an error carrying the editor's stderr. */
export function readReport<T>(out: string, editor: string, run: EditorRun): T {
  try {
    return JSON.parse(readFileSync(out, 'utf8')) as T;
  } catch {
    throw new Error(`${editor} wrote no report (exit ${run.code}, timed out: ${run.timedOut})\n${run.stderr}`);
  }
}

/** Messages of the example crate's findings, word for word: what every editor must show. */
export const MSG = {
  selfHeld:
    '`rx.recv()` returns `None` only once every sender is dropped, but this fn still holds `tx` (created on line 27), so the loop never ends and the task hangs after the last message.',
  unawaited: '`tokio::time::sleep(..)` returns a future that is dropped here without being polled, so its work never runs; add `.await` or pass it to `tokio::spawn`.',
  unbuffered:
    '`tcp.write_all(..)` starts 4 writes in a row on the unbuffered `TcpStream` `tcp`, each a separate system call (and on a socket often a separate packet); wrap it in `tokio::io::BufWriter::new(..)` and flush once the message is complete.',
  select:
    '`rd.read_exact(..)` is dropped and re-created on every loop iteration when another branch wins first, and `read_exact` is not cancel-safe: bytes already read into the buffer are lost; create and pin the future before the loop.',
  blocking:
    'Inside an `async fn`, `std::thread::sleep(..)` puts the worker thread to sleep, so every other task on this runtime worker stalls until it returns (async alternative: tokio::time::sleep(..).await).',
};
