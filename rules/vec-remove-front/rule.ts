import type { SyntaxNode } from '../../grammars/rust.js';
import { enclosingLoop } from '../../server/analysis/context.js';
import { macroName } from '../../server/analysis/macros.js';
import { defineRule, type RuleContext } from '../../server/analysis/rule.js';
import { someWithin, wordOffsets } from '../../server/analysis/mentions.js';

const VEC = 'std::vec::Vec';

export default defineRule({
  meta: {
    id: 'vec-remove-front',
    kind: 'static',
    category: 'performance',
    defaultSeverity: 'hint',
    fixable: false,
    summary: '`Vec::remove(0)` in a loop shifts every remaining element on each pass: a queue drained in O(n²).',
    docs: {
      whatItFinds:
        '`v.remove(0)` inside a `for`, `while` or `loop` where `v` is known to be a `Vec` — a local or parameter typed `Vec<..>`, a `Vec::new()` / `vec![..]` binding, or a struct field declared `Vec<..>` (`self.pending.remove(0)`, `queue.pending.remove(0)`) or `Option<Vec<..>>` and taken out with `.take().unwrap_or_default()` — and `v` outlives the loop, so the loop keeps taking elements off the front of the same vector.',
      whyBad:
        '`Vec::remove(0)` moves every element after the first one slot to the left, so each call costs time proportional to the vector\'s length, and draining n items from the front costs O(n²) element moves. The cost grows with the element size too: a queue of 4 KiB frames copies megabytes per pass. In an async task this is CPU time spent inside one poll, so the worker thread cannot run other tasks meanwhile and their latency rises along with the queue.',
      example:
        'struct FrameQueue {\n    pending: Vec<Frame>,\n}\n\nasync fn process_frames(queue: &mut FrameQueue) {\n    while !queue.pending.is_empty() {\n        let frame = queue.pending.remove(0);\n        process(frame).await;\n    }\n}',
      useInstead:
        'use std::collections::VecDeque;\n\nstruct FrameQueue {\n    pending: VecDeque<Frame>,\n}\n\nasync fn process_frames(queue: &mut FrameQueue) {\n    while let Some(frame) = queue.pending.pop_front() {\n        process(frame).await;\n    }\n}',
      notes:
        'Fires only when the receiver is known to be a `Vec`: a receiver whose type awaitlens cannot see is left alone, because `remove(0)` is cheap on a `VecDeque` and means something else on other types. A vector built inside the loop and taken from once per pass (`let mut parts: Vec<_> = line.split(\' \').collect(); parts.remove(0)`) is not a queue and is not reported. When the order of the rest does not matter, `swap_remove(0)` is O(1); when all items are consumed in order, iterating with `drain(..)` or `into_iter()` avoids the shifting altogether. No automatic fix: the field or variable type has to change.',
    },
  },
  nodeTypes: ['call_expression', 'integer_literal', 'let_declaration', 'macro_invocation', 'struct_item', 'field_declaration'],
  check(ctx) {
    const { syntax } = ctx;
    // The method name is part of its call's text: other calls are ruled out without a native read.
    const removes = wordOffsets(ctx.syntax, /remove/g);
    if (removes.length === 0) return;
    for (const call of syntax.nodes('call_expression')) {
      if (!someWithin(removes, syntax.start(call), syntax.end(call))) continue;
      const m = ctx.resolver.methodCall(call);
      if (!m || m.name !== 'remove') continue;
      const args = call.childForFieldName('arguments')?.namedChildren.filter((c) => c.type !== 'line_comment' && c.type !== 'block_comment') ?? [];
      if (args.length !== 1 || !/^0(usize)?$/.test(args[0]!.text)) continue;
      const loop = enclosingLoop(ctx.syntax, call);
      if (!loop) continue;
      if (!isVec(ctx, m.receiver)) continue;
      if (madeInside(ctx, m.receiver, loop)) continue;
      const kw = loop.children.find((c) => c.type === 'for' || c.type === 'while' || c.type === 'loop');
      ctx.report({
        node: call,
        message: `\`${call.text}\` moves every remaining element of this \`Vec\` one slot to the left on each pass of the loop, so draining it from the front costs O(n²) element moves; use a \`VecDeque\` and \`pop_front()\`.`,
        related: kw ? [{ node: kw, message: 'The loop that takes elements off the front one at a time.' }] : [],
      });
    }
  },
});

/** Methods that hand back the `T` of an `Option<T>` (or the value itself). */
const UNWRAPS = new Set(['take', 'unwrap', 'expect', 'unwrap_or_default', 'unwrap_or_else', 'as_mut', 'as_ref', 'get_or_insert_with', 'clone']);

function isVec(ctx: RuleContext, recv: SyntaxNode): boolean {
  if (ctx.resolver.typeOf(recv) === VEC) return true;
  const text = typeText(ctx, recv, 0);
  if (text && ctx.resolver.type(text) === VEC) return true;
  // `let mut v = vec![..];` and `let v: Vec<_> = ..` (the resolver only sees annotations and constructors).
  if (recv.type !== 'identifier') return false;
  const b = ctx.resolver.binding(recv);
  const value = b?.decl.type === 'let_declaration' ? b.decl.childForFieldName('value') : null;
  if (!value || b?.type) return false;
  if (value.type === 'macro_invocation') return macroName(value) === 'vec';
  // `.collect::<Vec<_>>()` and `.to_vec()`
  if (value.type === 'call_expression') {
    const vm = ctx.resolver.methodCall(value);
    if (vm?.name === 'to_vec') return true;
    const fn = value.childForFieldName('function');
    if (vm?.name === 'collect' && fn?.type === 'generic_function') {
      const targs = fn.childForFieldName('type_arguments')?.text ?? '';
      return /^<\s*Vec\s*</.test(targs);
    }
  }
  return false;
}

/**
 * The written type of an expression, for what the resolver's head-only types lose: the `Vec`
 * inside `Option<Vec<T>>` behind `session.queued.take().unwrap_or_default()`. Struct fields are
 * looked up in this file.
 */
function typeText(ctx: RuleContext, e: SyntaxNode, depth: number): string | undefined {
  if (depth > 6) return undefined;
  if (e.type === 'identifier') {
    const b = ctx.resolver.binding(e);
    if (!b) return undefined;
    const t = b.decl.childForFieldName('type');
    if (t) return t.text;
    const v = b.decl.type === 'let_declaration' ? b.decl.childForFieldName('value') : null;
    return v ? typeText(ctx, v, depth + 1) : undefined;
  }
  if (e.type === 'field_expression') {
    const owner = e.childForFieldName('value');
    const field = e.childForFieldName('field')?.text;
    const ownerType = owner ? ctx.resolver.typeOf(owner) : undefined;
    if (!ownerType || !field) return undefined;
    const struct = ownerType.slice(ownerType.lastIndexOf(':') + 1);
    for (const st of ctx.syntax.fileNodes('struct_item')) {
      if (st.childForFieldName('name')?.text !== struct) continue;
      for (const f of ctx.syntax.within('field_declaration', st)) {
        if (f.childForFieldName('name')?.text === field) return f.childForFieldName('type')?.text;
      }
    }
    return undefined;
  }
  if (e.type === 'call_expression') {
    const m = ctx.resolver.methodCall(e);
    if (!m || !UNWRAPS.has(m.name)) return undefined;
    const inner = typeText(ctx, m.receiver, depth + 1)?.replace(/^&\s*(mut\s+)?/, '');
    const opt = inner && /^Option\s*<([\s\S]*)>$/.exec(inner);
    return opt ? opt[1]!.trim() : inner;
  }
  return undefined;
}

/** A vector bound inside the loop (or by its own pattern) is a new one every pass: one `remove(0)` per vector is not a queue. */
function madeInside(ctx: RuleContext, recv: SyntaxNode, loop: SyntaxNode): boolean {
  if (recv.type !== 'identifier') return false;
  const b = ctx.resolver.binding(recv);
  return !!b && ctx.syntax.contains(loop, b.decl);
}
