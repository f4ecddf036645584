// A large synthetic workspace for benchmarks: the example crates' and rule fixtures' Rust files,
// copied many times with their identifiers renamed so no two files are textually equal.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { discover } from '../server/workspace/discover.js';
import { fromRoot } from '../server/paths.js';

export function seedFiles(): string[] {
  const found = discover([fromRoot('examples'), fromRoot('rules')]).files;
  return found.map((p) => readFileSync(p, 'utf8'));
}

/** Write `count` files (cycling through the seeds) under `dir`; returns the total bytes. */
export function generateWorkspace(dir: string, count: number): number {
  const seeds = seedFiles();
  rmSync(dir, { recursive: true, force: true });
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const sub = join(dir, `crate${Math.floor(i / 100)}`, 'src');
    mkdirSync(sub, { recursive: true });
    const text = seeds[i % seeds.length]!.replace(/\b(fn|struct|impl)\s+([A-Za-z_]\w*)/g, (_m, kw: string, name: string) => `${kw} ${name}_${i}`);
    writeFileSync(join(sub, `m${i}.rs`), text);
    bytes += Buffer.byteLength(text);
  }
  return bytes;
}

/** One large file of about `lines` lines (for editor latency benchmarks). */
export function largeFile(lines: number): string {
  const seeds = seedFiles();
  const out: string[] = [];
  let n = 0;
  for (let i = 0; out.length < lines; i++) {
    const text = seeds[i % seeds.length]!.replace(/\b(fn|struct|impl|enum|trait|mod)\s+([A-Za-z_]\w*)/g, (_m, kw: string, name: string) => `${kw} ${name}_${n++}`);
    // Only items: drop `use` lines after the first copy to keep the file valid-looking.
    out.push(...text.split('\n').filter((l) => i < seeds.length || !l.startsWith('use ')));
  }
  return out.slice(0, lines).join('\n') + '\n';
}
