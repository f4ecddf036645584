import type { SyntaxNode } from '../../grammars/rust.js';
import { enclosingBody, isDiscarded, unwrapExpr } from '../../server/analysis/context.js';
import { macroName } from '../../server/analysis/macros.js';
import { defineRule, type RuleContext } from '../../server/analysis/rule.js';
import { someWithin, wordOffsets } from '../../server/analysis/mentions.js';

const SPAWN_FNS = new Set(['tokio::spawn', 'tokio::task::spawn', 'tokio::task::spawn_local']);
const RUNTIME_TYPES = new Set(['tokio::runtime::Handle', 'tokio::runtime::Runtime', 'tokio::task::LocalSet']);
const PANIC_MACROS = new Set(['panic', 'unreachable', 'todo', 'unimplemented', 'assert', 'assert_eq', 'assert_ne']);
/** Guard acquisitions whose `unwrap` only fails on a poisoned lock — after another panic already happened. */
/** A `use` that could bind a spawn fn to another name (`use tokio::spawn as go;`). */
const RENAMED_SPAWN = /spawn\w*\s+as\b/;
/** Text a call of `unwrap` / `expect`, a panicking macro or an index expression must contain. */
const UNWRAP_TEXT = /unwrap|expect/;
const PANIC_TEXT = /panic|unreachable|todo|unimplemented|assert/;

const POISON_ONLY = new Set(['lock', 'read', 'write']);

export default defineRule({
  meta: {
    id: 'lost-panic',
    kind: 'static',
    category: 'suspicious',
    defaultSeverity: 'hint',
    fixable: false,
    summary: 'A spawned task that can panic has its JoinHandle dropped at once, so a panic is never observed.',
    docs: {
      whatItFinds:
        'A `tokio::spawn`, `tokio::task::spawn`/`spawn_local`, `Handle::spawn` or `task::Builder::..spawn` whose `JoinHandle` is thrown away on the spot (the spawn is an expression statement or `let _ = ..`), when the spawned `async` block itself can panic: `unwrap()`, `expect(..)`, `panic!`, `unreachable!`, `todo!`, `unimplemented!`, the `assert!` family, or indexing `v[i]` (not range slicing like `buf[..n]`). Only the block\'s own code counts, not nested closures or async blocks, and not `lock().unwrap()` (which panics only when another panic poisoned the lock).',
      whyBad:
        'tokio catches a panic inside a task and stores it in the task\'s `JoinHandle`; the default panic hook prints a message to stderr, and that is all. With the handle dropped, nothing in the program learns that the task died: the connection it served hangs, the messages it should have sent never arrive, the background job just stops — and the process keeps running as if everything were fine. In a service, the stderr line is easy to miss among logs and carries no context about which request it was.',
      example:
        'tokio::spawn(async move {\n    let msg = rx.recv().await.unwrap(); // panics when the sender is gone\n    store.save(msg).await.expect("save failed");\n});',
      useInstead:
        'let handle = tokio::spawn(async move {\n    let msg = rx.recv().await.context("sender gone")?;\n    store.save(msg).await?;\n    Ok::<_, anyhow::Error>(())\n});\n// Await it (or keep it in a JoinSet and drain that) so failures surface:\nmatch handle.await {\n    Ok(Ok(())) => {}\n    Ok(Err(e)) => tracing::error!("task failed: {e}"),\n    Err(panic) => tracing::error!("task panicked: {panic}"),\n}',
      notes:
        'Keep the handle and await it, put tasks in a `tokio::task::JoinSet` and drain it with `join_next()`, or handle every error inside the task and log it with context. A process-wide panic hook (or `RUSTFLAGS="--cfg tokio_unstable"` with `unhandled_panic = ShutdownRuntime`) is a blunter alternative. Tasks spawned by passing a fn call (`tokio::spawn(run(conn))`) are not inspected. The default severity is `hint`: well-written code — tests above all — often spawns short tasks whose `unwrap()` would be noticed another way (a channel closing, a test timing out).',
    },
  },
  nodeTypes: ['call_expression', 'macro_invocation', 'index_expression', 'async_block'],
  check(ctx) {
    // A spawn's callee or method is named in its call's text, unless a `use .. as` renames it.
    const { syntax } = ctx;
    const spawns = wordOffsets(ctx.syntax, /spawn/g);
    if (spawns.length === 0) return;
    const renamed = RENAMED_SPAWN.test(ctx.text);
    for (const call of syntax.nodes('call_expression')) {
      if (!renamed && !someWithin(spawns, syntax.start(call), syntax.end(call))) continue;
      if (!isSpawn(ctx, call)) continue;
      if (!isDiscarded(ctx.syntax, handleExpr(ctx, call))) continue;
      const arg = call.childForFieldName('arguments')?.namedChildren[0];
      if (!arg) continue;
      const block = unwrapExpr(arg);
      if (block.type !== 'async_block') continue;
      const panic = firstPanic(ctx, block);
      if (!panic) continue;
      // A method spawn (`Builder::new().name(..).spawn`) is marked on `spawn`, not on the whole chain.
      const fn = ctx.resolver.methodCall(call)?.nameNode ?? call.childForFieldName('function')!;
      const line = ctx.syntax.span(panic.node).start.line + 1;
      ctx.report({
        span: ctx.syntax.spanOf(ctx.syntax.start(fn), ctx.syntax.end(fn)),
        message: `The \`JoinHandle\` of this spawned task is dropped at once, so if \`${panic.label}\` (line ${line}) panics the panic is only printed to stderr and the task's work silently stops; keep the handle (await it or use a \`JoinSet\`) or handle the error inside the task.`,
        related: [{ node: panic.node, message: 'this can panic inside the task' }],
      });
    }
  },
});

function isSpawn(ctx: RuleContext, call: SyntaxNode): boolean {
  const path = ctx.resolver.calleePath(call);
  if (path) return SPAWN_FNS.has(path);
  const m = ctx.resolver.methodCall(call);
  if (!m || (m.name !== 'spawn' && m.name !== 'spawn_local')) return false;
  const t = ctx.resolver.typeOf(m.receiver);
  if (t) return RUNTIME_TYPES.has(t);
  // `Handle::current().spawn(..)`, `task::Builder::new().name("x").spawn(..)`: the chain's root call.
  let r: SyntaxNode = m.receiver;
  for (;;) {
    if (r.type !== 'call_expression') return false;
    const p = ctx.resolver.calleePath(r);
    if (p) return p === 'tokio::runtime::Handle::current' || p === 'tokio::task::Builder::new';
    const inner = ctx.resolver.methodCall(r);
    if (!inner) return false;
    r = inner.receiver;
  }
}

/** The spawn call, or the `.unwrap()` / `?` around a `Builder` spawn's `io::Result`: what holds the handle. */
function handleExpr(ctx: RuleContext, call: SyntaxNode): SyntaxNode {
  let top = call;
  for (;;) {
    const p = ctx.syntax.parent(top);
    if (p?.type === 'try_expression') {
      top = p;
      continue;
    }
    if (p?.type === 'field_expression') {
      const outer = ctx.syntax.parent(p);
      const m = outer?.type === 'call_expression' ? ctx.resolver.methodCall(outer) : undefined;
      if (m && (m.name === 'unwrap' || m.name === 'expect') && ctx.syntax.same(m.receiver, top)) {
        top = outer!;
        continue;
      }
    }
    return top;
  }
}

function firstPanic(ctx: RuleContext, block: SyntaxNode): { node: SyntaxNode; label: string } | undefined {
  const { syntax } = ctx;
  const own = (n: SyntaxNode) => syntax.same(enclosingBody(syntax, n), block);
  const candidates: SyntaxNode[] = [];
  for (const call of syntax.within('call_expression', block)) {
    // The method name is in the call's text; most calls are ruled out without a native read.
    if (!UNWRAP_TEXT.test(syntax.textOf(call))) continue;
    const m = ctx.resolver.methodCall(call);
    if (!m || (m.name !== 'unwrap' && m.name !== 'expect') || !own(call)) continue;
    if (m.receiver.type === 'call_expression') {
      const inner = ctx.resolver.methodCall(m.receiver);
      const noArgs = (m.receiver.childForFieldName('arguments')?.namedChildren.length ?? 0) === 0;
      if (inner && POISON_ONLY.has(inner.name) && noArgs) continue;
    }
    candidates.push(call);
  }
  for (const mac of syntax.within('macro_invocation', block)) {
    if (!PANIC_TEXT.test(syntax.textOf(mac))) continue;
    const name = macroName(mac);
    if (PANIC_MACROS.has(name) && own(mac)) candidates.push(mac);
  }
  // Index expressions are not collected eagerly: a block without `[` has none to collect.
  if (syntax.textOf(block).includes('[')) {
    for (const ix of syntax.within('index_expression', block)) {
      const index = ix.namedChildren[1];
      // Slicing (`buf[..n]`, `buf[a..b]`) is nearly always bounded by a length just read: too noisy to report.
      if (!index || !own(ix) || index.type === 'range_expression') continue;
      candidates.push(ix);
    }
  }
  // Stable sort: among candidates starting together, calls before macros before index expressions.
  candidates.sort((a, b) => syntax.start(a) - syntax.start(b));
  const first = candidates[0];
  return first && { node: first, label: short(first.text) };
}



function short(text: string): string {
  const one = text.replace(/\s+/g, ' ');
  return one.length > 40 ? `${one.slice(0, 37)}...` : one;
}
