import type { SyntaxNode } from '../../grammars/rust.js';
import { enclosingLoop, LOOPS, BODY_BOUNDARIES } from '../../server/analysis/context.js';
import { awaitedCall, knownAsyncCall, ownBody } from '../../server/analysis/facts.js';
import { lastSegment } from '../../server/analysis/knowledge.js';
import { defineRule, type RuleContext } from '../../server/analysis/rule.js';
import type { Span } from '../../server/analysis/types.js';

/** Futures that own the future passed to them: dropping the wrapper drops the inner one. */
const WRAPPERS: Record<string, number> = { 'tokio::time::timeout': 1, 'std::boxed::Box::pin': 0, 'Box::pin': 0, 'std::pin::pin': 0 };

/**
 * Documented as not cancel-safe only because the waiter gives up its place in a queue, and a
 * dropped `Notified` passes a `notify_one` permit it had received on to the next waiter: re-creating
 * it in a loop loses nothing a single waiter would notice.
 */
const QUEUE_PLACE_ONLY = new Set(['tokio::sync::Notify::notified']);

/** `futures` adapters that keep (and drop with them) the future they are called on. */
const ADAPTERS = new Set(['fuse', 'boxed', 'boxed_local']);

interface Unsafe {
  /** The API that is not cancel-safe, as the user knows it (`read_exact`). */
  api: string;
  why: string;
  /** Workspace fns between the branch's future and the API, outermost first. */
  through: string[];
  /** Where the API is awaited, when that is not the branch's future itself. */
  at?: { span: Span; file?: string };
}

export default defineRule({
  meta: {
    id: 'select-cancel-unsafe',
    kind: 'static',
    category: 'correctness',
    defaultSeverity: 'warning',
    fixable: false,
    summary: 'A `select!` branch in a loop re-creates a future that is not cancel-safe, so work in progress is lost whenever another branch wins.',
    docs: {
      whatItFinds:
        'Inside a loop, a `select!` branch whose future is built afresh on every iteration by a call that is not cancel-safe: a known API documented as not cancel-safe (`read_exact`, `read_to_end`, `read_line`, `write_all`, `tokio::sync::Mutex::lock`, `Semaphore::acquire`, `mpsc::Sender::send`, `SinkExt::send`, ...), or a workspace `async fn` (or an `async` block) that awaits one, directly or through other workspace async fns. The future may also be wrapped in `tokio::time::timeout` or `Box::pin`, or be a local `let` created inside the loop.',
      whyBad:
        'When another branch completes first, `select!` drops the losing futures. A future that is not cancel-safe loses whatever it had already done when dropped: the bytes `read_exact` had read into its buffer, the part of a line `read_line` had consumed, how much of a buffer `write_all` had written, a message `send` was holding, a place in a lock or semaphore queue. The next iteration starts the operation over on a stream that has already moved on, so the program silently drops data, corrupts a framed protocol or starves in a fair queue. It only happens when the other branch wins mid-operation, which makes it rare in tests and common under load.',
      example:
        'async fn next_frame(stream: &mut TcpStream) -> io::Result<[u8; 16]> {\n    let mut header = [0u8; 16];\n    stream.read_exact(&mut header).await?;\n    Ok(header)\n}\n\nloop {\n    tokio::select! {\n        frame = next_frame(&mut stream) => handle(frame?),\n        _ = ticker.tick() => send_heartbeat(),\n    }\n}',
      useInstead:
        '// Create the future once, pin it, and poll it by reference so a lost race resumes it.\nlet frame = next_frame(&mut stream);\ntokio::pin!(frame);\nloop {\n    tokio::select! {\n        res = &mut frame => {\n            handle(res?);\n            frame.set(next_frame(&mut stream));\n        }\n        _ = ticker.tick() => send_heartbeat(),\n    }\n}\n// Or read with a cancel-safe API (`read_buf` into a buffer that lives outside the loop).',
      notes:
        'A branch is skipped when its future is a variable created before the loop (`&mut fut` of a pinned future), when the call is cancel-safe or its safety is unknown, and when every other branch leaves the loop (`break`, `return`), since then nothing re-creates the future. Workspace fns are followed by name (and impl type when the receiver\'s type is known), so a fn that shares its name with an unsafe one elsewhere can be reported. See the tokio tutorial, "Resuming an async operation", and the "Cancel safety" section of each API\'s docs.',
    },
  },
  nodeTypes: ['macro_invocation', 'call_expression', 'async_block', 'reference_expression', 'let_declaration'],
  check(ctx) {
    const { syntax } = ctx;
    for (const macro of syntax.nodes('macro_invocation')) {
      const exp = syntax.expansion(macro);
      if (exp?.kind !== 'select') continue;
      const loop = enclosingLoop(syntax, macro);
      if (!loop) continue;
      // Each branch is asked about as one of the others of every branch: decided once.
      const leaves = new Map<number, boolean>();
      const leaving = (j: number): boolean => {
        let l = leaves.get(j);
        if (l === undefined) {
          const h = exp.branches[j]!.handler;
          leaves.set(j, (l = !!h && leavesLoop(ctx, h.root, loop)));
        }
        return l;
      };
      exp.branches.forEach((branch, i) => {
        const future = branch.future?.root;
        if (!future || branch.isFallback) return;
        // If every other branch leaves the loop, a lost race never re-creates this future.
        const others = exp.branches.map((b, j) => ({ b, j })).filter(({ b, j }) => j !== i && !b.isFallback);
        if (others.length > 0 && others.every(({ j }) => leaving(j))) return;
        const created = createdFuture(ctx, future, loop);
        if (!created) return;
        const found = unsafeIn(ctx, created);
        if (!found) return;
        const name = describe(created);
        const via = found.through.length > 1 ? ` (through ${found.through.slice(1).map((f) => `\`${f}\``).join(', ')})` : '';
        const what =
          found.at === undefined
            ? `and \`${found.api}\` is not cancel-safe: ${found.why}`
            : `and it awaits \`${found.api}\`${via}, which is not cancel-safe: ${found.why}`;
        ctx.report({
          node: future,
          message: `${name} is dropped and re-created on every loop iteration when another branch wins first, ${what}; create and pin the future before the loop.`,
          related: found.at ? [{ span: found.at.span, file: found.at.file, message: `\`${found.api}\` is awaited here` }] : [],
        });
      });
    }
  },
});

/**
 * The expression that builds the branch's future on each iteration, or undefined when the future
 * outlives the iteration (a variable created before the loop, polled by reference).
 */
function createdFuture(ctx: RuleContext, future: SyntaxNode, loop: SyntaxNode): SyntaxNode | undefined {
  let expr = future;
  while (expr.type === 'parenthesized_expression' && expr.namedChildren[0]) expr = expr.namedChildren[0];
  if (expr.type === 'reference_expression' || expr.type === 'identifier') {
    const ident = expr.type === 'identifier' ? expr : expr.namedChildren.find((c) => c.type !== 'mutable_specifier');
    if (ident?.type !== 'identifier') return undefined;
    const site = ctx.resolver.binding(ident);
    // Only a `let` inside the loop is re-run each iteration; anything older keeps its progress.
    if (!site || site.decl.type !== 'let_declaration' || !ctx.syntax.contains(loop, site.decl)) return undefined;
    const value = site.decl.childForFieldName('value');
    return value ? unwrapWrappers(ctx, value) : undefined;
  }
  return unwrapWrappers(ctx, expr);
}

function unwrapWrappers(ctx: RuleContext, expr: SyntaxNode): SyntaxNode {
  let e = expr;
  for (let depth = 0; depth < 4 && e.type === 'call_expression'; depth++) {
    const m = ctx.resolver.methodCall(e);
    if (m && ADAPTERS.has(m.name)) {
      e = m.receiver;
      continue;
    }
    const path = ctx.resolver.calleePath(e);
    const idx = path !== undefined ? WRAPPERS[path] : undefined;
    const arg = idx !== undefined ? e.childForFieldName('arguments')?.namedChildren.filter((c) => !c.type.endsWith('comment'))[idx] : undefined;
    if (!arg) break;
    e = arg;
  }
  return e;
}

/** What in `expr` (a call or an async block) is not cancel-safe. */
function unsafeIn(ctx: RuleContext, expr: SyntaxNode): Unsafe | undefined {
  if (expr.type === 'call_expression') return unsafeCall(ctx, expr, true);
  if (expr.type === 'async_block') {
    for (const aw of ctx.syntax.within('await_expression', expr)) {
      if (!ownBody(ctx.syntax, expr, aw)) continue;
      const call = awaitedCall(aw);
      if (!call) continue;
      const found = unsafeCall(ctx, call, false);
      if (found) return { ...found, through: ['async block', ...found.through], at: found.at ?? { span: ctx.syntax.span(call) } };
    }
  }
  return undefined;
}

function unsafeCall(ctx: RuleContext, call: SyntaxNode, isBranchFuture: boolean): Unsafe | undefined {
  const { resolver, index, knowledge } = ctx;
  const known = knownAsyncCall(resolver, knowledge, call);
  if (known) {
    if (QUEUE_PLACE_ONLY.has(known.api.path)) return undefined;
    return known.api.cancelSafe === false ? { api: known.name, why: known.api.why ?? 'its progress is lost', through: [] } : undefined;
  }
  const path = resolver.calleePath(call);
  let name: string;
  let implType: string | undefined;
  if (path) {
    const segs = path.split('::');
    name = segs[segs.length - 1]!;
    const owner = segs[segs.length - 2];
    // `a::b::read_header` names a free fn in a module; `Session::open` an associated fn.
    if (owner === 'Self') implType = lastSegment(resolver.implTypeOf(call) ?? '') || undefined;
    else if (owner && /^[A-Z]/.test(owner)) implType = owner;
  } else {
    const m = resolver.methodCall(call);
    if (!m) return undefined;
    name = m.name;
    const recv = resolver.typeOf(m.receiver);
    if (recv) implType = lastSegment(recv);
    else if (isBranchFuture && index.futureFns(name).length === 0) {
      // In a branch's future position the call must yield a future; with the receiver's type
      // unknown, a name whose every known async API is unsafe is still unsafe.
      const apis = knowledge.asyncMethodsNamed(name).filter((a) => !QUEUE_PLACE_ONLY.has(a.path));
      if (apis.length > 0 && apis.every((a) => a.cancelSafe === false)) {
        const whys = new Set(apis.map((a) => a.why));
        return { api: name, why: whys.size === 1 ? (apis[0]!.why ?? 'its progress is lost') : 'its progress is lost', through: [] };
      }
      return undefined;
    }
  }
  const chain = index.unsafeAwaitChain(name, implType);
  if (!chain || QUEUE_PLACE_ONLY.has(chain.call.unsafeApi?.path ?? '')) return undefined;
  return {
    api: chain.call.name,
    why: chain.call.unsafeApi?.why ?? 'its progress is lost',
    through: chain.fns.map((f) => f.name),
    at: { span: chain.call.span, file: chain.file === ctx.path ? undefined : chain.file },
  };
}

/** Whether a branch handler always leaves `loop` (return, break, or a block ending in one). */
function leavesLoop(ctx: RuleContext, handler: SyntaxNode, loop: SyntaxNode): boolean {
  let h = handler;
  while (h.type === 'block' || h.type === 'parenthesized_expression') {
    const last = lastStatement(h);
    if (!last) return false;
    h = last;
  }
  if (h.type === 'return_expression') return true;
  if (h.type === 'break_expression') {
    // An unlabelled `break` leaves the innermost loop, which is `loop` when none lies between.
    const label = h.namedChildren.find((c) => c.type === 'label');
    if (label) return true;
    for (const a of ctx.syntax.ancestors(h)) {
      if (ctx.syntax.same(a, loop)) return true;
      if (LOOPS.has(a.type) || BODY_BOUNDARIES.has(a.type)) return false;
    }
  }
  if (h.type === 'macro_invocation') {
    const n = h.childForFieldName('macro')?.text ?? '';
    return n === 'panic' || n === 'unreachable' || n === 'std::process::exit';
  }
  return false;
}

function lastStatement(block: SyntaxNode): SyntaxNode | undefined {
  const kids = block.namedChildren.filter((c) => c.type !== 'line_comment' && c.type !== 'block_comment');
  const last = kids[kids.length - 1];
  if (!last) return undefined;
  return last.type === 'expression_statement' ? last.namedChildren[0] : last;
}

/** `parse_frame(..)`, `reader.read_exact(..)`, or `this async block`. */
function describe(expr: SyntaxNode): string {
  if (expr.type === 'async_block') return 'This `async` block';
  const fn = expr.childForFieldName('function');
  const args = expr.childForFieldName('arguments');
  const argText = args && args.namedChildren.length > 0 ? '(..)' : '()';
  let callee = (fn?.text ?? expr.text).replace(/\s+/g, '');
  if (callee.length > 48 && fn?.type === 'field_expression') callee = `.${fn.childForFieldName('field')?.text ?? ''}`;
  return `\`${callee}${argText}\``;
}
