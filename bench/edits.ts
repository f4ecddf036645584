// Keystroke scripts for the editor benchmarks: one character typed at the end of an identifier
// inside a fn body, then deleted again, so the text returns to the original after every pair
// and the same positions stay valid for the whole script. The bare incremental re-parse of the
// same script is the baseline the server's latency is divided by.
import { parse, type SyntaxNode } from '../grammars/rust.js';

export interface Keystroke {
  /** UTF-16 line/character range and replacement, as sent in `didChange`. */
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  text: string;
  /** UTF-16 offset of the range start in the text the change applies to. */
  offset: number;
}

interface Site {
  line: number;
  character: number;
  offset: number;
}

/** Identifier ends inside fn bodies, `count` of them spread evenly over the file. */
function editSites(text: string, count: number): Site[] {
  const all: Site[] = [];
  const tree = parse(text);
  const visit = (n: SyntaxNode, inBody: boolean): void => {
    if (inBody && n.type === 'identifier') all.push({ line: n.endPosition.row, character: n.endPosition.column, offset: n.endIndex });
    for (const c of n.namedChildren) visit(c, inBody || (n.type === 'function_item' && c.type === 'block'));
  };
  visit(tree.rootNode, false);
  if (all.length === 0) throw new Error('bench: no identifiers inside fn bodies to edit');
  const step = all.length / Math.min(count, all.length);
  return Array.from({ length: Math.min(count, all.length) }, (_, i) => all[Math.floor(i * step)]!);
}

/** `n` keystrokes alternating insert / delete over sites spread through the file. */
export function keystrokes(text: string, n: number): Keystroke[] {
  const sites = editSites(text, Math.ceil(n / 2));
  const out: Keystroke[] = [];
  for (let i = 0; i < n; i++) {
    const s = sites[Math.floor(i / 2) % sites.length]!;
    const at = { line: s.line, character: s.character };
    if (i % 2 === 0) out.push({ range: { start: at, end: at }, text: 'x', offset: s.offset });
    else out.push({ range: { start: at, end: { line: s.line, character: s.character + 1 } }, text: '', offset: s.offset });
  }
  return out;
}

/** Time of `tree.edit` + incremental `parse(text, oldTree)` for each keystroke, in ms. */
export function bareReparseTimes(original: string, script: readonly Keystroke[]): number[] {
  let text = original;
  let tree = parse(text);
  const times: number[] = [];
  for (const k of script) {
    const oldEnd = k.offset + (k.range.end.character - k.range.start.character);
    const t = performance.now();
    text = text.slice(0, k.offset) + k.text + text.slice(oldEnd);
    tree.edit({
      startIndex: k.offset,
      oldEndIndex: oldEnd,
      newEndIndex: k.offset + k.text.length,
      startPosition: { row: k.range.start.line, column: k.range.start.character },
      oldEndPosition: { row: k.range.end.line, column: k.range.end.character },
      newEndPosition: { row: k.range.start.line, column: k.range.start.character + k.text.length },
    });
    tree = parse(text, tree);
    times.push(performance.now() - t);
  }
  return times;
}
