// A text document whose tree follows its edits: each change is applied to the text and to the
// tree (`tree.edit`), and the next parse reuses the edited tree, so a keystroke re-parses only
// what changed.
import { parse, type Tree } from '../../grammars/rust.js';
import { LineIndex } from './line-index.js';

export interface TextChange {
  /** UTF-16 line/character range; a change without a range replaces the whole text. */
  range?: { start: { line: number; character: number }; end: { line: number; character: number } };
  text: string;
}

function pointAfter(start: { row: number; column: number }, inserted: string): { row: number; column: number } {
  const lastNl = inserted.lastIndexOf('\n');
  if (lastNl === -1) return { row: start.row, column: start.column + inserted.length };
  let rows = 0;
  for (let i = inserted.indexOf('\n'); i !== -1; i = inserted.indexOf('\n', i + 1)) rows++;
  return { row: start.row + rows, column: inserted.length - lastNl - 1 };
}

export class SourceDocument {
  private _tree: Tree | undefined;
  private _lines: LineIndex | undefined;
  private edited = false;

  constructor(
    public text: string,
    public version = 0,
  ) {}

  get lines(): LineIndex {
    return (this._lines ??= new LineIndex(this.text));
  }

  /** The current tree, re-parsed incrementally when edits are pending. */
  get tree(): Tree {
    if (!this._tree) {
      this._tree = parse(this.text);
    } else if (this.edited) {
      this._tree = parse(this.text, this._tree);
    }
    this.edited = false;
    return this._tree;
  }

  applyChanges(changes: readonly TextChange[], version: number): void {
    for (const ch of changes) {
      if (!ch.range) {
        this.text = ch.text;
        this._tree = undefined;
        this._lines = undefined;
        continue;
      }
      const lines = this.lines;
      const startIndex = lines.offsetAt(ch.range.start.line, ch.range.start.character);
      const oldEndIndex = Math.max(startIndex, lines.offsetAt(ch.range.end.line, ch.range.end.character));
      const sp = lines.pos(startIndex);
      const ep = lines.pos(oldEndIndex);
      this.text = this.text.slice(0, startIndex) + ch.text + this.text.slice(oldEndIndex);
      this._lines = LineIndex.afterEdit(lines, this.text, startIndex, oldEndIndex, ch.text);
      if (this._tree) {
        const startPosition = { row: sp.line, column: sp.character };
        this._tree.edit({
          startIndex,
          oldEndIndex,
          newEndIndex: startIndex + ch.text.length,
          startPosition,
          oldEndPosition: { row: ep.line, column: ep.character },
          newEndPosition: pointAfter(startPosition, ch.text),
        });
        this.edited = true;
      }
    }
    this.version = version;
  }
}
