// A document follows its edits: the text, the line index (updated from the edit, not re-scanned)
// and the tree (edited and re-parsed incrementally) must equal those of the final text built
// from scratch, whatever the edits: inserts and deletes of newlines, CRLF, non-ASCII text,
// edits at the very start and end, several edits in one change.
import { describe, expect, it } from 'vitest';
import { parse } from '../../grammars/rust.js';
import { SourceDocument } from '../../server/analysis/document.js';
import { LineIndex } from '../../server/analysis/line-index.js';

const BASE = 'use std::sync::Mutex;\n\nasync fn a() {\n    let s = "héllo 🦀";\r\n    b().await;\n}\n\nfn b() {}\n';
const PIECES = ['', 'x', '\n', '\n\n', 'é', '🦀', '\r\n', 'fn c() {}\n', '{', '}', '    '];

/** A small deterministic generator, so a failure can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('SourceDocument', () => {
  it('keeps its line index and tree equal to a fresh one over random edits', () => {
    const next = rng(7);
    const doc = new SourceDocument(BASE, 1);
    void doc.tree;
    for (let step = 0; step < 400; step++) {
      const count = 1 + Math.floor(next() * 3);
      const changes = [];
      let text = doc.text;
      for (let c = 0; c < count; c++) {
        const lines = new LineIndex(text);
        // Positions between the halves of a surrogate pair or of a CRLF do not exist in LSP.
        const valid = (o: number) => (o > 0 && o < text.length && ((text[o - 1] === '\r' && text[o] === '\n') || /[\ud800-\udbff]/.test(text[o - 1]!)) ? o + 1 : o);
        const a = valid(Math.floor(next() * (text.length + 1)));
        const b = valid(Math.min(text.length, a + Math.floor(next() * 4)));
        const insert = PIECES[Math.floor(next() * PIECES.length)]!;
        const s = lines.pos(a);
        const e = lines.pos(b);
        changes.push({ range: { start: { line: s.line, character: s.character }, end: { line: e.line, character: e.character } }, text: insert });
        text = text.slice(0, a) + insert + text.slice(b);
      }
      doc.applyChanges(changes, doc.version + 1);
      expect(doc.text).toBe(text);
      expect([...doc.lines.lineStarts]).toEqual([...new LineIndex(text).lineStarts]);
      if (step % 20 === 0) expect(doc.tree.rootNode.toString()).toBe(parse(text).rootNode.toString());
    }
  });
});
