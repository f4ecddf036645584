// The one place where LSP positions meet analysis offsets. Analysis spans carry UTF-16 line and
// character (and the string offset); the client may have negotiated UTF-8 or UTF-32 columns, in
// which case the line's text is needed to convert, and `LineIndex` does the counting.
import type { Position, Range } from 'vscode-languageserver/node.js';
import type { ColumnUnit, LineIndex } from '../analysis/line-index.js';
import type { Pos, Span } from '../analysis/types.js';

export type PositionEncoding = ColumnUnit;

/** A UTF-16 line/character pair, as plain data from extensions or analysis. */
export interface LineCol {
  line: number;
  character: number;
}

/**
 * Pick the encoding from the client's `general.positionEncodings`: UTF-16 whenever offered
 * (every client must support it and it needs no conversion), else UTF-8, else UTF-32.
 */
export function negotiateEncoding(offered: readonly string[] | undefined): PositionEncoding {
  if (!offered || offered.length === 0 || offered.includes('utf-16')) return 'utf-16';
  if (offered.includes('utf-8')) return 'utf-8';
  if (offered.includes('utf-32')) return 'utf-32';
  return 'utf-16';
}

export class PositionCodec {
  constructor(readonly encoding: PositionEncoding) {}

  /** `lines` is only read when the encoding is not UTF-16. */
  position(pos: Pos, lines: LineIndex | undefined): Position {
    if (this.encoding === 'utf-16' || !lines) return { line: pos.line, character: pos.character };
    return { line: pos.line, character: lines.column(pos.offset, this.encoding) };
  }

  range(span: Span, lines: LineIndex | undefined): Range {
    return { start: this.position(span.start, lines), end: this.position(span.end, lines) };
  }

  /** A UTF-16 line/character (no offset known) in the negotiated encoding. */
  lineCol(lc: LineCol, lines: LineIndex | undefined): Position {
    if (this.encoding === 'utf-16' || !lines) return { line: lc.line, character: lc.character };
    const offset = lines.offsetAt(lc.line, lc.character, 'utf-16');
    return { line: lc.line, character: lines.column(offset, this.encoding) };
  }

  lineColRange(r: { start: LineCol; end: LineCol }, lines: LineIndex | undefined): Range {
    return { start: this.lineCol(r.start, lines), end: this.lineCol(r.end, lines) };
  }

  /** The string offset of a client position, clamped into the text. */
  offset(lines: LineIndex, p: Position): number {
    const line = Number.isFinite(p.line) ? Math.trunc(p.line) : 0;
    const character = Number.isFinite(p.character) ? Math.trunc(p.character) : 0;
    return lines.offsetAt(line, character, this.encoding);
  }

  /** A client range as UTF-16 line/character (what `SourceDocument.applyChanges` takes). */
  toUtf16Range(lines: LineIndex, r: Range): { start: LineCol; end: LineCol } {
    const s = lines.pos(this.offset(lines, r.start));
    const e = lines.pos(this.offset(lines, r.end));
    return { start: { line: s.line, character: s.character }, end: { line: e.line, character: e.character } };
  }
}
