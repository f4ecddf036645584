// Where a node sits: in which async body, which loop, which statement. Shared by rules.
import type { SyntaxNode } from '../../grammars/rust.js';
import { isAsyncFn } from './facts.js';
import type { FileSyntax } from './syntax.js';

export const BODY_BOUNDARIES = new Set(['function_item', 'closure_expression', 'async_block']);
export const LOOPS = new Set(['loop_expression', 'while_expression', 'for_expression']);

export function isAsyncClosure(node: SyntaxNode): boolean {
  return node.type === 'closure_expression' && node.children.some((c) => c.type === 'async');
}

/** The innermost fn, closure or async block around `node`. */
export function enclosingBody(syntax: FileSyntax, node: SyntaxNode): SyntaxNode | undefined {
  for (const a of syntax.ancestors(node)) if (BODY_BOUNDARIES.has(a.type)) return a;
  return undefined;
}

/** The async fn / async block / async closure whose body runs `node`, if that body is async. */
export function asyncBodyOf(syntax: FileSyntax, node: SyntaxNode): SyntaxNode | undefined {
  const body = enclosingBody(syntax, node);
  if (!body) return undefined;
  if (body.type === 'async_block') return body;
  if (body.type === 'function_item') return isAsyncFn(body) ? body : undefined;
  return isAsyncClosure(body) ? body : undefined;
}

/** The innermost loop around `node` inside the same body. */
export function enclosingLoop(syntax: FileSyntax, node: SyntaxNode): SyntaxNode | undefined {
  for (const a of syntax.ancestors(node)) {
    if (LOOPS.has(a.type)) return a;
    if (BODY_BOUNDARIES.has(a.type)) return undefined;
  }
  return undefined;
}

/** Whether the value of `node` is thrown away: `expr;` or `let _ = expr;`. */
export function isDiscarded(syntax: FileSyntax, node: SyntaxNode): boolean {
  const p = syntax.parent(node);
  if (!p) return false;
  if (p.type === 'expression_statement') return true;
  if (p.type === 'let_declaration') {
    const pat = p.childForFieldName('pattern');
    return pat?.text === '_' && syntax.same(p.childForFieldName('value'), node);
  }
  return false;
}

/** Unwraps `(x)`, `&x`, `&mut x` to the expression inside. */
export function unwrapExpr(node: SyntaxNode): SyntaxNode {
  let n = node;
  while ((n.type === 'parenthesized_expression' || n.type === 'reference_expression') && n.namedChildren.length > 0) {
    n = n.namedChildren[n.namedChildren.length - 1]!;
  }
  return n;
}

/** The source text of a call's arguments, without the parentheses. */
export function argsText(call: SyntaxNode): string {
  const args = call.childForFieldName('arguments');
  return args ? args.text.slice(1, -1) : '';
}
