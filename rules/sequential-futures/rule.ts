import type { SyntaxNode } from '../../grammars/rust.js';
import { codeBefore } from '../../server/analysis/context.js';
import { futureOf } from '../../server/analysis/futures.js';
import { macroName } from '../../server/analysis/macros.js';
import { textMentions } from '../../server/analysis/mentions.js';
import { NodeMap } from '../../server/analysis/node-map.js';
import { defineRule, type RuleContext } from '../../server/analysis/rule.js';

// An await under one of these runs only sometimes, or in another task or future: it says
// nothing about the order the block's own awaits happen in.
const CONDITIONAL = new Set([
  'if_expression', 'match_expression', 'loop_expression', 'while_expression', 'for_expression',
  'closure_expression', 'async_block', 'function_item',
]);
const COMBINATORS = new Set(['join', 'try_join', 'select', 'select_biased', 'try_select']);

interface Pending {
  name: string;
  /** Index of the statement creating the future. */
  created: number;
  call: SyntaxNode;
  what: string;
  /** The `name.await` expression, once seen. */
  await?: SyntaxNode;
  awaitStmt?: number;
  /** Used in some other way (moved, pinned, borrowed, shadowed): out of the rule's reach. */
  spoiled: boolean;
}

export default defineRule({
  meta: {
    id: 'sequential-futures',
    kind: 'static',
    category: 'suspicious',
    defaultSeverity: 'hint',
    fixable: true,
    summary: 'Futures created up front and then awaited one after another do not run concurrently.',
    docs: {
      whatItFinds:
        'Two or more futures stored in variables (`let a = fetch(x); let b = sleep(d);` — calls to workspace `async fn`s, fns returning `impl Future` or boxed futures, or known async APIs) that are then awaited one after the other in the same block (`a.await; b.await;` or `let x = a.await; let y = b.await;`), with nothing else touching the later futures in between.',
      whyBad:
        'Creating a future does not start it: the work only happens while the future is polled, and `.await` polls one future at a time. So `b` does not begin until `a` has completed, and the total time is the sum of both, not the longer of the two. Two sleeps of 100 ms and 150 ms created together and awaited in turn take 250 ms. Code written this way usually means to overlap the work, and the latency cost grows with every future in the chain.',
      example:
        'let fut1 = tokio::time::sleep(Duration::from_millis(100));\nlet fut2 = tokio::time::sleep(Duration::from_millis(150));\nfut1.await; // 100 ms\nfut2.await; // another 150 ms: 250 ms in total',
      useInstead:
        'let fut1 = tokio::time::sleep(Duration::from_millis(100));\nlet fut2 = tokio::time::sleep(Duration::from_millis(150));\ntokio::join!(fut1, fut2); // 150 ms',
      notes:
        'Futures passed to `join!`, `select!`, `FuturesUnordered`, `tokio::pin!` or any other code before their `.await` are left alone, as are futures created after the first `.await` (their creation may need its result) and awaits under `if`, `match`, loops, closures or async blocks. Lock, semaphore, `Notify` and `Barrier` futures (`m.lock()`, `sem.acquire()`, `notify.notified()`) are not reported: awaiting them together would hold the first guard or permit while the second waits, so the one-at-a-time order is deliberate. Only calls known to return a future count; `async { }` blocks and `tokio::spawn` handles (already running) do not. The fix rewrites consecutive `a.await;` / `let x = a.await;` statements into one `let (x, _) = tokio::join!(a, b);`; it is not offered when the awaits are separated by other statements, use `?`, or carry a type annotation. `join!` polls the futures in one task, so their side effects may now interleave: keep the awaits in order where that matters, and say so with `// awaitlens: allow(sequential-futures)`.',
    },
  },
  nodeTypes: ['block', 'let_declaration', 'expression_statement', 'await_expression', 'identifier', 'macro_invocation'],
  check(ctx) {
    // Every report is about `.await`s: a file or block without one has nothing to find, and
    // visiting each statement's identifiers is the rule's whole cost.
    // A report needs two futures, each from a `let` of the block and awaited in it.
    if (ctx.syntax.nodes('await_expression').length < 2) return;
    // Nested blocks share their lets: each is asked about once.
    const created = new NodeMap<Created | undefined>();
    const createdBy = (stmt: SyntaxNode): Created | undefined => {
      if (created.has(stmt)) return created.get(stmt);
      const c = futureLet(ctx, stmt);
      created.set(stmt, c);
      return c;
    };
    for (const block of ctx.syntax.nodes('block')) {
      if (ctx.syntax.within('await_expression', block).length < 2) continue;
      // The block's own future lets are among the lets inside it; fewer than two cannot make a run.
      let futures = 0;
      for (const decl of ctx.syntax.within('let_declaration', block)) if (createdBy(decl) && ++futures === 2) break;
      if (futures === 2) checkBlock(ctx, block, createdBy);
    }
  },
});

function statementsOf(block: SyntaxNode): SyntaxNode[] {
  return block.namedChildren.filter((c) => c.type !== 'line_comment' && c.type !== 'block_comment' && c.type !== 'label');
}

interface Created {
  name: string;
  call: SyntaxNode;
  what: string;
}

/** `let NAME = call(..);` with a plain identifier pattern, no type and no `else`. */
function futureLet(ctx: RuleContext, stmt: SyntaxNode): Created | undefined {
  if (stmt.type !== 'let_declaration' || !mayEndInCall(ctx, stmt)) return undefined;
  // Field reads are native: the rarest condition (a known future) is asked before `else`.
  const value = stmt.childForFieldName('value');
  if (value?.type !== 'call_expression') return undefined;
  const pat = stmt.childForFieldName('pattern');
  if (pat?.type !== 'identifier') return undefined;
  const what = futureOf(ctx, value);
  if (!what || stmt.childForFieldName('alternative')) return undefined;
  return !acquires(ctx, value) ? { name: pat.text, call: value, what } : undefined;
}

/**
 * Whether a `let`'s value may be a call, told from offsets: a call value ends right before the
 * closing `;`, so some call inside the declaration ends there. Fields are native reads; most lets
 * bind something else.
 */
function mayEndInCall(ctx: RuleContext, decl: SyntaxNode): boolean {
  const { syntax, text } = ctx;
  const end = syntax.end(decl);
  if (text[end - 1] !== ';') return true;
  const { at, ch } = codeBefore(text, end - 1);
  if (ch === '/') return true;
  for (const call of syntax.within('call_expression', decl)) if (syntax.end(call) === at) return true;
  return false;
}

/** Sync primitives whose futures are about order or about holding something, not about latency. */
const ORDERED = new Set(['tokio::sync::Semaphore', 'tokio::sync::Notify', 'tokio::sync::Barrier']);

/**
 * `m.lock()`, `sem.acquire()`, `notify.notified()`: awaited together, the first guard or permit
 * would be held while the second waits — on the same lock that never finishes — so the
 * one-at-a-time order is the point.
 */
function acquires(ctx: RuleContext, call: SyntaxNode): boolean {
  const m = ctx.resolver.methodCall(call);
  if (!m) return false;
  const t = ctx.resolver.typeOf(m.receiver);
  if (!t) return false;
  return ORDERED.has(t) || !!ctx.knowledge.lock(t)?.acquire.includes(m.name);
}

/** Whether an await inside `stmt` runs exactly once, in order, whenever `stmt` runs. */
function unconditional(ctx: RuleContext, node: SyntaxNode, stmt: SyntaxNode): boolean {
  if (ctx.syntax.same(node, stmt)) return true;
  for (const a of ctx.syntax.ancestors(node)) {
    if (ctx.syntax.same(a, stmt)) return true;
    if (CONDITIONAL.has(a.type)) return false;
    if (a.type === 'macro_invocation' && COMBINATORS.has(macroName(a))) return false;
  }
  return false;
}

function checkBlock(ctx: RuleContext, block: SyntaxNode, createdBy: (stmt: SyntaxNode) => Created | undefined): void {
  const stmts = statementsOf(block);
  const pending = new Map<string, Pending>();
  const all: Pending[] = [];
  stmts.forEach((stmt, i) => {
    // References to futures still waiting for their await: either the await itself, or a use
    // that takes the future out of this rule's reach.
    // The names a let binds shadow pending futures only after its initializer has run.
    const type = stmt.type;
    // With no future pending, no identifier of the statement can await or spoil one.
    const pat = pending.size > 0 && type === 'let_declaration' ? stmt.childForFieldName('pattern') : null;
    const bound = pat ? [pat, ...ctx.syntax.within('identifier', pat)].filter((n) => n.type === 'identifier') : [];
    for (const id of pending.size > 0 && textMentions(ctx.syntax, stmt, pending.keys()) ? ctx.syntax.within('identifier', stmt) : []) {
      if (pat && ctx.syntax.contains(pat, id)) continue;
      const p = pending.get(id.text);
      if (!p) continue;
      const parent = ctx.syntax.parent(id);
      if (parent?.type === 'await_expression' && unconditional(ctx, parent, stmt) && p.await === undefined) {
        p.await = parent;
        p.awaitStmt = i;
      } else {
        p.spoiled = true;
      }
      pending.delete(id.text);
    }
    for (const id of bound) {
      const p = pending.get(id.text);
      if (p) {
        p.spoiled = true;
        pending.delete(id.text);
      }
    }
    const created = type === 'let_declaration' ? createdBy(stmt) : undefined;
    if (created) {
      const p: Pending = { ...created, created: i, spoiled: false };
      pending.set(created.name, p);
      all.push(p);
    }
  });
  const awaited = all
    .filter((p) => !p.spoiled && p.await)
    .sort((a, b) => ctx.syntax.start(a.await!) - ctx.syntax.start(b.await!));
  let k = 0;
  while (k < awaited.length) {
    const first = awaited[k]!;
    const run = [first];
    for (let j = k + 1; j < awaited.length && awaited[j]!.created < first.awaitStmt!; j++) run.push(awaited[j]!);
    // A future made after the first await may need that await's result: it ends the run.
    if (run.length >= 2) report(ctx, stmts, run);
    k += run.length;
  }
}

function nameList(names: string[]): string {
  const q = names.map((n) => `\`${n}\``);
  return q.length === 2 ? `${q[0]} and ${q[1]}` : `${q.slice(0, -1).join(', ')} and ${q[q.length - 1]}`;
}

function report(ctx: RuleContext, stmts: SyntaxNode[], run: Pending[]): void {
  const names = run.map((p) => p.name);
  const join = `tokio::join!(${names.join(', ')})`;
  const message =
    run.length === 2
      ? `\`${names[0]}\` and \`${names[1]}\` are awaited one after the other, so \`${names[1]}\` (${run[1]!.what}) only starts once \`${names[0]}\` has finished instead of running alongside it; await both with \`${join}\`.`
      : `${nameList(names)} are awaited one after another, so each only starts once the one before it has finished instead of all running at once; await them together with \`${join}\`.`;
  const related = run.slice(1).map((p, i) => ({ node: p.await!, message: `\`${p.name}\` only starts here, after \`${run[i]!.name}\` has completed.` }));
  const fix = joinFix(ctx, stmts, run, join);
  ctx.report({ node: run[0]!.await!, message, related, fixes: fix ? [fix] : [] });
}

/** `a.await; let y = b.await;` → `let (_, y) = tokio::join!(a, b);`, when the awaits are whole, adjacent statements. */
function joinFix(ctx: RuleContext, stmts: SyntaxNode[], run: Pending[], join: string) {
  const pats: string[] = [];
  for (let i = 0; i < run.length; i++) {
    const p = run[i]!;
    if (p.awaitStmt !== run[0]!.awaitStmt! + i) return undefined;
    const stmt = stmts[p.awaitStmt!]!;
    if (stmt.type === 'expression_statement' && ctx.syntax.same(stmt.namedChildren[0], p.await)) {
      pats.push('_');
    } else if (
      stmt.type === 'let_declaration' &&
      ctx.syntax.same(stmt.childForFieldName('value'), p.await) &&
      !stmt.childForFieldName('type') &&
      !stmt.childForFieldName('alternative')
    ) {
      const pat = stmt.childForFieldName('pattern');
      const mut = stmt.namedChildren.some((c) => c.type === 'mutable_specifier');
      pats.push(pat ? `${mut ? 'mut ' : ''}${pat.text}` : '_');
    } else {
      return undefined;
    }
  }
  const first = stmts[run[0]!.awaitStmt!]!;
  const newText = pats.every((p) => p === '_') ? `${join};` : `let (${pats.join(', ')}) = ${join};`;
  // The first await becomes the join; the others go, but comments around them stay.
  const edits = [{ span: ctx.syntax.span(first), newText }];
  for (const p of run.slice(1)) edits.push({ span: wholeLines(ctx, stmts[p.awaitStmt!]!), newText: '' });
  return { title: `Await together with \`${join}\``, safe: false, edits };
}

/** The statement's span, widened to its whole lines when nothing else shares them. */
function wholeLines(ctx: RuleContext, stmt: SyntaxNode) {
  const text = ctx.text;
  const s = ctx.syntax.start(stmt);
  const e = ctx.syntax.end(stmt);
  let ls = s;
  while (ls > 0 && (text[ls - 1] === ' ' || text[ls - 1] === '\t')) ls--;
  let le = e;
  while (le < text.length && (text[le] === ' ' || text[le] === '\t' || text[le] === '\r')) le++;
  const alone = (ls === 0 || text[ls - 1] === '\n') && (le === text.length || text[le] === '\n');
  return alone ? ctx.syntax.spanOf(ls, Math.min(le + 1, text.length)) : ctx.syntax.span(stmt);
}
