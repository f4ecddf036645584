import type { SyntaxNode } from '../../grammars/rust.js';
import { BODY_BOUNDARIES, enclosingBody, isAsyncClosure } from '../../server/analysis/context.js';
import { isAsyncFn } from '../../server/analysis/facts.js';
import { lastSegment, type Knowledge, type LockType } from '../../server/analysis/knowledge.js';
import { macroName } from '../../server/analysis/macros.js';
import { boundNames } from '../../server/analysis/resolve.js';
import { NodeMap } from '../../server/analysis/node-map.js';
import { defineRule, type RuleContext } from '../../server/analysis/rule.js';
import { mentionsBetween, someWithin, wordOffsets } from '../../server/analysis/mentions.js';

/** Calls that turn a lock result into the guard itself (`m.lock().unwrap()`). */
const UNWRAPS = new Set(['unwrap', 'expect', 'unwrap_or_else', 'unwrap_or_default']);
/** Macros that await the futures given to them. */
const AWAITING_MACROS = new Set(['select', 'select_biased', 'try_select', 'join', 'try_join']);
/** Statics are often wrapped for lazy initialisation; the lock is the first type argument. */
const LAZY = /^(?:[\w:]*::)?(?:LazyLock|Lazy|OnceLock|OnceCell)\s*<([\s\S]*)>$/;

/** Text any invocation of an awaiting macro contains. */
const AWAITING_TEXT = /select|join/;

const LIFETIME: Record<Holder['kind'], string> = {
  let: 'its block',
  match: 'the `match`',
  'if let': 'the `if let` body',
  'while let': 'each `while let` iteration',
  statement: 'the statement',
};

/** Where a guard lives and until when. */
interface Holder {
  kind: 'let' | 'match' | 'if let' | 'while let' | 'statement';
  /** The node whose awaits happen while the guard is alive. */
  region: SyntaxNode;
  /** The name the guard is bound to, when it is bound to one. */
  name?: string;
  /** For `let`: the declaration. */
  decl?: SyntaxNode;
}

export default defineRule({
  meta: {
    id: 'guard-across-await',
    kind: 'static',
    category: 'correctness',
    defaultSeverity: 'warning',
    fixable: true,
    summary: 'A blocking lock guard or a RefCell borrow is still alive at an `.await`.',
    docs: {
      whatItFinds:
        'A guard of a `std::sync::Mutex` or `RwLock`, a `parking_lot` lock, or a `RefCell` borrow that is still alive when the same async body reaches an `.await`: a guard bound with `let` (`let g = m.lock().unwrap();`) and not dropped, moved or out of scope before the await; a guard held by an `if let` or `while let` (`if let Ok(g) = m.lock() { x.await }`); a guard created in a `match` scrutinee (`match m.lock().unwrap().get(k) { .. => y.await }`), which lives until the end of the whole `match`; and a guard created earlier in the same statement as the await (`tx.send(m.lock().unwrap().clone()).await;`), which lives until the end of the statement. The lock type comes from the receiver: locals, parameters, `self.field` through the struct\'s field types, and statics declared in the file.',
      whyBad:
        'While the task is suspended at the `.await` it keeps the lock. Any other task that locks the same mutex blocks its worker thread instead of yielding; if it runs on the worker that would resume the holder, or enough workers block, the runtime deadlocks. Even without a deadlock the lock is held for as long as the awaited I/O takes, serialising unrelated tasks. The future also stops being `Send`, so `tokio::spawn` rejects it with a long error. A `RefCell` borrow held across an `.await` makes any other borrow of the cell in the meantime panic with `BorrowMutError`.',
      example:
        'async fn record(state: &std::sync::Mutex<Vec<u32>>, tx: &Sender<u32>) {\n    let mut seen = state.lock().unwrap();\n    seen.push(1);\n    tx.send(seen.len() as u32).await.unwrap(); // the guard is still alive here\n}',
      useInstead:
        'async fn record(state: &std::sync::Mutex<Vec<u32>>, tx: &Sender<u32>) {\n    let len = {\n        let mut seen = state.lock().unwrap();\n        seen.push(1);\n        seen.len() as u32\n    }; // the guard is dropped here\n    tx.send(len).await.unwrap();\n}\n// Or `drop(seen)` before the `.await`; if the lock must be held across it, use tokio::sync::Mutex.',
      notes:
        'The fix inserts `drop(guard);` before the statement holding the `.await`; it is offered only when the guard is not used after that point, and it is not marked safe because it shortens the critical section. Guards of unknown lock types and of `tokio::sync` locks are never reported. A guard is considered gone after `drop(g)` or after being passed by value, and a shadowing `let` with the same name stops the analysis (the shadowed guard in fact lives on until its block ends). `if let` guards are followed through the `if` body only (the Rust 2024 rule). A temporary guard in a block\'s tail expression is not followed.',
    },
  },
  nodeTypes: ['call_expression', 'let_declaration', 'await_expression', 'match_expression', 'let_condition', 'static_item', 'try_expression'],
  check(ctx) {
    const { syntax, resolver } = ctx;
    // A method's name is part of its call's text: calls without any acquire name need no native reads.
    const acquires = wordOffsets(ctx.syntax, acquireNames(ctx.knowledge));
    if (acquires.length === 0) return;
    for (const call of syntax.nodes('call_expression')) {
      if (!someWithin(acquires, syntax.start(call), syntax.end(call))) continue;
      const m = resolver.methodCall(call);
      if (!m) continue;
      const lock = lockOf(ctx, m.receiver, m.name);
      if (!lock) continue;
      const body = asyncBodyOf(ctx, call);
      if (!body) continue;
      const guard = guardExpr(ctx, call);
      const holder = holderOf(ctx, guard);
      if (!holder) continue;
      const at = firstAwaitHeld(ctx, holder, guard, body);
      if (!at) continue;
      const [start, end] = awaitSpan(ctx, at);
      const line = syntax.span(call).start.line + 1;
      const guardType = guardTypeName(lock, m.name);
      const recv = short(m.receiver.text);
      const subject = holder.name
        ? `\`${holder.name}\` (a ${guardType} taken on line ${line})`
        : `The ${guardType} from \`${recv}.${m.name}()\` (line ${line}), which lives until the end of ${LIFETIME[holder.kind]},`;
      const consequence =
        lock.kind === 'cell'
          ? `is still alive at this \`.await\`: code that ${m.name === 'borrow_mut' ? 'borrows' : 'mutably borrows'} \`${recv}\` while the task is suspended panics, and the future is not \`Send\`.`
          : `is still held at this \`.await\`: while the task is suspended every other thread or task that locks \`${recv}\` blocks its worker thread, which can deadlock the runtime, and the future is not \`Send\`.`;
      ctx.report({
        span: syntax.spanOf(start, end),
        message: `${subject} ${consequence}`.replace('at this `.await`', at.type === 'macro_invocation' ? `where this \`${macroName(at)}!\` awaits` : 'at this `.await`'),
        related: [{ node: call, message: lock.kind === 'cell' ? 'borrow taken here' : 'guard taken here' }],
        fixes: dropFix(ctx, holder, at, at.type === 'macro_invocation' ? `\`${macroName(at)}!\`` : '`.await`'),
      });
    }
  },
});

const acquireCache = new WeakMap<Knowledge, RegExp>();

/** Any text that could be the name of a method taking a blocking lock or a cell borrow. */
function acquireNames(knowledge: Knowledge): RegExp {
  let re = acquireCache.get(knowledge);
  if (!re) {
    const names = [...new Set(knowledge.locks.filter((l) => l.kind !== 'async').flatMap((l) => l.acquire))];
    re = new RegExp(names.length ? names.map((n) => n.replace(/[^\w]/g, '\\$&')).join('|') : '(?!)', 'g');
    acquireCache.set(knowledge, re);
  }
  return re;
}

/** The lock type behind `receiver.method()`, when `method` acquires a blocking lock or a cell borrow. */
function lockOf(ctx: RuleContext, receiver: SyntaxNode, method: string): LockType | undefined {
  // Typing the receiver is the costly part, and asked for every method call.
  if (!ctx.knowledge.isAcquireMethod(method)) return undefined;
  const type = ctx.resolver.typeOf(receiver) ?? staticType(ctx, receiver);
  if (!type) return undefined;
  const lock = ctx.knowledge.lock(type);
  if (!lock || lock.kind === 'async' || !lock.acquire.includes(method)) return undefined;
  return lock;
}

/** The type of a `static` of this file named by `receiver` (`STATE.lock()`). */
function staticType(ctx: RuleContext, receiver: SyntaxNode): string | undefined {
  if (receiver.type !== 'identifier' || ctx.resolver.binding(receiver)) return undefined;
  for (const item of ctx.syntax.fileNodes('static_item')) {
    if (item.childForFieldName('name')?.text !== receiver.text) continue;
    let text = item.childForFieldName('type')?.text;
    if (!text) return undefined;
    const lazy = LAZY.exec(text.trim());
    if (lazy) text = lazy[1]!;
    return ctx.resolver.type(text);
  }
  return undefined;
}

const asyncCache = new WeakMap<RuleContext['syntax'], NodeMap<boolean>>();

/**
 * `asyncBodyOf` from context.ts, with the answer per body kept: telling an `async fn` reads its
 * children natively, and a body holds many lock calls.
 */
function asyncBodyOf(ctx: RuleContext, node: SyntaxNode): SyntaxNode | undefined {
  const { syntax } = ctx;
  const body = enclosingBody(syntax, node);
  if (!body || body.type === 'async_block') return body;
  let perFile = asyncCache.get(syntax);
  if (!perFile) asyncCache.set(syntax, (perFile = new NodeMap()));
  let isAsync = perFile.get(body);
  if (isAsync === undefined) perFile.set(body, (isAsync = body.type === 'function_item' ? isAsyncFn(body) : isAsyncClosure(body)));
  return isAsync ? body : undefined;
}

/** `m.lock()` grown by `.unwrap()`, `.expect(..)`, `?` into the expression that is the guard. */
function guardExpr(ctx: RuleContext, call: SyntaxNode): SyntaxNode {
  let cur = call;
  for (;;) {
    const p = ctx.syntax.parent(cur);
    if (p?.type === 'try_expression') {
      cur = p;
      continue;
    }
    if (p?.type === 'field_expression' && ctx.syntax.same(p.childForFieldName('value'), cur)) {
      const outer = ctx.syntax.parent(p);
      if (outer?.type === 'call_expression' && ctx.syntax.same(outer.childForFieldName('function'), p) && UNWRAPS.has(p.childForFieldName('field')?.text ?? '')) {
        cur = outer;
        continue;
      }
    }
    return cur;
  }
}

/** The single name a pattern such as `g`, `mut g`, `Ok(g)` or `Some(mut g)` binds. */
function singleName(pattern: SyntaxNode | null): string | undefined {
  if (!pattern) return undefined;
  if (pattern.type === 'identifier') return pattern.text;
  if (pattern.type === 'mut_pattern' || pattern.type === 'tuple_struct_pattern') {
    const names = boundNames(pattern);
    return names.length === 1 ? names[0]!.text : undefined;
  }
  return undefined;
}

/** How long the guard produced by `guard` lives, from where the expression sits. */
function holderOf(ctx: RuleContext, guard: SyntaxNode): Holder | undefined {
  const { syntax } = ctx;
  const direct = syntax.parent(guard);
  if (direct?.type === 'let_declaration' && syntax.same(direct.childForFieldName('value'), guard)) {
    const name = singleName(direct.childForFieldName('pattern'));
    const block = syntax.parent(direct);
    // `let _ = m.lock()` drops the guard at once; a let-else or other pattern is not followed.
    if (!name || !block || direct.childForFieldName('alternative')) return undefined;
    return { kind: 'let', region: block, name, decl: direct };
  }
  // A temporary: it lives until the end of the enclosing statement, or of the `match` / `if let`
  // whose scrutinee holds it. Blocks, closures and conditions end it sooner.
  let cur = guard;
  for (let p = syntax.parent(cur); p; cur = p, p = syntax.parent(cur)) {
    if (p.type === 'match_expression' && syntax.same(p.childForFieldName('value'), cur)) {
      const block = p.childForFieldName('body');
      return block ? { kind: 'match', region: block } : undefined;
    }
    if (p.type === 'let_condition' && syntax.same(p.childForFieldName('value'), cur)) {
      const host = syntax.parent(p);
      const region = host?.type === 'if_expression' ? host.childForFieldName('consequence') : host?.type === 'while_expression' ? host.childForFieldName('body') : null;
      if (!host || !region) return undefined;
      const name = syntax.same(cur, guard) ? singleName(p.childForFieldName('pattern')) : undefined;
      return { kind: host.type === 'if_expression' ? 'if let' : 'while let', region, name };
    }
    if (p.type === 'expression_statement' || p.type === 'let_declaration') return { kind: 'statement', region: p };
    if (p.type === 'block' || p.type === 'match_arm' || p.type === 'macro_invocation' || BODY_BOUNDARIES.has(p.type)) return undefined;
    if ((p.type === 'if_expression' || p.type === 'while_expression') && syntax.same(p.childForFieldName('condition'), cur)) return undefined;
  }
  return undefined;
}

/**
 * Where the task suspends: `.await` (from the dot through the keyword) or a `select!` / `join!`
 * invocation (its name and `!`), as file offsets.
 */
function awaitSpan(ctx: RuleContext, at: SyntaxNode): [number, number] {
  const { syntax } = ctx;
  if (at.type === 'macro_invocation') {
    const bang = at.children.find((c) => c.type === '!');
    return [syntax.start(at), syntax.end(bang ?? at)];
  }
  const dot = at.children.find((c) => c.type === '.');
  const kw = at.children.find((c) => c.type === 'await');
  return [syntax.start(dot ?? kw ?? at), syntax.end(kw ?? at)];
}

/** The first suspension point in `holder`'s region, after the guard is made and before it is given up. */
function firstAwaitHeld(ctx: RuleContext, holder: Holder, guard: SyntaxNode, body: SyntaxNode): SyntaxNode | undefined {
  const { syntax } = ctx;
  const from = syntax.end(holder.decl ?? guard);
  const until = holder.name ? givenUpAt(ctx, holder, from) : Infinity;
  const points = syntax.within('await_expression', holder.region);
  // Reading a macro's name is native; one whose text has no awaiting macro's name cannot be one.
  const macros = syntax.within('macro_invocation', holder.region);
  if (macros.length > 0) for (const m of macros) if (AWAITING_TEXT.test(syntax.textOf(m)) && AWAITING_MACROS.has(macroName(m))) points.push(m);
  // The task suspends at the keyword (or the macro), which for `f(guard).await` comes after the guard.
  const at = points.map((p) => ({ p, s: suspendsAt(ctx, p) })).sort((a, b) => a.s - b.s);
  for (const { p, s } of at) {
    if (s < from) continue;
    if (s >= until) return undefined;
    // `body` is async, so the point's async body is `body` exactly when its innermost body is.
    if (syntax.same(enclosingBody(syntax, p), body)) return p;
  }
  return undefined;
}

/** `awaitSpan(ctx, at)[0]`, read from the file text when the `.` directly precedes the keyword. */
function suspendsAt(ctx: RuleContext, at: SyntaxNode): number {
  const { syntax, text } = ctx;
  if (at.type === 'await_expression') {
    const end = syntax.end(at);
    if (end >= 5 && text.startsWith('await', end - 5)) {
      let i = end - 5;
      while (i > 0 && (text[i - 1] === ' ' || text[i - 1] === '\t' || text[i - 1] === '\n' || text[i - 1] === '\r')) i--;
      if (text[i - 1] === '.' && i - 1 >= syntax.start(at)) return i - 1;
    }
  }
  return awaitSpan(ctx, at)[0];
}

/** Where the bound guard is dropped, moved or shadowed in its region (Infinity when never). */
function givenUpAt(ctx: RuleContext, holder: Holder, from: number): number {
  const { syntax } = ctx;
  const name = holder.name!;
  let at = Infinity;
  // Collecting the region's identifiers is native work; most guards are never named again.
  if (!mentionsBetween(ctx.text, from, syntax.end(holder.region), [name])) return at;
  for (const id of syntax.identifiersNamed(holder.region, name)) {
    const s = syntax.start(id);
    if (s < from || s >= at) continue;
    const p = syntax.parent(id);
    if (!p) continue;
    // Passed by value (including `drop(g)`), moved into a new binding, or returned.
    const moved =
      (p.type === 'arguments' && syntax.parent(p)?.type === 'call_expression') ||
      (p.type === 'let_declaration' && syntax.same(p.childForFieldName('value'), id)) ||
      p.type === 'return_expression';
    const shadowed = p.type === 'let_declaration' && holder.kind === 'let' && syntax.same(syntax.parent(p), holder.region) && boundNames(p.childForFieldName('pattern')!).some((n) => syntax.same(n, id));
    if (moved || shadowed) at = s;
  }
  return at;
}

/** `drop(g);` before the statement holding the await, when `g` is not used from there on. */
function dropFix(ctx: RuleContext, holder: Holder, at: SyntaxNode, point: string) {
  if (holder.kind !== 'let' || !holder.name || !holder.decl) return [];
  const { syntax, resolver } = ctx;
  let stmt: SyntaxNode | undefined = at;
  while (stmt && !syntax.same(syntax.parent(stmt), holder.region)) stmt = syntax.parent(stmt);
  if (!stmt) return [];
  const stmtStart = syntax.start(stmt);
  if (mentionsBetween(ctx.text, stmtStart, syntax.end(holder.region), [holder.name])) for (const id of syntax.identifiersNamed(holder.region, holder.name)) {
    if (syntax.start(id) < stmtStart) continue;
    const b = resolver.binding(id);
    if (!b || syntax.same(b.decl, holder.decl)) return [];
  }
  const lineStart = ctx.text.lastIndexOf('\n', stmtStart - 1) + 1;
  const indent = ctx.text.slice(lineStart, stmtStart);
  const sep = /^\s*$/.test(indent) ? `\n${indent}` : ' ';
  return [
    {
      title: `Drop \`${holder.name}\` before the ${point}`,
      safe: false,
      edits: [{ span: syntax.spanOf(stmtStart, stmtStart), newText: `drop(${holder.name});${sep}` }],
    },
  ];
}


function guardTypeName(lock: LockType, method: string): string {
  const crate = lock.path.slice(0, lock.path.length - lastSegment(lock.path).length);
  const type = lastSegment(lock.path);
  if (lock.kind === 'cell') return `${crate}${method === 'borrow_mut' ? 'RefMut' : 'Ref'}`;
  if (type === 'RwLock') {
    const kind = method.includes('upgradable') ? 'UpgradableRead' : method.includes('write') ? 'Write' : 'Read';
    return `${crate}RwLock${kind}Guard`;
  }
  return `${crate}${type}Guard`;
}

function short(text: string): string {
  const t = text.replace(/\s+/g, ' ');
  return t.length > 40 ? `${t.slice(0, 37)}...` : t;
}
