// Cheap necessary conditions for rules: where a word occurs in a file's text, and whether a node's
// range holds one of those places. A rule about `remove(0)` or `accept()` skips a call (or a
// whole file) whose text cannot mention the method before it reads any field of the tree — each
// native read costs far more than a binary search over offsets the file gives once.

/** Offsets where `pattern` (global, never matching the empty string) matches in `text`, ascending. */
export function offsetsOf(text: string, pattern: RegExp): number[] {
  const out: number[] = [];
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
  let lo = 0;
  let hi = offsets.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (offsets[mid]! < start) lo = mid + 1;
    else hi = mid;
  }
  return lo < offsets.length && offsets[lo]! < end;
}
