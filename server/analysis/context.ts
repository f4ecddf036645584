// Where a node sits: in which async body, which loop, which statement. Shared by rules.
import type { SyntaxNode } from '../../grammars/rust.js';
import { isAsyncFn } from './facts.js';
import type { FileSyntax } from './syntax.js';
import { NodeMap } from './node-map.js';

export const BODY_BOUNDARIES = new Set(['function_item', 'closure_expression', 'async_block']);
export const LOOPS = new Set(['loop_expression', 'while_expression', 'for_expression']);

export function isAsyncClosure(node: SyntaxNode): boolean {
  return node.type === 'closure_expression' && node.children.some((c) => c.type === 'async');
}

/**
 * Rules and facts ask for the body or loop around nearly every call and await. Mostly file
 * offsets tell (`FileSyntax.enclosingOf`); otherwise the tree is climbed, each step a native
 * call. The answer for a node is the answer for its parent unless the parent itself decides it,
 * so one climb answers every node on the way up: those answers are kept per file (`decide`
 * returns the answer, null for "none", or undefined to keep climbing).
 */
type Decide = (parent: SyntaxNode) => SyntaxNode | null | undefined;
const enclosingCaches = new WeakMap<FileSyntax, Map<Decide, NodeMap<SyntaxNode | null>>>();

function enclosing(syntax: FileSyntax, node: SyntaxNode, decide: Decide): SyntaxNode | undefined {
  let perFile = enclosingCaches.get(syntax);
  if (!perFile) enclosingCaches.set(syntax, (perFile = new Map()));
  let cache = perFile.get(decide);
  if (!cache) perFile.set(decide, (cache = new NodeMap()));
  const chain: SyntaxNode[] = [];
  let result: SyntaxNode | null | undefined;
  for (let cur = node; ; ) {
    result = cache.get(cur);
    if (result !== undefined) break;
    chain.push(cur);
    const p = syntax.parent(cur);
    if (!p) {
      result = null;
      break;
    }
    result = decide(p);
    if (result !== undefined) break;
    cur = p;
  }
  for (const k of chain) cache.set(k, result);
  return result ?? undefined;
}

const decideBody: Decide = (p) => (BODY_BOUNDARIES.has(p.type) ? p : undefined);
const decideLoop: Decide = (p) => {
  const t = p.type;
  if (LOOPS.has(t)) return p;
  return BODY_BOUNDARIES.has(t) ? null : undefined;
};

const BODY_TYPES = [...BODY_BOUNDARIES];
const LOOP_OR_BODY_TYPES = [...LOOPS, ...BODY_BOUNDARIES];

/** The innermost fn, closure or async block around `node`. */
export function enclosingBody(syntax: FileSyntax, node: SyntaxNode): SyntaxNode | undefined {
  const found = syntax.enclosingOf(BODY_TYPES, node);
  return found !== null ? found : enclosing(syntax, node, decideBody);
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
  const found = syntax.enclosingOf(LOOP_OR_BODY_TYPES, node);
  if (found === null) return enclosing(syntax, node, decideLoop);
  return found && LOOPS.has(found.type) ? found : undefined;
}

/** Whether the value of `node` is thrown away: `expr;` or `let _ = expr;`. */
export function isDiscarded(syntax: FileSyntax, node: SyntaxNode): boolean {
  // Asked for nearly every call, and a native `parent` is a descent from the root: the statement
  // or `let` that could hold `node` is found by offsets instead, and the text rules out most
  // candidates before any native call. A statement holding `node` starts where it does and ends
  // where it does, but for a `;` (or a comment); the value of a `let` follows its `=`.
  const end = syntax.end(node);
  if (syntax.covers(node) && syntax.start(node) < end) {
    const text = syntax.text;
    for (const stmt of syntax.startingAt('expression_statement', node)) {
      const last = text[stmt.end - 1] === ';' ? codeBefore(text, stmt.end - 1) : { at: stmt.end, ch: '' };
      if ((last.at === end || last.ch === '/') && syntax.same(stmt.node.firstNamedChild, node)) return true;
    }
    const { ch } = codeBefore(text, syntax.start(node));
    if (ch !== '=' && ch !== '/') return false;
    const decl = syntax.enclosingOf(LET, node);
    if (!decl) return false;
    if (!mayBindUnderscore(syntax, decl)) return false;
    return decl.childForFieldName('pattern')?.text === '_' && syntax.same(decl.childForFieldName('value'), node);
  }
  const p = syntax.parent(node);
  if (!p) return false;
  if (p.type === 'expression_statement') return true;
  if (p.type === 'let_declaration') {
    const pat = p.childForFieldName('pattern');
    return pat?.text === '_' && syntax.same(p.childForFieldName('value'), node);
  }
  return false;
}

const LET = ['let_declaration'];

/** `let _` / `let mut _` (or a comment, which could hide one) at a `let` declaration's start. */
const LET_UNDERSCORE = /let\s*(?:mut\b\s*)?(?:_(?![\p{L}\p{N}_])|\/)/uy;

/** Whether a `let`'s text may bind `_` (a cheap test before its pattern is read from the tree). */
export function mayBindUnderscore(syntax: FileSyntax, decl: SyntaxNode): boolean {
  LET_UNDERSCORE.lastIndex = syntax.start(decl);
  return LET_UNDERSCORE.test(syntax.text);
}

/**
 * The last character before `i` that is not space, and the offset after it; '/' when a comment
 * may end there (a line comment ends in any character), which sends the caller to the exact check.
 */
export function codeBefore(text: string, i: number): { at: number; ch: string } {
  let newline = false;
  while (i > 0 && /\s/.test(text[i - 1]!)) {
    if (text[i - 1] === '\n') newline = true;
    i--;
  }
  if (newline && text.slice(text.lastIndexOf('\n', i - 1) + 1, i).includes('//')) return { at: i, ch: '/' };
  return { at: i, ch: text[i - 1] ?? '' };
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
