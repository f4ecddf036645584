// The fast path splits only the items around an edit and carries the other units over from the
// previous text (`resplitUnits`), and derives the file's index signature from the old one and the
// changed units' facts. Whatever it returns must be exactly the full split of the new
// tree: same boundaries, depths, header parts, groups and nodes. Checked on every example file
// with edits of every kind: inside a body, between items, across items, unbalanced braces,
// comments and attributes before items, at the very start and end.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, type Tree } from '../../grammars/rust.js';
import { resplitUnits, splitUnits, unitTexts, type UnitList } from '../../server/analysis/units.js';
import { checkChangedUnits, stateOf } from '../../server/analysis/incremental.js';
import { parseFile } from '../../server/analysis/engine.js';
import { defaultConfig } from '../../server/analysis/config.js';
import { Workspace } from '../../server/workspace/workspace.js';

function rustFiles(dir: string): string[] {
  const out: string[] = [];
  for (const n of readdirSync(dir).sort()) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) out.push(...rustFiles(p));
    else if (n.endsWith('.rs')) out.push(p);
  }
  return out;
}

const shape = (list: UnitList) =>
  Array.from({ length: list.length }, (_, i) => list.at(i)!).map((u) => ({
    start: u.start,
    end: u.end,
    depth: u.depth,
    part: u.header?.part,
    group: u.header && { ...u.header.group },
    body: u.header && [u.header.body.startIndex, u.header.body.endIndex, u.header.body.type],
    nodes: u.nodes.map((n) => [n.startIndex, n.endIndex, n.type]),
  }));

/** Applies one edit to the text and the tree, as the language server's document does. */
function edit(text: string, tree: Tree, start: number, end: number, insert: string): { text: string; tree: Tree } {
  const next = text.slice(0, start) + insert + text.slice(end);
  const point = (t: string, off: number) => {
    const before = t.slice(0, off);
    const row = before.split('\n').length - 1;
    return { row, column: off - (before.lastIndexOf('\n') + 1) };
  };
  tree.edit({
    startIndex: start,
    oldEndIndex: end,
    newEndIndex: start + insert.length,
    startPosition: point(text, start),
    oldEndPosition: point(text, end),
    newEndPosition: point(next, start + insert.length),
  });
  return { text: next, tree: parse(next, tree) };
}

const INSERTS = ['x', ' ', '\n', '}', '{', '// note\n', '#[test]\n', 'fn f() {}\n', '/*', '"', 'impl A { fn g(&self) {} }\n', ';'];

describe('resplitUnits', () => {
  const files = [...rustFiles('examples'), ...rustFiles('rules').filter((f) => !f.endsWith('.fixed.rs')).slice(0, 40)];
  it('gives the full split of the new tree, or nothing', () => {
    let carried = 0;
    let declined = 0;
    for (const file of files) {
      const original = readFileSync(file, 'utf8');
      const tree0 = parse(original);
      const units0 = splitUnits(tree0.rootNode, original.length);
      const texts0 = unitTexts(units0, original);
      // Edit points: item starts and ends, and inside items, spread over the file.
      const points = new Set<number>([0, original.length]);
      for (const u of units0) {
        points.add(u.start);
        points.add(Math.max(0, u.end - 1));
        points.add(Math.floor((u.start + u.end) / 2));
      }
      let k = 0;
      for (const at of [...points].sort((a, b) => a - b)) {
        const insert = INSERTS[k++ % INSERTS.length]!;
        const del = k % 3 === 0 ? Math.min(5, original.length - at) : 0;
        const { text, tree } = edit(original, parse(original), at, at + del, insert);
        const full = splitUnits(tree.rootNode, text.length);
        const got = resplitUnits(texts0, original, tree.rootNode, text);
        if (!got) {
          declined++;
          continue;
        }
        carried++;
        expect(shape(got.units), `${file} @${at} +${JSON.stringify(insert)} -${del}`).toEqual(shape(full));
        expect(got.texts.map((t) => [t.start, t.end, t.text, t.depth, t.part, t.group && { ...t.group }])).toEqual(
          unitTexts(full, text).map((t) => [t.start, t.end, t.text, t.depth, t.part, t.group && { ...t.group }]),
        );
      }
      void tree0;
    }
    // Most edits must be carried, or the fast path gains nothing.
    expect(carried).toBeGreaterThan(declined * 3);
  });
});

describe('fast-path index signature', () => {
  it('equals the signature of the whole file extracted again, after edits that change and keep it', () => {
    const files = rustFiles('examples').filter((f) => readFileSync(f, 'utf8').includes('async fn'));
    let changed = 0;
    let checked = 0;
    for (const file of files) {
      const original = readFileSync(file, 'utf8');
      const ws = new Workspace(defaultConfig());
      const { files: parsed, results } = ws.checkTexts([{ path: file, text: original }]);
      let state = stateOf(parsed[0]!, results.get(file)!.findings);
      let text = original;
      let tree = parsed[0]!.tree;
      // Rename the first awaited call (changes the signature), then type inside a string (does not).
      const at = text.indexOf('.await');
      const strAt = text.indexOf('"') + 1;
      for (const [pos, ins] of [[at, 'x'], [at, ''], [strAt, 'y']] as Array<[number, string]>) {
        if (pos <= 0) continue;
        const before = state.facts.signature;
        ({ text, tree } = edit(text, tree, pos, pos + (ins === '' ? 1 : 0), ins));
        const r = checkChangedUnits(state, { path: file, text, tree, index: ws.index, knowledge: ws.knowledge, rules: ws.rules, config: ws.config });
        if (!r) continue;
        const full = parseFile(file, text, ws.index, ws.knowledge);
        expect(r.facts.signature, `${file} @${pos}`).toBe(full.facts.signature);
        // The index, updated with only the changed units' fns and fields, holds what indexing the new text gives.
        const fresh = new Workspace(defaultConfig());
        fresh.checkTexts([{ path: file, text }]);
        const entries = (index: Workspace['index']) =>
          [...new Set(full.facts.fns.map((f) => f.name))].flatMap((n) => index.fnsNamed(n).map(({ fn }) => `${fn.implType}::${fn.name}:${fn.future}@${fn.nameSpan.start.offset}:${fn.nameSpan.start.line}`)).sort();
        expect(entries(ws.index)).toEqual(entries(fresh.index));
        for (const f of full.facts.fields) expect(ws.index.fieldFact(f.struct, f.field)?.span).toEqual(fresh.index.fieldFact(f.struct, f.field)?.span);
        checked++;
        if (r.facts.signature !== before) changed++;
        state = r.state;
      }
    }
    expect(checked).toBeGreaterThan(3);
    expect(changed).toBeGreaterThan(0);
  });
});
