// Finds the .rs files of a workspace: skips target/, hidden folders, node_modules and whatever
// the .gitignore files on the way say; notes crate roots (folders with a Cargo.toml).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { notRegular } from './read-source.js';

export interface Discovery {
  files: string[];
  crateRoots: string[];
  /** Roots or folders that could not be read, with the reason. */
  problems: Array<{ path: string; message: string }>;
}

const SKIP_DIRS = new Set(['target', 'node_modules']);

interface IgnoreLayer {
  dir: string;
  ig: Ignore;
}

export function discover(roots: readonly string[], exclude: readonly string[] = []): Discovery {
  const out: Discovery = { files: [], crateRoots: [], problems: [] };
  const seen = new Set<string>();
  for (const r of roots) {
    const root = resolve(r);
    let st;
    try {
      st = statSync(root);
    } catch (e) {
      out.problems.push({ path: r, message: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
      continue;
    }
    if (!st.isFile() && !st.isDirectory()) {
      out.problems.push({ path: r, message: notRegular(st) });
      continue;
    }
    if (st.isFile()) {
      if (!seen.has(root)) {
        seen.add(root);
        out.files.push(root);
      }
      continue;
    }
    const excl = ignore().add([...exclude]);
    walk(root, root, [{ dir: root, ig: excl }], out, seen);
  }
  out.files.sort();
  out.crateRoots.sort();
  return out;
}

function ignored(layers: IgnoreLayer[], path: string, isDir: boolean): boolean {
  for (const { dir, ig } of layers) {
    const rel = relative(dir, path).split(sep).join('/');
    if (!rel || rel.startsWith('..')) continue;
    if (ig.ignores(isDir ? `${rel}/` : rel)) return true;
  }
  return false;
}

function walk(root: string, dir: string, layers: IgnoreLayer[], out: Discovery, seen: Set<string>): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    out.problems.push({ path: dir, message: `cannot list: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
    return;
  }
  let here = layers;
  if (entries.some((e) => e.name === '.gitignore' && e.isFile())) {
    try {
      here = [...layers, { dir, ig: ignore().add(readFileSync(join(dir, '.gitignore'), 'utf8')) }];
    } catch {
      // An unreadable .gitignore only means nothing extra is ignored.
    }
  }
  if (entries.some((e) => e.name === 'Cargo.toml' && e.isFile())) out.crateRoots.push(dir);
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name.startsWith('.') || SKIP_DIRS.has(e.name) || ignored(here, p, true)) continue;
      walk(root, p, here, out, seen);
    } else if (e.isFile() && e.name.endsWith('.rs') && !ignored(here, p, false) && !seen.has(p)) {
      seen.add(p);
      out.files.push(p);
    } else if (e.name.endsWith('.rs') && (e.isFIFO() || e.isSocket() || e.isCharacterDevice() || e.isBlockDevice() || dangling(e.isSymbolicLink(), p)) && !ignored(here, p, false)) {
      // Named like a source file but not readable as one: say so rather than drop it silently.
      out.problems.push({ path: p, message: notRegular(e.isSymbolicLink() ? undefined : statSync(p, { throwIfNoEntry: false })) });
    }
  }
}

function dangling(isLink: boolean, path: string): boolean {
  return isLink && statSync(path, { throwIfNoEntry: false }) === undefined;
}
