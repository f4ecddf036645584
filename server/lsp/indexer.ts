// Background indexing of the workspace. Two passes, because a file's findings can depend on
// every other file's facts: pass 1 records facts, pass 2 checks each file against the complete
// index. Each file is read, parsed and dropped (only facts and findings stay), and the event
// loop gets a turn between files so requests for open documents are answered meanwhile. A newer
// run (re-index, config change) makes an older one stop at its next turn.
import { discover } from '../workspace/discover.js';
import { readSource } from '../workspace/read-source.js';
import type { Session } from './session.js';

export interface IndexSummary {
  files: number;
  skipped: Array<{ path: string; reason: string }>;
  /** False when a newer run or shutdown interrupted this one. */
  completed: boolean;
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

export class Indexer {
  private generation = 0;
  running = false;
  /** Files of the last completed run. */
  files: string[] = [];
  skipped: Array<{ path: string; reason: string }> = [];
  /** Resolves when the current run ends (tests and `awaitlens.status` wait on it). */
  idle: Promise<IndexSummary> = Promise.resolve({ files: 0, skipped: [], completed: true });

  constructor(private readonly session: Session) {}

  start(): Promise<IndexSummary> {
    this.idle = this.run(++this.generation);
    return this.idle;
  }

  stop(): void {
    this.generation++;
  }

  private async run(gen: number): Promise<IndexSummary> {
    const s = this.session;
    this.running = true;
    const found = discover(s.roots, s.host.config.exclude);
    const skipped: IndexSummary['skipped'] = found.problems.map((p) => ({ path: p.path, reason: p.message }));
    const files = found.files;
    const total = files.length;
    const progress = await s.out.progress('awaitlens', `Indexing 0/${total} files`);
    const step = (i: number) => total <= 100 || Math.floor((i * 100) / total) !== Math.floor(((i - 1) * 100) / total);
    const stale = () => gen !== this.generation || s.shuttingDown;
    const finish = (completed: boolean): IndexSummary => {
      progress.done();
      if (gen === this.generation) this.running = false;
      return { files: total, skipped, completed };
    };
    try {
      const readable = new Set<string>();
      for (let i = 0; i < total; i++) {
        const path = files[i]!;
        if (!s.docs.byFilePath(path)) {
          const read = readSource(path, s.host.config.maxFileBytes);
          if (read.ok) {
            s.host.indexClosed(path, read.text);
            readable.add(path);
          } else {
            skipped.push({ path, reason: read.reason });
            s.out.logOnce(`skip\0${path}\0${read.reason}`, `awaitlens: skipped ${path}: ${read.reason}`, 'warning');
            if (s.host.forget(path)) s.clear(path);
          }
        }
        if (step(i + 1)) progress.report(i + 1, 2 * total, `Indexing ${i + 1}/${total} files`);
        await turn();
        if (stale()) return finish(false);
      }
      // Files that were indexed before and are gone (deleted, now excluded) go away.
      const now = new Set(files);
      for (const p of s.host.paths()) {
        if (!now.has(p) && !s.docs.byFilePath(p)) {
          s.host.forget(p);
          s.clear(p);
        }
      }
      // The index is complete: open documents may now see facts they missed.
      s.recheckOpen();
      for (let i = 0; i < total; i++) {
        const path = files[i]!;
        if (readable.has(path) && !s.docs.byFilePath(path)) {
          const read = readSource(path, s.host.config.maxFileBytes);
          if (read.ok) {
            const outcome = s.host.checkClosed(path, read.text);
            s.logFailures(outcome.failures, path);
            s.publishPath(path);
          }
        }
        if (step(i + 1)) progress.report(total + i + 1, 2 * total, `Checking ${i + 1}/${total} files`);
        await turn();
        if (stale()) return finish(false);
      }
      this.files = files;
      this.skipped = skipped;
      if (!s.pushMode) s.out.refreshDiagnostics();
      return finish(true);
    } catch (e) {
      s.out.log(`awaitlens: indexing failed: ${(e as Error).message}`, 'error');
      return finish(false);
    }
  }
}
