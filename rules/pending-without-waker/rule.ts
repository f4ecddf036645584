import type { SyntaxNode } from '../../grammars/rust.js';
import { BODY_BOUNDARIES } from '../../server/analysis/context.js';
import { defineRule, type RuleContext } from '../../server/analysis/rule.js';
import type { FileSyntax } from '../../server/analysis/syntax.js';
import { someWithin, textMentions, wordOffsets } from '../../server/analysis/mentions.js';

export default defineRule({
  meta: {
    id: 'pending-without-waker',
    kind: 'static',
    category: 'correctness',
    defaultSeverity: 'error',
    fixable: false,
    summary: 'A hand-written `poll` returns `Poll::Pending` without registering the waker, so the task is never woken.',
    docs: {
      whatItFinds:
        'A `poll`, `poll_next` or other `poll_*` method in an `impl` block (for `Future`, `Stream`, `AsyncRead`/`AsyncWrite`, a `Sink`, an HTTP `Body`, or the type itself) that takes a `&mut Context<\'_>`, can return `Poll::Pending` — as `return Poll::Pending`, as the tail expression, or as the value of an `if` branch or `match` arm — and never uses the `Context` at all: no `cx.waker()`, no `cx` handed to an inner `poll`/`poll_*` call or to a macro such as `ready!`, and no `cx` stored. A parameter named `_cx` or `_` is the usual sign.',
      whyBad:
        'Returning `Pending` is a promise: "I have arranged for this task to be woken when I can make progress." The only way to keep that promise is through the `Context` — clone its waker and call `wake()` when the event happens, or pass `cx` to an inner future or I/O resource that does so. When `cx` is never touched, nothing holds the waker. The executor parks the task and never polls it again, so whatever awaits this future hangs forever, with no error, no panic and no CPU use. It often goes unnoticed in tests, where some unrelated wake-up happens to poll the task again.',
      example:
        'struct FlagSet {\n    flag: Arc<AtomicBool>,\n}\n\nimpl Future for FlagSet {\n    type Output = ();\n    fn poll(self: Pin<&mut Self>, _cx: &mut Context<\'_>) -> Poll<()> {\n        if self.flag.load(Ordering::Acquire) {\n            Poll::Ready(())\n        } else {\n            Poll::Pending // nobody will ever wake this task\n        }\n    }\n}',
      useInstead:
        '// Store the waker where the code that sets the flag can wake it\n// (or use tokio::sync::Notify, which does this for you).\nstruct FlagSet {\n    shared: Arc<Shared>, // { flag: AtomicBool, waker: AtomicWaker }\n}\n\nimpl Future for FlagSet {\n    type Output = ();\n    fn poll(self: Pin<&mut Self>, cx: &mut Context<\'_>) -> Poll<()> {\n        self.shared.waker.register(cx.waker());\n        if self.shared.flag.load(Ordering::Acquire) {\n            Poll::Ready(())\n        } else {\n            Poll::Pending\n        }\n    }\n}\n\n// Or delegate: `Pin::new(&mut self.inner).poll(cx)` registers the waker for you.',
      notes:
        'Any use of the `Context` parameter counts, including inside macros (`ready!(..)`) and closures, because the rule cannot tell whether that use registers the waker; a `cx` used only for something else is not reported. A `poll` that can only ever return `Pending` (a future that never completes on purpose, such as a test helper) is not reported: waking it would change nothing. Only inherent impls and impls of the standard poll traits (`Future`, `Stream`, `AsyncRead`, `AsyncWrite`, `AsyncBufRead`, `AsyncSeek`, `Sink`, `http_body::Body`) are checked: a crate\'s own poll-style traits may register the waker in a sibling call. Functions outside `impl` blocks and `poll_fn` closures are not checked either. There is no automatic fix: where the waker must be stored depends on who produces the event.',
    },
  },
  nodeTypes: ['function_item', 'impl_item', 'parameter', 'scoped_identifier', 'identifier', 'return_expression', 'try_expression'],
  check(ctx) {
    const { syntax } = ctx;
    // A `poll` fn returning `Poll` has both words in its text; fns without them need no native reads.
    const polls = wordOffsets(ctx.syntax, /poll/g);
    const returns = wordOffsets(ctx.syntax, /Poll/g);
    if (polls.length === 0 || returns.length === 0) return;
    for (const fn of syntax.nodes('function_item')) {
      const s = syntax.start(fn);
      const e = syntax.end(fn);
      if (!someWithin(polls, s, e) || !someWithin(returns, s, e)) continue;
      const impl = implOf(ctx.syntax, fn);
      if (!impl) continue;
      const name = fn.childForFieldName('name')?.text;
      if (!name || !(name === 'poll' || name.startsWith('poll_'))) continue;
      if (!/\bPoll\b/.test(fn.childForFieldName('return_type')?.text ?? '')) continue;
      const param = contextParam(fn);
      const body = fn.childForFieldName('body');
      if (!param || !body) continue;
      if (param.name !== undefined && isUsed(ctx.syntax, body, param.name)) continue;
      const pendings = pendingReturns(ctx, fn, body);
      if (pendings.length === 0 || !canComplete(ctx, fn, body)) continue;
      const typeName = implTypeName(impl);
      const shown = param.name ?? '_';
      for (const p of pendings) {
        ctx.report({
          node: p,
          message: `\`${typeName}::${name}\` returns \`Poll::Pending\` but never uses its \`Context\` (\`${shown}\`), so nothing holds the task's waker: the task is never polled again and the code waiting on \`${typeName}\` hangs forever.`,
        });
      }
    }
  },
});

/**
 * Traits whose `poll*` contract is "Pending means the waker from this `Context` is registered".
 * A crate's own traits may split readiness and registration across calls, so they are left alone.
 */
const POLL_TRAITS = new Set(['Future', 'Stream', 'TryStream', 'AsyncRead', 'AsyncWrite', 'AsyncBufRead', 'AsyncSeek', 'Sink', 'Body', 'AsyncIterator']);

/** The `impl` holding `fn`: an inherent impl, or an impl of one of the poll-contract traits. */
function implOf(syntax: FileSyntax, fn: SyntaxNode): SyntaxNode | undefined {
  const p = syntax.parent(fn);
  if (p?.type !== 'declaration_list') return undefined;
  const impl = syntax.parent(p);
  if (impl?.type !== 'impl_item') return undefined;
  const trait = impl.childForFieldName('trait');
  if (!trait) return impl;
  const name = trait.text.replace(/<.*$/s, '').split('::').pop()!.trim();
  return POLL_TRAITS.has(name) ? impl : undefined;
}

function implTypeName(impl: SyntaxNode): string {
  const t = impl.childForFieldName('type')?.text ?? 'Self';
  const lt = t.indexOf('<');
  return (lt === -1 ? t : t.slice(0, lt)).trim();
}

/** The `&mut Context` parameter: its bound name, or undefined for `_`. */
function contextParam(fn: SyntaxNode): { name?: string } | undefined {
  const params = fn.childForFieldName('parameters');
  if (!params) return undefined;
  for (const p of params.namedChildren) {
    if (p.type !== 'parameter') continue;
    const type = p.childForFieldName('type');
    if (!type || !/^&\s*(?:'\w+\s+)?mut\s+(?:[\w:]*::)?Context\b/.test(type.text)) continue;
    const pat = p.childForFieldName('pattern');
    if (!pat || pat.text === '_') return {};
    const id = pat.type === 'identifier' ? pat : pat.namedChildren.find((c) => c.type === 'identifier');
    return { name: id?.text };
  }
  return undefined;
}

/**
 * Whether the name appears anywhere in the body. Identifiers in macro bodies are seen either
 * through the re-parsed pieces or, for macros that do not parse as Rust, as raw tokens.
 */
function isUsed(syntax: FileSyntax, body: SyntaxNode, name: string): boolean {
  return textMentions(syntax, body, [name]) && syntax.within('identifier', body).some((id) => id.text === name);
}

function isPendingPath(node: SyntaxNode): boolean {
  if (node.type === 'scoped_identifier') return /^(?:(?:::)?(?:std|core)::task::)?Poll::Pending$/.test(node.text.replace(/\s+/g, ''));
  return false;
}

/** `Poll::Pending` expressions whose value becomes the return value of `fn`. */
function pendingReturns(ctx: RuleContext, fn: SyntaxNode, body: SyntaxNode): SyntaxNode[] {
  return ctx.syntax.within('scoped_identifier', body).filter((n) => isPendingPath(n) && flowsToReturn(ctx.syntax, fn, n));
}

/** Whether the value of `expr` is what `fn` returns: a `return` operand or a tail, through blocks, `if` and `match`. */
function flowsToReturn(syntax: FileSyntax, fn: SyntaxNode, expr: SyntaxNode): boolean {
  let cur = expr;
  for (;;) {
    const p = syntax.parent(cur);
    if (!p) return false;
    switch (p.type) {
      case 'return_expression':
        return ownedBy(syntax, fn, p);
      case 'parenthesized_expression':
      case 'else_clause':
        cur = p;
        continue;
      case 'expression_statement':
        // A block's tail `if`/`match` is wrapped in a statement without `;`.
        if (p.text.trimEnd().endsWith(';')) return false;
        cur = p;
        continue;
      case 'block': {
        if (!isTail(p, cur)) return false;
        if (syntax.same(p, fn.childForFieldName('body'))) return true;
        cur = p;
        continue;
      }
      case 'if_expression':
        if (syntax.same(p.childForFieldName('condition'), cur)) return false;
        cur = p;
        continue;
      case 'match_arm':
        if (!syntax.same(p.childForFieldName('value'), cur)) return false;
        cur = p;
        continue;
      case 'match_block':
        cur = p;
        continue;
      case 'match_expression':
        if (syntax.same(p.childForFieldName('value'), cur)) return false;
        cur = p;
        continue;
      default:
        return false;
    }
  }
}

function isTail(block: SyntaxNode, child: SyntaxNode): boolean {
  const named = block.namedChildren.filter((c) => c.type !== 'line_comment' && c.type !== 'block_comment');
  const last = named[named.length - 1];
  return !!last && last.id === child.id && last.tree === child.tree;
}

/** Whether `node` belongs to `fn` itself rather than to a closure or async block inside it. */
function ownedBy(syntax: FileSyntax, fn: SyntaxNode, node: SyntaxNode): boolean {
  for (const a of syntax.ancestors(node)) {
    if (syntax.same(a, fn)) return true;
    if (BODY_BOUNDARIES.has(a.type)) return false;
  }
  return false;
}

/**
 * Whether some path can return something other than `Poll::Pending` (a `Ready`, a value from
 * elsewhere, or `?`). A poll that can only return `Pending` never completes whatever wakes it.
 */
function canComplete(ctx: RuleContext, fn: SyntaxNode, body: SyntaxNode): boolean {
  const { syntax } = ctx;
  for (const t of syntax.within('try_expression', body)) if (ownedBy(syntax, fn, t)) return true;
  for (const r of syntax.within('return_expression', body)) {
    if (!ownedBy(syntax, fn, r)) continue;
    const v = r.namedChildren[0];
    if (!v || !isPendingPath(v)) return true;
  }
  return tailValues(syntax, body).some((v) => !isPendingPath(v));
}

/** The expressions a block can evaluate to through its tail, looking into `if`/`match`/blocks. */
function tailValues(syntax: FileSyntax, block: SyntaxNode): SyntaxNode[] {
  const named = block.namedChildren.filter((c) => c.type !== 'line_comment' && c.type !== 'block_comment');
  let last = named[named.length - 1];
  if (!last) return [];
  if (last.type === 'expression_statement') {
    if (last.text.trimEnd().endsWith(';')) return [];
    last = last.namedChildren[0];
    if (!last) return [];
  }
  return valuesOf(syntax, last);
}

function valuesOf(syntax: FileSyntax, e: SyntaxNode): SyntaxNode[] {
  switch (e.type) {
    case 'block':
      return tailValues(syntax, e);
    case 'parenthesized_expression':
      return e.namedChildren[0] ? valuesOf(syntax, e.namedChildren[0]) : [];
    case 'if_expression': {
      const out: SyntaxNode[] = [];
      const cons = e.childForFieldName('consequence');
      if (cons) out.push(...valuesOf(syntax, cons));
      const alt = e.childForFieldName('alternative');
      const altBody = alt?.namedChildren[0];
      if (altBody) out.push(...valuesOf(syntax, altBody));
      return out;
    }
    case 'match_expression': {
      const out: SyntaxNode[] = [];
      for (const arm of e.childForFieldName('body')?.namedChildren ?? []) {
        const v = arm.type === 'match_arm' ? arm.childForFieldName('value') : null;
        if (v) out.push(...valuesOf(syntax, v));
      }
      return out;
    }
    case 'return_expression':
    case 'loop_expression':
    case 'break_expression':
    case 'continue_expression':
      // Returns are counted on their own; a diverging tail gives no value here.
      return [];
    default:
      return [e];
  }
}
