import type { SyntaxNode } from '../../grammars/rust.js';
import { BODY_BOUNDARIES, LOOPS, enclosingBody } from '../../server/analysis/context.js';
import { boundNames } from '../../server/analysis/resolve.js';
import { defineRule, type RuleContext } from '../../server/analysis/rule.js';
import type { FileSyntax } from '../../server/analysis/syntax.js';

/** Sender types whose receiver sees the end of the stream only when every sender is gone. */
const SENDERS = new Set([
  'tokio::sync::mpsc::Sender',
  'tokio::sync::mpsc::UnboundedSender',
  'tokio::sync::broadcast::Sender',
  'futures::channel::mpsc::Sender',
  'futures::channel::mpsc::UnboundedSender',
]);
/** Wrappers that turn a receiver into a `Stream` read with `.next()`. */
const RECEIVER_STREAMS = new Set(['ReceiverStream', 'UnboundedReceiverStream', 'BroadcastStream']);
const RECEIVE_METHODS = new Set(['recv', 'next']);
/** Macros whose arguments are only borrowed. */
const BORROWING_MACROS = new Set(['println', 'eprintln', 'print', 'eprint', 'format', 'write', 'writeln', 'assert', 'assert_eq', 'assert_ne', 'debug_assert', 'trace', 'debug', 'info', 'warn', 'error']);
/** Macros that poll their arguments in place, within the current task. */
const JOINING_MACROS = new Set(['join', 'try_join']);

interface Channel {
  decl: SyntaxNode;
  sender: SyntaxNode;
  /** Identifiers bound to the receiving end (the receiver, its stream wrappers, broadcast subscriptions). */
  receivers: SyntaxNode[];
  /** The fn, closure or async block that created the channel. */
  body: SyntaxNode;
  broadcast: boolean;
}

export default defineRule({
  meta: {
    id: 'self-held-sender',
    kind: 'static',
    category: 'correctness',
    defaultSeverity: 'warning',
    fixable: true,
    summary: 'A receive loop waits for the channel to close while the same fn still holds the original sender.',
    docs: {
      whatItFinds:
        'A loop that ends only when a channel closes — `while let Some(x) = rx.recv().await`, `while let Some(x) = rx.next().await` (a futures receiver or a `ReceiverStream`), `while let Ok(x) = rx.recv().await` (broadcast), or `loop { match rx.recv().await { .. None => break } }` — in the same fn that created the channel with `let (tx, rx) = mpsc::channel(n)` (tokio or futures `mpsc`, bounded or unbounded, or `broadcast`), while that fn still holds the original sender `tx`: it was not `drop`ped, not moved into a `move` closure or `async move` block, not passed by value to a call, not stored in a struct or another binding before the loop.',
      whyBad:
        '`recv()` returns `None` (and a broadcast receiver returns `Closed`) only once every sender has been dropped. Clones handed to spawned tasks are dropped when those tasks finish, but the original `tx` lives until the end of the fn, and the fn is waiting in the loop. So after the last message the loop waits forever: the task hangs, the results collected so far are never returned, and nothing reports an error. tokio-console shows such a task as idle forever.',
      example:
        'async fn square_all(inputs: Vec<u64>) -> Vec<u64> {\n    let (tx, mut rx) = mpsc::channel(16);\n    for n in inputs {\n        let tx = tx.clone();\n        tokio::spawn(async move {\n            let _ = tx.send(n * n).await;\n        });\n    }\n    let mut squares = Vec::new();\n    while let Some(sq) = rx.recv().await {\n        squares.push(sq);\n    }\n    squares // never reached\n}',
      useInstead:
        'async fn square_all(inputs: Vec<u64>) -> Vec<u64> {\n    let (tx, mut rx) = mpsc::channel(16);\n    for n in inputs {\n        let tx = tx.clone();\n        tokio::spawn(async move {\n            let _ = tx.send(n * n).await;\n        });\n    }\n    drop(tx); // only the tasks\' clones are left\n    let mut squares = Vec::new();\n    while let Some(sq) = rx.recv().await {\n        squares.push(sq);\n    }\n    squares\n}',
      notes:
        'The fix inserts `drop(tx);` before the loop; it is offered only when the loop runs in the fn\'s own body, not inside another loop, and `tx` is not used after that point. A loop with its own `break` or `return` (other than the one taken when the channel closes) is not reported, and neither is a loop inside a spawned task or a `move` block, which outlives the fn. Any use of `tx` before the loop other than a method call or a borrow (`&tx`) counts as moving it away. Channels stored in struct fields, senders kept alive by other bindings (`let keep = tx;`), `select!` loops and `std::sync::mpsc` are not checked.',
    },
  },
  nodeTypes: ['let_declaration', 'tuple_pattern', 'call_expression', 'await_expression', 'while_expression', 'loop_expression', 'match_expression', 'let_condition', 'identifier', 'async_block', 'closure_expression'],
  check(ctx) {
    for (const ch of channels(ctx)) checkChannel(ctx, ch);
  },
});

const LET_TUPLE = /let\s*(?:mut\b\s*)?[(/]/y;

function channels(ctx: RuleContext): Channel[] {
  const { syntax, resolver } = ctx;
  const out: Channel[] = [];
  for (const decl of syntax.nodes('let_declaration')) {
    // Only a tuple pattern can name both ends, and it starts with `(` (or a comment before it):
    // the text rules out most lets without reading their fields from the tree.
    LET_TUPLE.lastIndex = syntax.start(decl);
    if (!LET_TUPLE.test(syntax.text)) continue;
    const pat = decl.childForFieldName('pattern');
    const value = decl.childForFieldName('value');
    if (pat?.type !== 'tuple_pattern' || value?.type !== 'call_expression') continue;
    const path = resolver.calleePath(value);
    const ret = path ? ctx.knowledge.returnType(path) : undefined;
    if (!ret?.startsWith('(')) continue;
    const types = ret.slice(1, -1).split(',').map((s) => s.trim());
    if (!SENDERS.has(types[0]!)) continue;
    const elems = tupleElems(pat);
    if (elems.length !== 2) continue;
    const sender = singleName(elems[0]!);
    if (!sender) continue;
    const body = enclosingBody(syntax, decl);
    if (!body) continue;
    const receivers: SyntaxNode[] = [];
    const rx = singleName(elems[1]!);
    if (rx) receivers.push(rx);
    out.push({ decl, sender, receivers, body, broadcast: types[0]!.includes('::broadcast::') });
  }
  if (out.length === 0) return out;
  // Second names for the receiving end: stream wrappers and broadcast subscriptions. A `let`
  // whose text names neither `subscribe` nor a wrapper (or a `use` alias of one) is neither.
  const secondName = secondNameText(ctx);
  for (const ch of out) {
    for (const decl of syntax.within('let_declaration', ch.body)) {
      if (syntax.start(decl) < syntax.end(ch.decl)) continue;
      if (!secondName.test(syntax.textOf(decl))) continue;
      const pat = decl.childForFieldName('pattern');
      const value = decl.childForFieldName('value');
      const name = pat && singleName(pat);
      if (!name || value?.type !== 'call_expression') continue;
      const m = resolver.methodCall(value);
      if (m?.name === 'subscribe' && m.receiver.type === 'identifier' && bindsTo(ctx, m.receiver, ch.sender)) {
        ch.receivers.push(name);
        continue;
      }
      const path = resolver.calleePath(value);
      const segs = path?.split('::') ?? [];
      if (segs.length >= 2 && segs[segs.length - 1] === 'new' && RECEIVER_STREAMS.has(segs[segs.length - 2]!)) {
        const arg = value.childForFieldName('arguments')?.namedChildren[0];
        if (arg?.type === 'identifier' && ch.receivers.some((r) => bindsTo(ctx, arg, r))) ch.receivers.push(name);
      }
    }
  }
  return out;
}

/** Words one of which the text of a `let` naming a second receiving end must hold. */
function secondNameText(ctx: RuleContext): RegExp {
  const words = ['subscribe', ...RECEIVER_STREAMS];
  // `use ..::ReceiverStream as Rs;` then `Rs::new(rx)` (or `use ..::ReceiverStream::new;`).
  for (const [alias, path] of ctx.resolver.uses.names) {
    if (path.split('::').some((seg) => RECEIVER_STREAMS.has(seg))) words.push(alias);
  }
  return new RegExp(words.map((w) => w.replace(/[^\w]/g, '\\$&')).join('|'));
}

function checkChannel(ctx: RuleContext, ch: Channel): void {
  const { syntax, resolver } = ctx;
  const senderName = ch.sender.text;
  // The sender's uses in the body: the same for every receive loop, and the body's identifiers
  // are many (the file's text is compared before the tree is asked).
  let senderUses: SyntaxNode[] | undefined;
  const usesOfSender = () =>
    (senderUses ??= syntax.identifiersNamed(ch.body, senderName).filter((id) => !isPatternName(syntax, id) && bindsTo(ctx, id, ch.sender)));
  // A receive on one of the receiving names starts with that name: the text rules out the body's
  // other calls without reading their callees from the tree.
  const names = ch.receivers.map((r) => r.text);
  const text = syntax.text;
  for (const call of syntax.within('call_expression', ch.body)) {
    const at = syntax.start(call);
    if (!names.some((n) => text.startsWith(n, at))) continue;
    const m = resolver.methodCall(call);
    if (!m || !RECEIVE_METHODS.has(m.name) || m.receiver.type !== 'identifier') continue;
    if (!ch.receivers.some((r) => bindsTo(ctx, m.receiver, r))) continue;
    const aw = syntax.parent(call);
    if (aw?.type !== 'await_expression') continue;
    const loop = closeOnlyLoop(syntax, aw);
    if (!loop) continue;
    const inline = runsInline(syntax, loop, ch.body);
    if (inline === undefined) continue;
    const loopStart = syntax.start(loop);
    const uses = usesOfSender();
    if (uses.some((id) => syntax.start(id) < loopStart && movesAway(syntax, id))) continue;
    const line = syntax.span(ch.sender).start.line + 1;
    const canFix = inline === 'own' && !uses.some((id) => syntax.start(id) >= loopStart) && !insideLoop(syntax, loop, ch.body);
    const stmt = statementOf(syntax, loop);
    ctx.report({
      node: call,
      message: `\`${call.text}\` returns ${ch.broadcast ? '`Err(RecvError::Closed)`' : '`None`'} only once every sender is dropped, but this fn still holds \`${senderName}\` (created on line ${line}), so the loop never ends and the task hangs after the last message.`,
      related: [{ node: ch.sender, message: `\`${senderName}\` is created here and is still alive when the loop waits for the channel to close` }],
      fixes: canFix && stmt ? [insertDrop(ctx, stmt, senderName)] : [],
    });
  }
}


/**
 * The loop that `aw` (an awaited receive) feeds, when the only way out of it is the channel
 * closing: a `while let` without `break`/`return`, or a `loop` whose every exit sits on the
 * path taken when the receive yields `None`/`Err`.
 */
function closeOnlyLoop(syntax: FileSyntax, aw: SyntaxNode): SyntaxNode | undefined {
  const p = syntax.parent(aw);
  if (p?.type === 'let_condition') {
    const loop = syntax.parent(p);
    if (loop?.type !== 'while_expression') return undefined;
    const pat = p.childForFieldName('pattern');
    if (!pat || !/^(Some|Ok)\s*\(/.test(pat.text)) return undefined;
    return exitsOf(syntax, loop).length === 0 ? loop : undefined;
  }
  // The value being matched or destructured directly inside a `loop`.
  let closePaths: SyntaxNode[] = [];
  let host: SyntaxNode | undefined;
  if (p?.type === 'match_expression' && syntax.same(p.childForFieldName('value'), aw)) {
    host = p;
    for (const arm of p.childForFieldName('body')?.namedChildren ?? []) {
      if (arm.type !== 'match_arm') continue;
      const pat = arm.childForFieldName('pattern')?.text.trim() ?? '';
      if (/^(None|Err\b.*|_)$/s.test(pat)) closePaths.push(arm);
    }
  } else if (p?.type === 'let_declaration' && syntax.same(p.childForFieldName('value'), aw)) {
    host = p;
    const alt = p.childForFieldName('alternative');
    if (alt) closePaths = [alt];
  } else {
    return undefined;
  }
  if (closePaths.length === 0) return undefined;
  const loop = loopOf(syntax, host);
  if (loop?.type !== 'loop_expression') return undefined;
  const exits = exitsOf(syntax, loop);
  if (exits.length === 0) return undefined;
  return exits.every((e) => closePaths.some((c) => syntax.contains(c, e))) ? loop : undefined;
}

/** The innermost loop whose body holds `node`, without crossing a fn, closure or async block. */
function loopOf(syntax: FileSyntax, node: SyntaxNode): SyntaxNode | undefined {
  for (const a of syntax.ancestors(node)) {
    if (LOOPS.has(a.type)) return a;
    if (BODY_BOUNDARIES.has(a.type)) return undefined;
  }
  return undefined;
}

/** `break`s and `return`s (and `?`-free exits) that leave `loop`. */
function exitsOf(syntax: FileSyntax, loop: SyntaxNode): SyntaxNode[] {
  const label = loop.namedChildren.find((c) => c.type === 'label')?.text;
  const body = loop.childForFieldName('body');
  if (!body) return [];
  const out: SyntaxNode[] = [];
  // `break` is collected per request (a walk of the body); no `break` in the text, none in the tree.
  const mayBreak = syntax.textOf(body).includes('break');
  for (const type of ['break_expression', 'return_expression']) {
    if (type === 'break_expression' && !mayBreak) continue;
    for (const e of syntax.within(type, body)) {
      let target: SyntaxNode | undefined;
      const eLabel = e.namedChildren.find((c) => c.type === 'label')?.text;
      let crossesBody = false;
      for (const a of syntax.ancestors(e)) {
        if (BODY_BOUNDARIES.has(a.type)) {
          crossesBody = true;
          break;
        }
        if (type === 'break_expression' && LOOPS.has(a.type)) {
          const aLabel = a.namedChildren.find((c) => c.type === 'label')?.text;
          if (eLabel === undefined || eLabel === aLabel) {
            target = a;
            break;
          }
        }
        if (syntax.same(a, loop)) break;
      }
      if (crossesBody) continue;
      if (type === 'return_expression' || (target && syntax.same(target, loop)) || (eLabel !== undefined && eLabel === label)) out.push(e);
    }
  }
  return out;
}

/**
 * Whether the loop runs while `body` (the channel's creator) is still on the stack: 'own' when
 * it is in that body itself, 'nested' when it sits in async blocks polled in place (`join!`
 * arguments, `async { .. }.await`), undefined when it runs elsewhere (a spawned task, a closure).
 */
function runsInline(syntax: FileSyntax, loop: SyntaxNode, body: SyntaxNode): 'own' | 'nested' | undefined {
  let nested = false;
  for (const a of syntax.ancestors(loop)) {
    if (syntax.same(a, body)) return nested ? 'nested' : 'own';
    if (a.type === 'closure_expression' || a.type === 'function_item') return undefined;
    // A statement-bodied macro (`stream! { .. }`) may run its body later, elsewhere.
    if (a.type === 'macro_invocation' && syntax.expansion(a)?.kind === 'statements') return undefined;
    if (a.type === 'async_block') {
      if (!polledInPlace(syntax, a)) return undefined;
      nested = true;
    }
  }
  return undefined;
}

function polledInPlace(syntax: FileSyntax, block: SyntaxNode): boolean {
  const p = syntax.parent(block);
  if (p?.type === 'await_expression') return true;
  if (p?.type === 'arguments') {
    const host = syntax.parent(p);
    if (host?.type === 'macro_invocation') return JOINING_MACROS.has(syntax.expansion(host)?.name ?? '');
  }
  return false;
}

function insideLoop(syntax: FileSyntax, loop: SyntaxNode, body: SyntaxNode): boolean {
  for (const a of syntax.ancestors(loop)) {
    if (syntax.same(a, body)) return false;
    if (LOOPS.has(a.type)) return true;
  }
  return false;
}

/**
 * Whether this use of the sender gives it away: anything but a method call on it, a field
 * read, a borrow or a formatting macro argument — and any use at all inside a `move` closure
 * or `async move` block, which captures it by value.
 */
function movesAway(syntax: FileSyntax, id: SyntaxNode): boolean {
  // The closures and async blocks around `id`, by file offsets while they tell, then by climbing.
  let cur: SyntaxNode = id;
  for (;;) {
    const a = syntax.enclosingOf(CAPTURING, cur);
    if (a === undefined) break;
    if (a === null) {
      for (const x of syntax.ancestors(cur)) if (CAPTURING.includes(x.type) && capturesByMove(x)) return true;
      break;
    }
    if (capturesByMove(a)) return true;
    cur = a;
  }
  const p = syntax.parent(id);
  if (!p) return true;
  if (p.type === 'field_expression' && syntax.same(p.childForFieldName('value'), id)) {
    // `tx.clone()`, `tx.send(..)`: borrowed. A consuming method would be `into_*`.
    const field = p.childForFieldName('field')?.text ?? '';
    return field.startsWith('into');
  }
  if (p.type === 'reference_expression') return false;
  if (p.type === 'arguments') {
    const host = syntax.parent(p);
    if (host?.type === 'macro_invocation') return !BORROWING_MACROS.has(syntax.expansion(host)?.name ?? '');
  }
  return true;
}

const CAPTURING = ['closure_expression', 'async_block'];

function capturesByMove(node: SyntaxNode): boolean {
  return node.children.some((c) => c.type === 'move');
}

/** Whether an identifier introduces a name (`let tx = ..`, a parameter) rather than using one. */
function isPatternName(syntax: FileSyntax, id: SyntaxNode): boolean {
  const p = syntax.parent(id);
  if (!p) return false;
  if (p.type.endsWith('_pattern') || p.type === 'closure_parameters') return true;
  const field = ['let_declaration', 'let_condition', 'for_expression', 'parameter'].includes(p.type) ? p.childForFieldName('pattern') : null;
  return syntax.same(field, id);
}

/** Whether identifier `use` refers to the binding introduced at `decl`. */
function bindsTo(ctx: RuleContext, use: SyntaxNode, decl: SyntaxNode): boolean {
  if (use.text !== decl.text) return false;
  const b = ctx.resolver.binding(use);
  return !!b && ctx.syntax.same(b.ident, decl);
}

/** Elements of a tuple pattern, `_` included. */
function tupleElems(pat: SyntaxNode): SyntaxNode[] {
  return pat.children.filter((c) => c.type !== '(' && c.type !== ')' && c.type !== ',');
}

/** The identifier a simple pattern (`x`, `mut x`) binds. */
function singleName(pat: SyntaxNode): SyntaxNode | undefined {
  if (pat.type === 'identifier') return pat;
  if (pat.type === 'mut_pattern') {
    const names = boundNames(pat);
    return names.length === 1 ? names[0] : undefined;
  }
  return undefined;
}

/** The statement (a direct child of a block) that holds `node`. */
function statementOf(syntax: FileSyntax, node: SyntaxNode): SyntaxNode | undefined {
  let cur = node;
  for (const a of syntax.ancestors(node)) {
    if (a.type === 'block') return cur;
    cur = a;
  }
  return undefined;
}

function insertDrop(ctx: RuleContext, stmt: SyntaxNode, name: string) {
  const start = ctx.syntax.start(stmt);
  const lineStart = ctx.text.lastIndexOf('\n', start - 1) + 1;
  const indent = /^[ \t]*/.exec(ctx.text.slice(lineStart, start))?.[0] ?? '';
  const onOwnLine = indent.length === start - lineStart;
  return {
    title: `Drop \`${name}\` before the receive loop`,
    safe: true,
    edits: [{ span: ctx.syntax.spanOf(start, start), newText: onOwnLine ? `drop(${name});\n${indent}` : `drop(${name}); ` }],
  };
}
