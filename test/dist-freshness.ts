// Tests that run the compiled server rebuild dist/ only when a source is newer than the build.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newestTs(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestTs(p));
    else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/** Whether every built `entries` file exists and none is older than a .ts source of the server. */
export function distIsFresh(root: string, entries: readonly string[]): boolean {
  if (!entries.every((e) => existsSync(e))) return false;
  const built = Math.min(...entries.map((e) => statSync(e).mtimeMs));
  return ['server', 'rules', 'grammars'].every((d) => newestTs(join(root, d)) <= built);
}
