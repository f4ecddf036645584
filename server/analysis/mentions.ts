// Cheap necessary conditions for rules: where a word occurs in a file's text, and whether a node's
// range holds one of those places. A rule about `remove(0)` or `accept()` skips a call (or a
// whole file) whose text cannot mention the method before it reads any field of the tree — each
// native read costs far more than a binary search over offsets the file gives once.
import type { SyntaxNode } from '../../grammars/rust.js';
import type { FileSyntax } from './syntax.js';

/** Offsets where `pattern` (global, never matching the empty string) matches in `text`, ascending. */
export function offsetsOf(text: string, pattern: RegExp): number[] {
  const out: number[] = [];
  // A plain word is found faster by `indexOf` than by running the regex engine.
  if (/^\w+$/.test(pattern.source) && !pattern.ignoreCase) {
    const word = pattern.source;
    for (let at = text.indexOf(word); at !== -1; at = text.indexOf(word, at + 1)) out.push(at);
    return out;
  }
  pattern.lastIndex = 0;
  // Overlapping matches too: every start of every alternative is kept.
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
    out.push(m.index);
    pattern.lastIndex = m.index + 1;
  }
  return out;
}

/**
 * Whether one of the ascending `offsets` lies in [start, end): a cheap necessary condition for a
 * node's text to contain a word, without slicing the text of every call (calls nest, so slices
 * add up to many times the file).
 */
export function someWithin(offsets: readonly number[], start: number, end: number): boolean {
  const i = firstAtOrAfter(offsets, start);
  return i < offsets.length && offsets[i]! < end;
}

/** The index of the first of the ascending `sorted` that is ≥ `x` (`sorted.length` if none). */
export function firstAtOrAfter(sorted: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Whether one of `names` occurs in the file's text within `node`'s range: a necessary condition
 * for an identifier of that name inside it (identifiers, in macro pieces too, are their file text
 * verbatim), checked before collecting the node's identifiers from the tree.
 */
export function textMentions(syntax: FileSyntax, node: SyntaxNode, names: Iterable<string>): boolean {
  return mentionsBetween(syntax.text, syntax.start(node), syntax.end(node), names);
}

/** Whether one of `names` occurs in `text` within [start, end). */
export function mentionsBetween(text: string, start: number, end: number, names: Iterable<string>): boolean {
  for (const name of names) {
    const i = text.indexOf(name, start);
    if (i !== -1 && i + name.length <= end) return true;
  }
  return false;
}

const cache = new WeakMap<FileSyntax, Map<RegExp, number[]>>();

/**
 * `offsetsOf` the file's text, remembered per file and pattern. A scoped analysis (the language
 * server's fast path) reports only on nodes inside its scope, so only the scope is searched: a
 * whole-file search per rule per keystroke would cost more than the rules themselves.
 */
export function wordOffsets(syntax: FileSyntax, pattern: RegExp): readonly number[] {
  let byPattern = cache.get(syntax);
  if (!byPattern) cache.set(syntax, (byPattern = new Map()));
  let out = byPattern.get(pattern);
  if (out) return out;
  if (!syntax.scope) out = offsetsOf(syntax.text, pattern);
  else {
    out = [];
    const ranges = syntax.scope.map((r): [number, number] => [syntax.start(r), syntax.end(r)]).sort((a, b) => a[0] - b[0]);
    let from = 0;
    for (const [a, b] of ranges) {
      pattern.lastIndex = Math.max(a, from);
      for (let m = pattern.exec(syntax.text); m && m.index < b; m = pattern.exec(syntax.text)) {
        out.push(m.index);
        pattern.lastIndex = m.index + 1;
      }
      from = Math.max(from, b);
    }
  }
  byPattern.set(pattern, out);
  return out;
}
