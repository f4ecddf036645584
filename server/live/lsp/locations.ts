// Wire locations → workspace files and editor ranges.
//
// rustc records workspace paths relative to the crate root (`src/main.rs`), so the mapper is given
// every folder with a Cargo.toml under the workspace roots. Columns come from
// `std::panic::Location` (`#[track_caller]` spawns) or tracing's span location: 1-based and
// counted in Unicode scalar values (rustc's `CharPos`, like `column!()`), which is the LineIndex
// 'utf-32' unit.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { LineIndex } from '../../analysis/line-index.js';
import type { PlainRange } from '../../lsp/extensions.js';
import { SourceMapper, type PathRemap } from '../source-map.js';

const SKIP_DIRS = new Set(['target', 'node_modules', '.git']);

/** Folders holding a Cargo.toml under `roots` (bounded walk), most specific first. */
export function findCrateRoots(roots: readonly string[], maxDepth = 4, maxDirs = 2000): string[] {
  const found: string[] = [];
  let visited = 0;
  const walk = (dir: string, depth: number): void => {
    if (visited++ > maxDirs) return;
    if (existsSync(join(dir, 'Cargo.toml'))) found.push(dir);
    if (depth >= maxDepth) return;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) if (e.isDirectory() && !e.name.startsWith('.') && !SKIP_DIRS.has(e.name)) walk(join(dir, e.name), depth + 1);
  };
  for (const r of roots) walk(r, 0);
  // Workspace roots last: a member's own folder is the crate root of `src/…` paths inside it.
  const uniq = [...new Set([...found, ...roots])];
  return uniq.sort((a, b) => b.length - a.length);
}

export function makeMapper(roots: readonly string[], remaps: readonly PathRemap[]): SourceMapper {
  return new SourceMapper({ crateRoots: findCrateRoots(roots), remaps });
}

/** UTF-16 offset of a 1-based (line, column in scalar values) location, clamped to the line. */
export function locationOffset(lines: LineIndex, line1: number, col1: number | undefined): number | undefined {
  const line = line1 - 1;
  if (line < 0 || line >= lines.lineCount) return undefined;
  return lines.offsetAt(line, Math.max(0, (col1 ?? 1) - 1), 'utf-32');
}

/**
 * The range the location names: the callee path starting there (`spawn_named`, `tokio::spawn`,
 * `Mutex::new`) up to its `(`/`!`, else the rest of the line's expression up to `(`.
 */
export function calleeRange(lines: LineIndex, line1: number, col1: number | undefined): PlainRange | undefined {
  const start = locationOffset(lines, line1, col1);
  if (start === undefined) return undefined;
  const text = lines.text;
  const lineEnd = lines.lineEnd(line1 - 1);
  let end = start;
  while (end < lineEnd && /[\w:]/.test(text[end]!)) end++;
  if (end === start) end = Math.min(lineEnd, Math.max(start + 1, text.indexOf('(', start) === -1 ? lineEnd : text.indexOf('(', start)));
  const s = lines.pos(start);
  const e = lines.pos(end);
  return { start: { line: s.line, character: s.character }, end: { line: e.line, character: e.character } };
}

/** Line (0-based) of the `)` that closes the call starting at the location, for "near" lookups. */
export function callEndLine(lines: LineIndex, line1: number, col1: number | undefined): number | undefined {
  const start = locationOffset(lines, line1, col1);
  if (start === undefined) return undefined;
  const text = lines.text;
  const open = text.indexOf('(', start);
  if (open === -1) return line1 - 1;
  let depth = 0;
  // Strings and comments may hold parentheses; skipping them keeps long spawn bodies right.
  for (let i = open; i < text.length && i < open + 200_000; i++) {
    const c = text[i]!;
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return lines.lineOf(i);
  }
  return lines.lineCount - 1;
}
