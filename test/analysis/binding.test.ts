// awaitlens replaces the tree-sitter binding's node navigation (parent, children, fields,
// descendants) with versions that skip its per-node BigInt work and field-name lookups. The
// replacement must answer exactly as the binding does, node for node, on real code: non-ASCII
// text, macros, errors from broken input.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { navigationMismatch, navigationReplaced, parse } from '../../grammars/rust.js';
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
