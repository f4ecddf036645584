import type { SyntaxNode } from '../../grammars/rust.js';
import { asyncBodyOf, codeBefore, isDiscarded, mayBindUnderscore } from '../../server/analysis/context.js';
import { futureOf } from '../../server/analysis/futures.js';
import { NodeMap } from '../../server/analysis/node-map.js';
import { defineRule } from '../../server/analysis/rule.js';
import type { FileSyntax } from '../../server/analysis/syntax.js';

export default defineRule({
  meta: {
    id: 'unawaited-future',
    kind: 'static',
    category: 'correctness',
    defaultSeverity: 'warning',
    fixable: true,
    summary: 'A future is created and dropped without being awaited, so its work never happens.',
    docs: {
      whatItFinds:
        'A call that returns a future — a workspace `async fn`, a fn returning `impl Future` or a boxed future, or a known async API such as `tokio::time::sleep` or `AsyncReadExt::read` — used as a statement (`f();`) or bound to `_` (`let _ = f();`).',
      whyBad:
        'Futures are lazy: calling an async fn only builds a state machine. Dropping it unpolled cancels the work before it starts, so the read never reads, the message is never sent and the sleep never sleeps. The program keeps going as if the work had happened, which later looks like a hung task or lost data. rustc warns about some of these (`unused_must_use`), but the warning is easy to miss among others and does not fire for `let _ = ...`.',
      example: 'async fn flush(conn: &mut Conn) { /* ... */ }\n\nasync fn handle(conn: &mut Conn) {\n    flush(conn); // builds a future and drops it\n}',
      useInstead: 'async fn handle(conn: &mut Conn) {\n    flush(conn).await;\n}',
      notes:
        'The fix appends `.await` and is offered only inside an async context. To run the future in the background instead, pass it to `tokio::spawn`. Method calls are matched by receiver: `self` inside an impl, or a binding or field whose type awaitlens can see. A bare method name on an unknown receiver fires only when no non-async method of that name exists in the workspace.',
    },
  },
  nodeTypes: ['call_expression', 'expression_statement', 'let_declaration'],
  check(ctx) {
    for (const call of discardCandidates(ctx.syntax)) {
      if (!isDiscarded(ctx.syntax, call)) continue;
      const what = futureOf(ctx, call);
      if (!what) continue;
      const inAsync = asyncBodyOf(ctx.syntax, call) !== undefined;
      const end = ctx.syntax.end(call);
      ctx.report({
        node: call,
        message: `${what} returns a future that is dropped here without being polled, so its work never runs; add \`.await\`${inAsync ? '' : ' inside an async context'} or pass it to \`tokio::spawn\`.`,
        fixes: inAsync ? [{ title: 'Add `.await`', safe: true, edits: [{ span: ctx.syntax.spanOf(end, end), newText: '.await' }] }] : [],
      });
    }
  },
});

/**
 * The calls `isDiscarded` can accept, in source order: those starting where a statement starts,
 * and those right after the `=` (or a comment) of a `let _`. Statements and lets are far fewer
 * than calls, and asking `isDiscarded` of every call costs offsets and text scans for each.
 */
function discardCandidates(syntax: FileSyntax): SyntaxNode[] {
  const found: Array<{ node: SyntaxNode; start: number; end: number }> = [];
  const seen = new NodeMap<true>();
  const add = (node: SyntaxNode, start: number, end: number) => {
    if (seen.has(node)) return;
    seen.set(node, true);
    found.push({ node, start, end });
  };
  for (const stmt of syntax.nodes('expression_statement')) {
    const calls = syntax.startingAt('call_expression', stmt);
    if (calls.length === 0) continue;
    const start = syntax.start(stmt);
    for (const c of calls) add(c.node, start, c.end);
  }
  const text = syntax.text;
  for (const decl of syntax.nodes('let_declaration')) {
    if (!mayBindUnderscore(syntax, decl)) continue;
    for (const call of syntax.within('call_expression', decl)) {
      const start = syntax.start(call);
      const { ch } = codeBefore(text, start);
      if (ch === '=' || ch === '/') add(call, start, syntax.end(call));
    }
  }
  // The order `nodes('call_expression')` has: by start, outer before inner.
  found.sort((a, b) => a.start - b.start || b.end - a.end);
  return found.map((f) => f.node);
}
