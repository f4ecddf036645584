import type { SyntaxNode } from '../../grammars/rust.js';
import { BODY_BOUNDARIES, enclosingLoop } from '../../server/analysis/context.js';
import { lastSegment } from '../../server/analysis/knowledge.js';
import { boundNames } from '../../server/analysis/resolve.js';
import { defineRule, type RuleContext } from '../../server/analysis/rule.js';
import type { FileSyntax } from '../../server/analysis/syntax.js';
import { someWithin, textMentions, wordOffsets } from '../../server/analysis/mentions.js';

/** Calls that hand a connection to another task instead of serving it here. */
const SPAWNS = /(^|::)(spawn|spawn_local|spawn_blocking|spawn_on|spawn_local_on)$/;
/** Methods that pass a value on (to a channel, a queue, a set) rather than do I/O with it. */
const HAND_OFF_METHODS = new Set(['send', 'try_send', 'send_async', 'unbounded_send', 'blocking_send', 'push', 'push_back', 'insert', 'spawn', 'spawn_local', 'spawn_on']);
/** Macros that poll their arguments in place. */
const JOINING_MACROS = new Set(['join', 'try_join']);
/** Wrappers that only reshape the accepted value: `accept().await?`, `.unwrap()`. */
const UNWRAP_METHODS = new Set(['unwrap', 'expect', 'unwrap_or_else', 'map_err', 'context', 'with_context']);

export default defineRule({
  meta: {
    id: 'serial-accept-loop',
    kind: 'static',
    category: 'performance',
    defaultSeverity: 'warning',
    fixable: false,
    summary: 'An accept loop serves each connection inline, so one slow client blocks every other.',
    docs: {
      whatItFinds:
        'A loop that awaits `listener.accept()` (a tokio `TcpListener` or `UnixListener`, or a workspace type whose `accept` is async) and then, in the same loop body, awaits I/O on the accepted connection — a read or write on the stream, `framed.next()`, or a call that gets the stream (or something built from it), such as `handle(socket).await` or `process(&mut socket).await` — instead of handing it to `tokio::spawn`, `JoinSet::spawn`, `spawn_local` or a channel. `select!` branches and `join!` arguments are looked into.',
      whyBad:
        'The loop does not call `accept()` again until the inline await finishes. While one client is connected — or just slow, or idle, or still in its TLS handshake — new connections pile up in the kernel\'s backlog and every other client waits (and eventually times out), even though the runtime has idle threads. It looks like a server that "hangs under load" or "only serves one client at a time".',
      example:
        'async fn serve(listener: TcpListener) -> io::Result<()> {\n    loop {\n        let (mut socket, _) = listener.accept().await?;\n        let mut buf = vec![0; 4096];\n        let n = socket.read(&mut buf).await?; // every other client waits here\n        socket.write_all(&buf[..n]).await?;\n    }\n}',
      useInstead:
        'async fn serve(listener: TcpListener) -> io::Result<()> {\n    // Bound the number of connections served at once.\n    let limit = Arc::new(Semaphore::new(250));\n    loop {\n        let permit = limit.clone().acquire_owned().await.unwrap();\n        let (mut socket, _) = listener.accept().await?;\n        tokio::spawn(async move {\n            let mut buf = vec![0; 4096];\n            if let Ok(n) = socket.read(&mut buf).await {\n                let _ = socket.write_all(&buf[..n]).await;\n            }\n            drop(permit);\n        });\n    }\n}',
      notes:
        'Not reported when the connection is passed to a spawn (`tokio::spawn`, `tokio::task::spawn`, `spawn_local`, `JoinSet::spawn`, a `Builder`\'s `spawn`), pushed into a `FuturesUnordered` or a set, sent to workers over a channel, or passed to a fn defined in the same file whose body spawns or calls an executor\'s `execute` (a fn in another file is assumed to serve the connection inline); nor for `select!` loops whose accept branch does so. A TLS handshake awaited in the loop (`acceptor.accept(socket).await`) is reported: a client that never finishes its handshake blocks every other. A loop that deliberately serves one client at a time (an admin port, a test, a benchmark) can be silenced with `// awaitlens: allow(serial-accept-loop)`. There is no automatic fix: moving the body into a task changes what it may borrow.',
    },
  },
  nodeTypes: ['call_expression', 'await_expression', 'let_declaration', 'let_condition', 'match_expression', 'match_arm', 'identifier', 'macro_invocation'],
  check(ctx) {
    const { syntax } = ctx;
    // The method name is part of an accept call's text: other calls are ruled out without a native read.
    const accepts = wordOffsets(ctx.syntax, /accept/g);
    if (accepts.length === 0) return;
    for (const call of syntax.nodes('call_expression')) {
      if (!someWithin(accepts, syntax.start(call), syntax.end(call)) || !isAccept(ctx, call)) continue;
      const loop = enclosingLoop(ctx.syntax, call);
      if (!loop) continue;
      const names = acceptedNames(ctx, call, loop);
      if (names.size === 0) continue;
      const inline = firstInlineAwait(ctx, loop, call, names);
      if (!inline) continue;
      const line = ctx.syntax.span(inline.node).start.line + 1;
      ctx.report({
        node: call,
        message: `This loop awaits \`${shorten(inline.text)}\` on line ${line} before it calls \`${call.text}\` again, so while one client is slow or idle no other connection is accepted.`,
        related: [{ node: inline.node, message: `I/O on the accepted connection is awaited here, inside the accept loop` }],
      });
    }
  },
});



function shorten(text: string): string {
  const one = text.replace(/\s+/g, ' ');
  return one.length > 60 ? `${one.slice(0, 57)}...` : one;
}

/** `x.accept()` awaited (or polled by `select!`), on a listener type or a workspace type with an async `accept`. */
function isAccept(ctx: RuleContext, call: SyntaxNode): boolean {
  const { resolver, syntax } = ctx;
  const m = resolver.methodCall(call);
  if (!m || m.name !== 'accept') return false;
  if ((call.childForFieldName('arguments')?.namedChildren.length ?? 0) !== 0) return false;
  const p = syntax.parent(call);
  const polled = p?.type === 'await_expression' || syntax.pieceOf(call)?.piece.role === 'future';
  if (!polled) return false;
  const recv = resolver.typeOf(m.receiver);
  if (!recv) return true; // an awaited, argument-less `accept()` is a listener in practice
  if (ctx.knowledge.asyncMethod('accept', recv)) return true;
  return ctx.index.futureFns('accept', lastSegment(recv)).length > 0;
}

/**
 * Names in the loop that hold the accepted connection or something built from it: the first
 * element of the `(stream, addr)` tuple, the whole result when it is bound to one name, and
 * every `let` later in the loop whose value mentions one of those.
 */
function acceptedNames(ctx: RuleContext, call: SyntaxNode, loop: SyntaxNode): Set<string> {
  const { syntax } = ctx;
  const names = new Set<string>();
  // Step out of `.await`, `?`, `.unwrap()` and parentheses to where the value lands.
  let cur = call;
  for (;;) {
    const p = syntax.parent(cur);
    if (!p) break;
    if (p.type === 'await_expression' || p.type === 'try_expression' || p.type === 'parenthesized_expression') {
      cur = p;
      continue;
    }
    if (p.type === 'field_expression' && UNWRAP_METHODS.has(p.childForFieldName('field')?.text ?? '')) {
      const c = syntax.parent(p);
      if (c?.type === 'call_expression') {
        cur = c;
        continue;
      }
    }
    break;
  }
  const piece = syntax.pieceOf(call);
  if (piece?.piece.role === 'future' && syntax.same(piece.piece.root, cur)) {
    // `pattern = listener.accept() => handler`: the branch pattern binds the result.
    const exp = syntax.expansion(piece.macro);
    const branch = exp?.branches.find((b) => b.future && syntax.same(b.future.root, cur));
    if (branch?.pattern) addStreamNames(branch.pattern.root, names);
  } else {
    const p = syntax.parent(cur);
    if ((p?.type === 'let_declaration' || p?.type === 'let_condition') && syntax.same(p.childForFieldName('value'), cur)) {
      const pat = p.childForFieldName('pattern');
      if (pat) addStreamNames(pat, names);
    } else if (p?.type === 'match_expression' && syntax.same(p.childForFieldName('value'), cur)) {
      for (const arm of p.childForFieldName('body')?.namedChildren ?? []) {
        const pat = arm.type === 'match_arm' ? arm.childForFieldName('pattern') : null;
        if (pat) addStreamNames(pat, names);
      }
    }
  }
  // Lets after the accept that derive from a tainted name.
  const after = syntax.end(call);
  for (const decl of [...syntax.within('let_declaration', loop), ...syntax.within('let_condition', loop)].sort((a, b) => syntax.start(a) - syntax.start(b))) {
    if (syntax.start(decl) < after || !mentionsText(syntax.textOf(decl), names)) continue;
    const value = decl.childForFieldName('value');
    const pat = decl.childForFieldName('pattern');
    if (!value || !pat || !mentions(syntax, value, names)) continue;
    const bare = unwrapValue(value);
    if (bare.type === 'identifier' && names.has(bare.text)) addStreamNames(pat, names);
    else for (const n of boundNames(pat)) names.add(n.text);
  }
  return names;
}

function unwrapValue(v: SyntaxNode): SyntaxNode {
  let cur = v;
  for (;;) {
    if (cur.type === 'try_expression' || cur.type === 'await_expression' || cur.type === 'parenthesized_expression') {
      const inner = cur.namedChildren[0];
      if (!inner) return cur;
      cur = inner;
      continue;
    }
    if (cur.type === 'call_expression') {
      const fn = cur.childForFieldName('function');
      if (fn?.type === 'field_expression' && UNWRAP_METHODS.has(fn.childForFieldName('field')?.text ?? '')) {
        cur = fn.childForFieldName('value')!;
        continue;
      }
    }
    return cur;
  }
}

/** The names in an accept-result pattern that hold the stream: `(s, _)` → s, `Ok((s, _))` → s, `res` → res. */
function addStreamNames(pat: SyntaxNode, names: Set<string>): void {
  switch (pat.type) {
    case 'identifier':
      if (pat.text !== '_') names.add(pat.text);
      return;
    case 'mut_pattern':
    case 'match_pattern':
    case 'ref_pattern':
      for (const c of pat.namedChildren) addStreamNames(c, names);
      return;
    case 'tuple_pattern': {
      const first = pat.children.find((c) => c.type !== '(');
      if (first && first.type !== ',' && first.type !== ')') addStreamNames(first, names);
      return;
    }
    case 'tuple_struct_pattern': {
      // `Ok(x)` / `Some(x)`: the inner pattern; `Err(e)` binds no stream.
      const head = pat.childForFieldName('type')?.text;
      if (head === 'Err' || head === 'None') return;
      pat.namedChildren.slice(1).forEach((c) => addStreamNames(c, names));
      return;
    }
    default:
      return;
  }
}

function mentions(syntax: FileSyntax, node: SyntaxNode, names: Set<string>): boolean {
  if (node.type === 'identifier') return names.has(node.text);
  return textMentions(syntax, node, names) && syntax.within('identifier', node).some((id) => names.has(syntax.textOf(id)));
}

/** Whether some name occurs in `text`: an identifier that is one of them is part of its container's text. */
function mentionsText(text: string, names: Set<string>): boolean {
  for (const n of names) if (text.includes(n)) return true;
  return false;
}

/**
 * The first await in the loop's own body, after the accept, of something involving the
 * accepted connection — not handed to a spawn or a channel, and not inside a closure or async
 * block (which a spawn would run elsewhere).
 */
function firstInlineAwait(ctx: RuleContext, loop: SyntaxNode, accept: SyntaxNode, names: Set<string>): { node: SyntaxNode; text: string } | undefined {
  const { syntax } = ctx;
  const after = syntax.end(accept);
  const candidates: SyntaxNode[] = [];
  for (const aw of syntax.within('await_expression', loop)) if (syntax.start(aw) >= after) candidates.push(aw);
  for (const mac of syntax.within('macro_invocation', loop)) {
    const exp = syntax.expansion(mac);
    if (exp && JOINING_MACROS.has(exp.name) && syntax.start(mac) >= after) candidates.push(...exp.pieces.flatMap((p) => p.root.namedChildren));
  }
  candidates.sort((a, b) => syntax.start(a) - syntax.start(b));
  for (const c of candidates) {
    // Climbing to the loop is native work; an await whose text names no connection is skipped first.
    if (!mentionsText(syntax.textOf(c), names) || !inLoopBody(syntax, c, loop)) continue;
    const target = c.type === 'await_expression' ? c.namedChildren[0] : c;
    if (!target) continue;
    if (!involves(ctx, target, names)) continue;
    return { node: c, text: target.text };
  }
  return undefined;
}

/** Whether the awaited expression does I/O with the connection (and does not just pass it on). */
function involves(ctx: RuleContext, expr: SyntaxNode, names: Set<string>): boolean {
  const { syntax, resolver } = ctx;
  if (!textMentions(syntax, expr, names)) return false;
  const uses = (expr.type === 'identifier' ? [expr] : syntax.within('identifier', expr)).filter((id) => names.has(syntax.textOf(id)));
  return uses.some((id) => {
    if (syntax.same(id, expr)) return true;
    for (const a of syntax.ancestors(id)) {
      if (BODY_BOUNDARIES.has(a.type)) return false;
      if (a.type === 'call_expression') {
        const path = resolver.calleePath(a);
        if (path && SPAWNS.test(path)) return false;
        if (path && handsOffInside(ctx, path)) return false;
        const m = resolver.methodCall(a);
        if (m && HAND_OFF_METHODS.has(m.name) && !syntax.contains(m.receiver, id)) return false;
      }
      if (syntax.same(a, expr)) break;
    }
    return true;
  });
}

/** Whether `node` runs in the loop's own body: no fn, closure or async block between them. */
function inLoopBody(syntax: FileSyntax, node: SyntaxNode, loop: SyntaxNode): boolean {
  for (const a of syntax.ancestors(node)) {
    if (syntax.same(a, loop)) return true;
    if (BODY_BOUNDARIES.has(a.type)) {
      // `async { .. }.await` and `join!(async { .. })` still run inline.
      const p = syntax.parent(a);
      if (a.type === 'async_block' && (p?.type === 'await_expression' || p?.type === 'arguments' && JOINING_MACROS.has(syntax.expansion(syntax.parent(p)!)?.name ?? ''))) continue;
      return false;
    }
  }
  return false;
}

/**
 * Whether `path` names a fn of this file whose body spawns (or hands a future to an executor),
 * like a `handle_connection` that readies a service and then spawns the connection. Fns in
 * other files are not looked into.
 */
function handsOffInside(ctx: RuleContext, path: string): boolean {
  const { syntax, resolver } = ctx;
  const name = lastSegment(path);
  const fns = syntax.fileNodes('function_item').filter((f) => f.childForFieldName('name')?.text === name);
  if (fns.length === 0) return false;
  return fns.every((fn) => {
    const body = fn.childForFieldName('body');
    if (!body) return false;
    return syntax.within('call_expression', body).some((c) => {
      const p = resolver.calleePath(c);
      if (p && SPAWNS.test(p)) return true;
      const m = resolver.methodCall(c);
      return !!m && (m.name === 'spawn' || m.name === 'spawn_local' || m.name === 'execute');
    });
  });
}
