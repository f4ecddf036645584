import type { SyntaxNode } from '../../grammars/rust.js';
import { enclosingBody, enclosingLoop, LOOPS } from '../../server/analysis/context.js';
import { awaitedCall } from '../../server/analysis/facts.js';
import { lastSegment } from '../../server/analysis/knowledge.js';
import { defineRule, type RuleContext } from '../../server/analysis/rule.js';
import { someWithin, wordOffsets } from '../../server/analysis/mentions.js';

const RECEIVERS = new Set(['tokio::sync::mpsc::Receiver', 'tokio::sync::mpsc::UnboundedReceiver']);
const CHANNELS = new Set(['tokio::sync::mpsc::channel', 'tokio::sync::mpsc::unbounded_channel']);
/** Awaits that only hand work on or take a lock: not the slow per-message work this rule is about. */
const CHEAP_METHODS = new Set(['send', 'send_timeout', 'reserve', 'reserve_owned', 'recv', 'lock', 'read', 'write', 'acquire', 'acquire_owned', 'notified', 'changed', 'closed', 'yield_now']);
const SLOW_API = /^tokio::(io|net|fs|process|time)::/;
const ITERATOR_CLOSURE_METHODS = new Set(['map', 'for_each', 'flat_map', 'filter_map', 'then', 'try_for_each']);

export default defineRule({
  meta: {
    id: 'serial-receiver-loop',
    kind: 'static',
    category: 'performance',
    defaultSeverity: 'hint',
    fixable: false,
    summary: 'A channel with many senders is drained by one loop that awaits slow work per message, so every sender waits on the slowest message.',
    docs: {
      whatItFinds:
        'A receive loop over a tokio `mpsc` receiver — `while let Some(msg) = rx.recv().await { .. }`, a `loop` around `rx.recv().await`, or a `select!` branch on `rx.recv()` inside a loop — whose body awaits slow work before receiving the next message: a workspace async fn, I/O, a sleep or a timeout (handing the message on with `send`, or taking a lock, does not count). It fires only when the channel has many senders: the channel is created in the same fn, its sender is cloned inside a loop or an iterator closure there (one sender per connection, per task, per item), and the receiver loop runs in that fn, in a task spawned from it, or in a fn of the same file that the receiver is passed to.',
      whyBad:
        'All messages go through one task that handles them one at a time. While it awaits the work for one message, nothing is received: the channel fills up, and every sender — possibly thousands of tasks — waits in `send().await` (or, for an unbounded channel, memory grows without bound). Latency for every sender becomes the sum of the work queued before it, and one slow message (a slow peer, a long timeout) stalls the whole system. In tokio-console this shows as one busy receiver task and many idle sender tasks waiting on the channel.',
      example:
        'struct Request;\n\nasync fn process(request: Request) { /* a database write */ }\n\nlet (tx, mut rx) = mpsc::channel(100);\ntokio::spawn(async move {\n    while let Some(request) = rx.recv().await {\n        process(request).await; // one at a time\n    }\n});\nfor _ in 0..1000 {\n    let tx = tx.clone();\n    tokio::spawn(async move { tx.send(Request).await });\n}',
      useInstead:
        'tokio::spawn(async move {\n    while let Some(request) = rx.recv().await {\n        tokio::spawn(process(request)); // or a JoinSet / worker pool\n    }\n});\n\n// Or, bounded concurrency with futures::StreamExt:\nReceiverStream::new(rx)\n    .for_each_concurrent(16, |request| process(request))\n    .await;',
      notes:
        'When messages must be handled in order, keep the loop but make the work itself fast (batch it, or move the slow part behind another channel). Not caught: channels kept in struct fields or returned from a constructor, receivers passed to fns in other files, senders cloned in other fns (an accept loop that receives `tx` as a parameter), a fixed number of senders cloned without a loop, and stream-based loops (`rx.next()`, broadcast and watch channels).',
    },
  },
  nodeTypes: ['call_expression', 'await_expression', 'let_declaration'],
  check(ctx) {
    const { syntax } = ctx;
    // The method name is part of its call's text: other calls are ruled out without a native read.
    const recvs = wordOffsets(ctx.syntax, /recv/g);
    if (recvs.length === 0) return;
    for (const call of syntax.nodes('call_expression')) {
      if (!someWithin(recvs, syntax.start(call), syntax.end(call))) continue;
      const m = ctx.resolver.methodCall(call);
      if (!m || m.name !== 'recv' || m.receiver.type !== 'identifier') continue;
      const rt = ctx.resolver.typeOf(m.receiver);
      if (!rt || !RECEIVERS.has(rt)) continue;
      const region = loopRegion(ctx, call);
      if (!region) continue;
      const slow = slowAwait(ctx, call, region);
      if (!slow) continue;
      const clone = manySenders(ctx, m.receiver);
      if (!clone) continue;
      const cloneLine = ctx.syntax.span(clone.clone).start.line + 1;
      ctx.report({
        node: call,
        message: `\`${call.text}\` feeds a loop that awaits \`${slow.text}\` for each message before receiving the next, while \`${clone.sender}\` is cloned for many senders (line ${cloneLine}): one slow message holds up every sender waiting on the channel; process messages concurrently (spawn per message, \`buffer_unordered\`, or a worker pool).`,
        related: [
          { node: slow.node, message: 'each message waits for this before the next one is received' },
          { node: clone.clone, message: `the sender is cloned here once per iteration` },
        ],
      });
    }
  },
});

/** `process(..)`, `self.handle(..)`: the callee as written, arguments elided. */
function callLabel(call: SyntaxNode): string {
  const fn = call.childForFieldName('function')?.text.replace(/\s+/g, '') ?? '';
  const args = call.childForFieldName('arguments')?.namedChildren.length ?? 0;
  return `${fn}(${args > 0 ? '..' : ''})`;
}

/** The code that runs for each received message: the loop body, or the handler of the `select!` branch. */
function loopRegion(ctx: RuleContext, recv: SyntaxNode): SyntaxNode | undefined {
  const link = ctx.syntax.pieceOf(recv);
  if (link?.piece.role === 'future') {
    const branch = ctx.syntax.expansion(link.macro)?.branches.find((b) => b.future === link.piece);
    if (!branch?.handler || !enclosingLoop(ctx.syntax, link.macro)) return undefined;
    return branch.handler.root;
  }
  const loop = enclosingLoop(ctx.syntax, recv);
  return loop?.childForFieldName('body') ?? undefined;
}

/** The first await in `region` (same body as `recv`) on slow work. */
function slowAwait(ctx: RuleContext, recv: SyntaxNode, region: SyntaxNode): { node: SyntaxNode; text: string } | undefined {
  const body = enclosingBody(ctx.syntax, recv);
  for (const aw of ctx.syntax.within('await_expression', region)) {
    if (!ctx.syntax.same(enclosingBody(ctx.syntax, aw), body)) continue;
    const call = awaitedCall(aw);
    if (!call || ctx.syntax.contains(call, recv)) continue;
    if (isSlow(ctx, call)) return { node: call, text: callLabel(call) };
  }
  return undefined;
}

function isSlow(ctx: RuleContext, call: SyntaxNode): boolean {
  const { resolver, index, knowledge } = ctx;
  const path = resolver.calleePath(call);
  if (path) {
    const api = knowledge.asyncFn(path);
    if (api) return SLOW_API.test(api.path);
    const segs = path.split('::');
    const name = segs[segs.length - 1]!;
    if (CHEAP_METHODS.has(name)) return false;
    let owner = segs.length > 1 ? segs[segs.length - 2]! : undefined;
    if (owner === 'Self') owner = lastSegment(resolver.implTypeOf(call) ?? '');
    const fns = index.fnsNamed(name).filter(({ fn }) => (owner && /^[A-Z]/.test(owner) ? fn.implType === owner : fn.implType === undefined));
    return fns.length > 0 && fns.every(({ fn }) => fn.future);
  }
  const m = resolver.methodCall(call);
  if (!m || CHEAP_METHODS.has(m.name)) return false;
  const recvType = resolver.typeOf(m.receiver);
  if (recvType) {
    const api = knowledge.asyncMethod(m.name, recvType);
    if (api) return SLOW_API.test(api.path);
    const own = index.fnsNamed(m.name).filter(({ fn }) => fn.implType === lastSegment(recvType));
    return own.length > 0 && own.every(({ fn }) => fn.future);
  }
  if (knowledge.asyncMethodsNamed(m.name).length > 0) return false;
  const named = index.fnsNamed(m.name).filter(({ fn }) => fn.isMethod);
  return named.length > 0 && named.every(({ fn }) => fn.future) && !index.hasSyncMethod(m.name);
}

/**
 * The `tx.clone()` (in a loop or iterator closure) of the channel `rx` comes from, when the channel
 * is created in the fn holding the loop — or in a same-file fn that passes `rx` to this one.
 */
function manySenders(ctx: RuleContext, rx: SyntaxNode): { sender: string; clone: SyntaxNode } | undefined {
  const b = ctx.resolver.binding(rx);
  if (!b) return undefined;
  if (b.decl.type === 'let_declaration') return clonedSender(ctx, b.decl, b.ident);
  if (b.decl.type !== 'parameter') return undefined;
  // A parameter: look for same-file calls of this fn that pass a channel's receiver.
  const fn = [...ctx.syntax.ancestors(b.decl)].find((a) => a.type === 'function_item');
  const name = fn?.childForFieldName('name')?.text;
  const params = fn?.childForFieldName('parameters')?.namedChildren.filter((p) => p.type === 'parameter');
  if (!fn || !name || !params) return undefined;
  const pos = params.findIndex((p) => ctx.syntax.same(p, b.decl));
  for (const call of ctx.syntax.fileNodes('call_expression')) {
    const callee = ctx.resolver.methodCall(call)?.name ?? lastSegment(ctx.resolver.calleePath(call) ?? '');
    if (callee !== name) continue;
    const arg = call.childForFieldName('arguments')?.namedChildren[pos];
    if (arg?.type !== 'identifier') continue;
    const ab = ctx.resolver.binding(arg);
    if (ab?.decl.type !== 'let_declaration') continue;
    const found = clonedSender(ctx, ab.decl, ab.ident);
    if (found) return found;
  }
  return undefined;
}

function clonedSender(ctx: RuleContext, decl: SyntaxNode, rxIdent: SyntaxNode): { sender: string; clone: SyntaxNode } | undefined {
  const pat = decl.childForFieldName('pattern');
  const value = decl.childForFieldName('value');
  if (pat?.type !== 'tuple_pattern' || !value) return undefined;
  const path = value.type === 'call_expression' ? ctx.resolver.calleePath(value) : undefined;
  if (!path || !CHANNELS.has(path)) return undefined;
  const elems = pat.namedChildren;
  if (elems.length !== 2 || !ctx.syntax.contains(elems[1]!, rxIdent)) return undefined;
  const txIdent = elems[0]!.type === 'identifier' ? elems[0]! : undefined;
  if (!txIdent) return undefined;
  const fn = [...ctx.syntax.ancestors(decl)].find((a) => a.type === 'function_item');
  if (!fn) return undefined;
  for (const call of ctx.syntax.within('call_expression', fn)) {
    const m = ctx.resolver.methodCall(call);
    if (!m || m.name !== 'clone' || m.receiver.type !== 'identifier' || m.receiver.text !== txIdent.text) continue;
    if (!ctx.syntax.same(ctx.resolver.binding(m.receiver)?.ident, txIdent)) continue;
    if (repeated(ctx, call, fn)) return { sender: txIdent.text, clone: call };
  }
  return undefined;
}

/** Whether `node` runs many times within `fn`: inside a loop, or a closure handed to an iterator adapter. */
function repeated(ctx: RuleContext, node: SyntaxNode, fn: SyntaxNode): boolean {
  for (const a of ctx.syntax.ancestors(node)) {
    if (ctx.syntax.same(a, fn)) return false;
    if (LOOPS.has(a.type)) return true;
    if (a.type === 'closure_expression') {
      const call = ctx.syntax.parent(ctx.syntax.parent(a) ?? a);
      const m = call?.type === 'call_expression' ? ctx.resolver.methodCall(call) : undefined;
      if (m && ITERATOR_CLOSURE_METHODS.has(m.name)) return true;
    }
    if (a.type === 'function_item') return false;
  }
  return false;
}
