// awaitlens replaces the tree-sitter binding's node navigation (parent, children, fields,
// descendants) with versions that skip its per-node BigInt work and field-name lookups. The
// replacement must answer exactly as the binding does, node for node, on real code: non-ASCII
// text, macros, errors from broken input.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { navigationMismatch, navigationReplaced, parse, type SyntaxNode } from '../../grammars/rust.js';
import { EAGER_TYPES, mainNodes } from '../../server/analysis/syntax.js';
import { finish } from '../../server/analysis/steps.js';
import { discover } from '../../server/workspace/discover.js';
import { fromRoot } from '../../server/paths.js';

describe('fast node navigation', () => {
  it('is installed with this binding', () => {
    expect(navigationReplaced()).toBe(true);
  });

  it('answers as the binding does on every node of the example crates', () => {
    const files = discover([fromRoot('examples', 'stuck-server')]).files;
    expect(files.length).toBeGreaterThan(3);
    for (const path of files) expect([path, navigationMismatch(parse(readFileSync(path, 'utf8')))]).toEqual([path, undefined]);
  });

  it('answers as the binding does on broken and non-ASCII code', () => {
    const text = 'async fn é(ü: &str) { let x = 🦀; match y { Some(z) => z.await, _ => { } ; struct\n impl Future for S { fn poll(self: Pin<&mut Self>, cx: &mut Context<\'_>) -> Poll<()> { Poll::Pending } }\n';
    expect(navigationMismatch(parse(text))).toBeUndefined();
  });
});

describe('collecting a tree\'s nodes in steps', () => {
  const ids = (nodes: readonly SyntaxNode[]) => nodes.map((n) => `${n.type}@${n.startIndex}-${n.endIndex}`);
  it('finds, step by step, what one walk of the whole tree finds, in the same order', () => {
    const files = discover([fromRoot('examples'), fromRoot('rules', 'guard-across-await')]).files;
    let chunked = 0;
    for (const path of files) {
      const tree = parse(readFileSync(path, 'utf8'));
      const whole = ids(tree.rootNode.descendantsOfType([...EAGER_TYPES]));
      for (const perStep of [1, 2, 3, 7]) {
        const steps = mainNodes(tree, [...EAGER_TYPES], perStep);
        let n = 0;
        let r = steps.next();
        for (; !r.done; r = steps.next()) n++;
        if (n > 1) chunked++;
        expect([path, perStep, ids(r.value)]).toEqual([path, perStep, whole]);
      }
    }
    expect(chunked).toBeGreaterThan(10);
  });

  it('loses no node at a step boundary in broken code (zero-width nodes from error recovery)', () => {
    const text = readFileSync(fromRoot('examples', 'stuck-server', 'src', 'main.rs'), 'utf8');
    let broken = 0;
    // Cut the file anywhere, and drop a closing brace or parenthesis anywhere: error recovery
    // then inserts MISSING nodes, some of them at item edges.
    const variants: string[] = [];
    for (let k = 40; k < text.length; k += 53) variants.push(text.slice(0, k) + '\n' + text.slice(k).replace(/[)}]/, ''));
    for (const v of variants) {
      const tree = parse(v);
      if (tree.rootNode.hasError) broken++;
      const whole = ids(tree.rootNode.descendantsOfType([...EAGER_TYPES]));
      for (const perStep of [1, 2]) expect(ids(finish(mainNodes(tree, [...EAGER_TYPES], perStep)))).toEqual(whole);
    }
    expect(broken).toBeGreaterThan(variants.length / 2);
  });
});
