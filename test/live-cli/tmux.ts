// A command in a real terminal: a private tmux server (own socket, no user config) running one
// detached session, driven with send-keys and read with capture-pane. Waits are bounded polls.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TmuxProbe {
  /** Undefined when tmux can be used. */
  missing?: string;
  version?: string;
}

export function probeTmux(): TmuxProbe {
  const r = spawnSync('tmux', ['-V'], { encoding: 'utf8', timeout: 10_000 });
  if (r.error || r.status !== 0) return { missing: `\`tmux\` is not installed (${r.error?.message ?? `exit ${r.status}`})` };
  return { version: r.stdout.trim() };
}

let sessions = 0;

export class TmuxSession {
  readonly socket = `awaitlens-top-${process.pid}-${++sessions}`;
  private readonly dir = mkdtempSync(join(tmpdir(), 'awaitlens-tmux-'));
  private lastCapture = '';

  /**
   * Starts `script` (sh) in a new width × height session. The script keeps the pane open after
   * the command under test ends so its exit code and the restored screen can be read.
   */
  constructor(opts: { columns: number; rows: number; cwd: string; script: string }) {
    const file = join(this.dir, 'run.sh');
    writeFileSync(file, opts.script);
    this.tmux(['-f', '/dev/null', 'new-session', '-d', '-s', 'top', '-x', String(opts.columns), '-y', String(opts.rows), '-c', opts.cwd, `sh ${file}`]);
  }

  private tmux(args: string[]): string {
    const r = spawnSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8', timeout: 10_000 });
    if (r.error || r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.error?.message ?? r.stderr.trim()}`);
    return r.stdout;
  }

  /** The visible screen, one string per terminal row (trailing blanks trimmed by tmux). */
  capture(): string[] {
    const text = this.tmux(['capture-pane', '-p', '-t', 'top']);
    this.lastCapture = text;
    return text.replace(/\n$/, '').split('\n');
  }

  /** Keys by tmux name (`Enter`, `Escape`, `Space`, `q`). */
  keys(...keys: string[]): void {
    this.tmux(['send-keys', '-t', 'top', ...keys]);
  }

  /** Literal text, delivered to the program as one chunk of input where the pty allows. */
  type(text: string): void {
    this.tmux(['send-keys', '-t', 'top', '-l', text]);
  }

  /** A tmux format about the pane, e.g. `#{alternate_on}`. */
  display(format: string): string {
    return this.tmux(['display-message', '-p', '-t', 'top', format]).trim();
  }

  resize(columns: number, rows: number): void {
    this.tmux(['resize-window', '-t', 'top', '-x', String(columns), '-y', String(rows)]);
  }

  /** Polls the screen until `accept` returns a value (not undefined / false), or throws at the deadline. */
  async waitFor<T>(what: string, accept: (screen: string[]) => T | undefined | false, timeoutMs = 15_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = this.capture();
      const v = accept(screen);
      if (v !== undefined && v !== false) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the screen was:\n${this.lastCapture}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  close(): void {
    const socketPath = spawnSync('tmux', ['-L', this.socket, 'display-message', '-p', '#{socket_path}'], { encoding: 'utf8', timeout: 10_000 }).stdout?.trim();
    spawnSync('tmux', ['-L', this.socket, 'kill-server'], { timeout: 10_000 });
    // kill-server leaves the socket file behind
    if (socketPath) rmSync(socketPath, { force: true });
    rmSync(this.dir, { recursive: true, force: true });
  }
}
