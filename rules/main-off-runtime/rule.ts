import type { SyntaxNode } from '../../grammars/rust.js';
import { LOOPS, codeBefore } from '../../server/analysis/context.js';
import { ownBody } from '../../server/analysis/facts.js';
import { textMentions } from '../../server/analysis/mentions.js';
import { defineRule, type RuleContext } from '../../server/analysis/rule.js';

const SPAWN_FNS = new Set(['tokio::spawn', 'tokio::task::spawn']);
/** Receiver types whose `.spawn(fut)` starts a task on the runtime's workers. */
const SPAWNERS = new Set(['tokio::task::Builder', 'tokio::runtime::Handle', 'tokio::runtime::Runtime']);
const REPLY_RECEIVERS = new Set(['tokio::sync::oneshot::Receiver', 'tokio::sync::mpsc::Receiver', 'tokio::sync::mpsc::UnboundedReceiver', 'tokio::sync::broadcast::Receiver', 'tokio::sync::watch::Receiver']);
const RECV_METHODS = new Set(['recv', 'recv_many', 'changed']);
const CHANNELS = new Set(['tokio::sync::oneshot::channel', 'tokio::sync::mpsc::channel', 'tokio::sync::mpsc::unbounded_channel', 'tokio::sync::broadcast::channel', 'tokio::sync::watch::channel']);

export default defineRule({
  meta: {
    id: 'main-off-runtime',
    kind: 'static',
    category: 'performance',
    defaultSeverity: 'hint',
    fixable: false,
    summary: 'A loop in `#[tokio::main]` spawns tasks and waits for each one, paying a cross-thread wake-up every time.',
    docs: {
      whatItFinds:
        'In the body of a `#[tokio::main]` fn (multi-thread runtime), a `for`, `while` or `loop` that spawns a task (`tokio::spawn`, `tokio::task::spawn`, `Builder::spawn`, `Handle::spawn`) and, in the same iteration, awaits that task: its `JoinHandle`, or a oneshot or channel receiver whose sender was moved into the task.',
      whyBad:
        '`#[tokio::main]` runs the main future with `block_on` on the thread that started the program. That thread is not one of the runtime\'s workers: it parks on its own, and a task that completes on a worker has to wake it across threads (and the spawned task starts on a worker that must be woken in turn). A loop that spawns and then waits for each task pays two thread hand-offs per iteration instead of staying on one worker, so the loop runs many times slower than the same code inside a task.',
      example:
        '#[tokio::main]\nasync fn main() {\n    for _ in 0..10_000 {\n        let (tx, rx) = oneshot::channel();\n        tokio::spawn(async move { let _ = tx.send(()); });\n        let _ = rx.await;\n    }\n}',
      useInstead:
        '#[tokio::main]\nasync fn main() {\n    tokio::spawn(async move {\n        for _ in 0..10_000 {\n            let (tx, rx) = oneshot::channel();\n            tokio::spawn(async move { let _ = tx.send(()); });\n            let _ = rx.await;\n        }\n    })\n    .await\n    .unwrap();\n}',
      notes:
        'Only loops written directly in the `#[tokio::main]` body count: loops in fns it calls, and loops already inside a spawned async block, are not checked. `#[tokio::main(flavor = "current_thread")]` is left alone, because there the `block_on` thread is the runtime\'s only thread. Loops that only spawn and collect the handles for later are fine. A receiver counts as the task\'s reply when its sender (or a clone of it) is named in the spawned future.',
    },
  },
  nodeTypes: ['function_item', 'attribute_item', 'for_expression', 'while_expression', 'loop_expression', 'call_expression', 'await_expression', 'let_declaration'],
  check(ctx) {
    // `#[tokio::main]` (or a `use` renaming it) names `main` in the file.
    if (!ctx.text.includes('main')) return;
    for (const fn of ctx.syntax.nodes('function_item')) {
      if (!isMultiThreadMain(ctx, fn)) continue;
      const body = fn.childForFieldName('body');
      if (!body) continue;
      const name = fn.childForFieldName('name')?.text ?? 'main';
      for (const type of LOOPS) {
        for (const loop of ctx.syntax.within(type, body)) {
          if (!ownBody(ctx.syntax, fn, loop)) continue;
          const hit = spawnAndWait(ctx, fn, loop);
          if (!hit) continue;
          const keyword = loop.children.find((c) => c.type === 'for' || c.type === 'while' || c.type === 'loop') ?? loop;
          ctx.report({
            node: keyword,
            message: `This \`${keyword.text}\`${keyword.text === 'loop' ? '' : ' loop'} in \`#[tokio::main]\` fn \`${name}\` spawns a task and waits for ${hit.awaited} on every iteration, but \`${name}\` runs on the thread that called \`block_on\`, not on a runtime worker, so each round trip crosses threads; move the loop into \`tokio::spawn(async move { .. }).await\`.`,
            related: [
              { node: hit.spawn, message: 'The task is spawned onto a worker thread here.' },
              { node: hit.await, message: `\`${name}\` waits here for a wake-up from that worker.` },
            ],
          });
        }
      }
    }
  },
});

/** `#[tokio::main]` in any spelling that keeps the multi-thread runtime (the default). */
function isMultiThreadMain(ctx: RuleContext, fn: SyntaxNode): boolean {
  // `previousNamedSibling` walks the parent's children from the first: asked of every fn of a
  // large module that costs more than the rest of the rule. An attribute (or a comment) right
  // before the fn shows in the text.
  const { ch } = codeBefore(ctx.text, ctx.syntax.start(fn));
  if (ch !== ']' && ch !== '/') return false;
  for (let a = fn.previousNamedSibling; a && (a.type === 'attribute_item' || a.type === 'line_comment' || a.type === 'block_comment'); a = a.previousNamedSibling) {
    if (a.type !== 'attribute_item') continue;
    const attr = a.namedChildren.find((c) => c.type === 'attribute');
    const path = attr?.namedChildren[0];
    if (!attr || !path || (path.type !== 'identifier' && path.type !== 'scoped_identifier')) continue;
    const full = ctx.resolver.path(path.text);
    if (full !== 'tokio::main' && !full.endsWith('::tokio::main')) continue;
    const args = attr.childForFieldName('arguments')?.text ?? '';
    return !/flavor\s*=\s*"current_thread"/.test(args);
  }
  return false;
}

interface Hit {
  spawn: SyntaxNode;
  await: SyntaxNode;
  awaited: string;
}

/** A spawn in the loop and a later await, in the same iteration, of that task's handle or reply. */
function spawnAndWait(ctx: RuleContext, fn: SyntaxNode, loop: SyntaxNode): Hit | undefined {
  const body = loop.childForFieldName('body');
  if (!body) return undefined;
  // Climbing to `fn` is native work: a call is first checked to be a spawn, and an await to end after one.
  const spawns = ctx.syntax.within('call_expression', body).filter((c) => isSpawn(ctx, c) && ownBody(ctx.syntax, fn, c));
  if (spawns.length === 0) return undefined;
  const firstEnd = Math.min(...spawns.map((c) => ctx.syntax.end(c)));
  for (const aw of ctx.syntax.within('await_expression', body)) {
    if (ctx.syntax.end(aw) <= firstEnd || !ownBody(ctx.syntax, fn, aw)) continue;
    const inner = aw.namedChildren[0];
    if (!inner) continue;
    for (const spawn of spawns) {
      if (ctx.syntax.end(aw) <= ctx.syntax.end(spawn)) continue;
      // Nested loops: the innermost loop holding both is the one that repeats the round trip.
      if (!ctx.syntax.same(innermostLoop(ctx, spawn, aw), loop)) continue;
      const how = awaitsTask(ctx, body, spawn, inner);
      if (how) return { spawn, await: aw, awaited: how === 'handle' ? 'its `JoinHandle`' : `it at \`${aw.text}\`` };
    }
  }
  return undefined;
}

function innermostLoop(ctx: RuleContext, a: SyntaxNode, b: SyntaxNode): SyntaxNode | undefined {
  for (const l of ctx.syntax.ancestors(a)) if (LOOPS.has(l.type) && ctx.syntax.contains(l, b)) return l;
  return undefined;
}

/** `tests_build::tokio::spawn` → `tokio::spawn`: a crate that re-exports tokio under its own path. */
function tokioPath(path: string): string {
  const i = path.indexOf('::tokio::');
  return i === -1 ? path : path.slice(i + 2);
}

function isSpawn(ctx: RuleContext, call: SyntaxNode): boolean {
  const path = ctx.resolver.calleePath(call);
  if (path) return SPAWN_FNS.has(tokioPath(path));
  const m = ctx.resolver.methodCall(call);
  if (!m || (m.name !== 'spawn' && m.name !== 'spawn_on')) return false;
  const t = ctx.resolver.typeOf(m.receiver) ?? spawnerOf(ctx, m.receiver, 0);
  return t !== undefined && SPAWNERS.has(tokioPath(t));
}

/**
 * The spawner type behind `Builder::new().name("x")`, `Handle::current()` or a binding of one:
 * an associated fn of the type, then any chain of the type's own methods.
 */
function spawnerOf(ctx: RuleContext, expr: SyntaxNode, depth: number): string | undefined {
  let e: SyntaxNode | undefined = expr;
  if (e.type === 'identifier' && depth < 2) {
    const b = ctx.resolver.binding(e);
    const value = b?.decl.type === 'let_declaration' ? b.decl.childForFieldName('value') : null;
    return value ? spawnerOf(ctx, value, depth + 1) : undefined;
  }
  while (e?.type === 'call_expression') {
    const path = ctx.resolver.calleePath(e);
    if (path) return path.includes('::') ? path.slice(0, path.lastIndexOf('::')) : undefined;
    e = ctx.resolver.methodCall(e)?.receiver;
  }
  return undefined;
}

/** The awaited expression, without `&mut`, parentheses and `.unwrap()`-free wrappers. */
function stripRef(n: SyntaxNode): SyntaxNode {
  let e = n;
  while ((e.type === 'reference_expression' || e.type === 'parenthesized_expression') && e.namedChildren.length > 0) {
    e = e.namedChildren[e.namedChildren.length - 1]!;
  }
  return e;
}

/** How the await waits for the spawned task: on its handle written inline, through a binding, or for its reply. */
function awaitsTask(ctx: RuleContext, loopBody: SyntaxNode, spawn: SyntaxNode, awaited: SyntaxNode): 'handle' | 'named' | undefined {
  let e = stripRef(awaited);
  // `Builder::spawn` returns `io::Result<JoinHandle>`: `..spawn(f).unwrap().await`, `..spawn(f)?.await`.
  for (;;) {
    if (e.type === 'try_expression' && e.namedChildren[0]) e = e.namedChildren[0];
    else if (e.type === 'call_expression' && ['unwrap', 'expect'].includes(ctx.resolver.methodCall(e)?.name ?? '')) e = ctx.resolver.methodCall(e)!.receiver;
    else break;
  }
  // `tokio::spawn(..).await`
  if (ctx.syntax.same(e, spawn)) return 'handle';
  if (e.type === 'identifier') {
    const b = ctx.resolver.binding(e);
    if (!b) return undefined;
    // `let h = tokio::spawn(..); .. h.await`
    if (b.decl.type === 'let_declaration' && ctx.syntax.same(b.decl.childForFieldName('value'), spawn)) return 'named';
    return isReplyOf(ctx, loopBody, spawn, e) ? 'named' : undefined;
  }
  // `rx.recv().await` on a receiver whose sender went into the task.
  if (e.type === 'call_expression') {
    const m = ctx.resolver.methodCall(e);
    if (m && RECV_METHODS.has(m.name) && m.receiver.type === 'identifier' && isReplyOf(ctx, loopBody, spawn, m.receiver)) return 'named';
  }
  return undefined;
}

/**
 * Whether `rx` comes from `let (tx, rx) = <channel>(..)` and `tx` — or a clone made inside the
 * loop — is named in the spawned future, so the task's send is what the loop waits for.
 */
function isReplyOf(ctx: RuleContext, loopBody: SyntaxNode, spawn: SyntaxNode, rx: SyntaxNode): boolean {
  const b = ctx.resolver.binding(rx);
  if (!b || b.decl.type !== 'let_declaration') return false;
  if (b.type && !REPLY_RECEIVERS.has(b.type)) return false;
  const pat = b.decl.childForFieldName('pattern');
  const value = b.decl.childForFieldName('value');
  if (pat?.type !== 'tuple_pattern' || value?.type !== 'call_expression') return false;
  const path = ctx.resolver.calleePath(value);
  if (!path || !CHANNELS.has(path)) return false;
  const sender = pat.namedChildren[0];
  if (sender?.type !== 'identifier') return false;
  const names = new Set([sender.text]);
  // `let tx = tx.clone();` inside the loop keeps the sender's name or gives it a new one.
  for (const decl of ctx.syntax.within('let_declaration', loopBody)) {
    const p = decl.childForFieldName('pattern');
    const v = decl.childForFieldName('value');
    if (p?.type === 'identifier' && v && /^(\w+)\.clone\(\)$/.exec(v.text)?.[1] === sender.text) names.add(p.text);
  }
  const args = spawn.childForFieldName('arguments');
  return !!args && textMentions(ctx.syntax, args, names) && ctx.syntax.within('identifier', args).some((id) => names.has(id.text));
}
