/**
 * Maps a location as the app's compiler recorded it to a file on this
 * machine. rustc records workspace-member paths relative to the crate root
 * (`src/main.rs`) and dependency paths absolute (cargo registry / git
 * checkouts), possibly rewritten by `--remap-path-prefix`.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join, normalize, relative, sep } from 'node:path';
import type { WireLocation } from './wire.js';

export interface PathRemap {
  from: string;
  to: string;
}

/** Parses `from=to` like rustc's --remap-path-prefix (the last `=` splits). */
export function parseRemap(rule: string): PathRemap {
  const i = rule.lastIndexOf('=');
  if (i <= 0) throw new Error(`remap rule must be FROM=TO, got "${rule}"`);
  return { from: rule.slice(0, i), to: rule.slice(i + 1) };
}

export type ResolvedLocation =
  | { kind: 'workspace'; path: string; crateRoot: string; line?: number; column?: number; wireFile: string }
  | { kind: 'external'; path: string; line?: number; column?: number; wireFile: string }
  | { kind: 'unresolved'; line?: number; column?: number; wireFile: string; reason: string };

export interface SourceMapperOptions {
  /** Folders holding a Cargo.toml, most specific first. */
  crateRoots: readonly string[];
  remaps?: readonly PathRemap[];
  fileExists?: (path: string) => boolean;
}

const DEPENDENCY_MARKERS = ['/.cargo/registry/', '/cargo/registry/', '/.cargo/git/checkouts/', '/rustlib/src/rust/'];

export function looksLikeDependency(path: string): boolean {
  const p = path.replace(/\\/g, '/');
  return DEPENDENCY_MARKERS.some((m) => p.includes(m));
}

export class SourceMapper {
  private readonly roots: string[];
  private readonly remaps: readonly PathRemap[];
  private readonly exists: (path: string) => boolean;
  private readonly cache = new Map<string, ResolvedLocation>();

  constructor(opts: SourceMapperOptions) {
    this.roots = opts.crateRoots.map((r) => normalize(r));
    this.remaps = opts.remaps ?? [];
    this.exists = opts.fileExists ?? existsSync;
  }

  /** Like rustc, the last rule whose prefix matches wins. */
  remap(file: string): string {
    for (let i = this.remaps.length - 1; i >= 0; i--) {
      const r = this.remaps[i]!;
      if (file.startsWith(r.from)) return r.to + file.slice(r.from.length);
    }
    return file;
  }

  resolve(loc: WireLocation): ResolvedLocation {
    const base = this.resolveFile(loc.file);
    const out = { ...base };
    if (loc.line !== undefined) out.line = loc.line;
    if (loc.column !== undefined) out.column = loc.column;
    return out;
  }

  private resolveFile(wireFile: string | undefined): ResolvedLocation {
    if (wireFile === undefined || wireFile === '') {
      return { kind: 'unresolved', wireFile: '', reason: 'no file in location' };
    }
    const hit = this.cache.get(wireFile);
    if (hit) return hit;
    const result = this.compute(wireFile);
    this.cache.set(wireFile, result);
    return result;
  }

  private compute(wireFile: string): ResolvedLocation {
    const file = this.remap(wireFile);
    if (isAbsolute(file)) {
      const path = normalize(file);
      const root = this.roots.find((r) => isInside(path, r));
      if (root && !looksLikeDependency(relative(root, path))) {
        return { kind: 'workspace', path, crateRoot: root, wireFile };
      }
      return { kind: 'external', path, wireFile };
    }
    if (looksLikeDependency('/' + file)) return { kind: 'external', path: file, wireFile };
    for (const root of this.roots) {
      const candidate = join(root, file);
      if (this.exists(candidate)) return { kind: 'workspace', path: candidate, crateRoot: root, wireFile };
    }
    return { kind: 'unresolved', wireFile, reason: `no crate root contains ${file}` };
  }
}

function isInside(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) && !rel.startsWith(`..${sep}`);
}
