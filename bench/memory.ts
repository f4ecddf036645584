// Memory measurement helpers. Memory numbers come from a fresh child process per scenario, so
// the static benchmark's heap (or another scenario's) is not in them; the child reports JSON.
import { execFile } from 'node:child_process';
import { fromRoot } from '../server/paths.js';

export interface MemSample {
  rss: number;
  heapUsed: number;
  external: number;
}

const turn = () => new Promise<void>((r) => setImmediate(r));

/**
 * Collect garbage until it settles: the tree-sitter binding frees a tree's native memory in a
 * finalizer, which runs after the collection that found the tree dead, so one gc is not enough.
 */
export async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    global.gc?.();
    await turn();
  }
}

export function sample(): MemSample {
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external };
}

export async function settledSample(): Promise<MemSample> {
  await settle();
  return sample();
}

/** Run `dist/bench/rss-child.js <scenario> ...args` and return the JSON it prints last. */
export function runChild<T>(scenario: string, args: string[] = [], timeoutMs = 240_000): Promise<T> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--expose-gc', fromRoot('dist', 'bench', 'rss-child.js'), scenario, ...args],
      { maxBuffer: 16 * 1024 * 1024, timeout: timeoutMs },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`bench child ${scenario} failed: ${err.message}\n${stderr}`));
        const last = stdout.trim().split('\n').pop() ?? '';
        try {
          resolve(JSON.parse(last) as T);
        } catch {
          reject(new Error(`bench child ${scenario} printed no result:\n${stdout}\n${stderr}`));
        }
      },
    );
  });
}
