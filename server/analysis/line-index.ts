// The one place where positions change units. Internally every offset is a JS string index
// (UTF-16 code units), which is what the tree-sitter node binding reports. LSP clients may
// negotiate UTF-8 or UTF-32 columns; the CLI, JSON and SARIF outputs use Unicode code points.
import type { Pos, Span } from './types.js';

export type ColumnUnit = 'utf-16' | 'utf-8' | 'utf-32';

export class LineIndex {
  /**
   * Offset of the first character of each line. A typed array: the language server builds one
   * per keystroke, and a growing array of boxed numbers was a sixth of a keystroke's garbage.
   */
  readonly lineStarts: Int32Array;

  constructor(
    readonly text: string,
    known?: Int32Array,
  ) {
    if (known) {
      this.lineStarts = known;
      return;
    }
    let n = 1;
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
    const starts = new Int32Array(n);
    n = 1;
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts[n++] = i + 1;
    this.lineStarts = starts;
  }

  /**
   * The lines of `text`, which is `prev`'s text with [start, oldEnd) replaced by `inserted`:
   * line starts before the change are kept, those after it move by the length change, and only
   * the inserted text is scanned (the language server's document does this on every keystroke).
   */
  static afterEdit(prev: LineIndex, text: string, start: number, oldEnd: number, inserted: string): LineIndex {
    const old = prev.lineStarts;
    const delta = inserted.length - (oldEnd - start);
    let before = 0;
    while (before < old.length && old[before]! <= start) before++;
    let after = before;
    while (after < old.length && old[after]! <= oldEnd) after++;
    let added = 0;
    for (let i = inserted.indexOf('\n'); i !== -1; i = inserted.indexOf('\n', i + 1)) added++;
    const starts = new Int32Array(before + added + old.length - after);
    starts.set(old.subarray(0, before));
    let n = before;
    for (let i = inserted.indexOf('\n'); i !== -1; i = inserted.indexOf('\n', i + 1)) starts[n++] = start + i + 1;
    for (let k = after; k < old.length; k++) starts[n++] = old[k]! + delta;
    return new LineIndex(text, starts);
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }

  /** The 0-based line holding `offset` (clamped to the text). */
  lineOf(offset: number): number {
    const starts = this.lineStarts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  pos(offset: number): Pos {
    const o = Math.max(0, Math.min(offset, this.text.length));
    const line = this.lineOf(o);
    return { offset: o, line, character: o - this.lineStarts[line]! };
  }

  span(start: number, end: number): Span {
    return { start: this.pos(start), end: this.pos(end) };
  }

  lineEnd(line: number): number {
    const next = this.lineStarts[line + 1];
    if (next === undefined) return this.text.length;
    return next > 0 && this.text[next - 2] === '\r' ? next - 2 : next - 1;
  }

  lineText(line: number): string {
    const start = this.lineStarts[line];
    if (start === undefined) return '';
    return this.text.slice(start, this.lineEnd(line));
  }

  /** Column of `offset` within its line, counted in `unit`. */
  column(offset: number, unit: ColumnUnit): number {
    const p = this.pos(offset);
    if (unit === 'utf-16') return p.character;
    const lineStart = this.lineStarts[p.line]!;
    return measure(this.text, lineStart, p.offset, unit);
  }

  /**
   * Offset of (line, column in `unit`), clamped the way LSP asks: a line past the end maps to the
   * end of the text, a column past the end of its line maps to the line's end, and a column in
   * the middle of a surrogate pair or a UTF-8 sequence maps to the start of that character.
   */
  offsetAt(line: number, column: number, unit: ColumnUnit = 'utf-16'): number {
    if (line < 0) return 0;
    if (line >= this.lineStarts.length) return this.text.length;
    const start = this.lineStarts[line]!;
    const end = this.lineEnd(line);
    if (column <= 0) return start;
    if (unit === 'utf-16') {
      let o = Math.min(start + column, end);
      if (o > start && o < end && isLowSurrogate(this.text.charCodeAt(o))) o -= 1;
      return o;
    }
    let used = 0;
    let o = start;
    while (o < end) {
      const cp = this.text.codePointAt(o)!;
      const width = unit === 'utf-8' ? utf8Width(cp) : 1;
      if (used + width > column) break;
      used += width;
      o += cp > 0xffff ? 2 : 1;
    }
    return o;
  }
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

function utf8Width(cp: number): number {
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

function measure(text: string, from: number, to: number, unit: ColumnUnit): number {
  let n = 0;
  for (let o = from; o < to; ) {
    const cp = text.codePointAt(o)!;
    n += unit === 'utf-8' ? utf8Width(cp) : 1;
    o += cp > 0xffff ? 2 : 1;
  }
  return n;
}
