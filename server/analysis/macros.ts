// tree-sitter-rust leaves every macro body as a flat token tree. Async code lives inside macros
// all the time (select!, join!, pin!, cfg-style item wrappers), so each body is re-parsed as the
// Rust it stands for. A piece is parsed on its own with a small wrapper around the verbatim
// source text, so a node's original offset is its snippet offset plus one constant shift.
import { parse, type SyntaxNode, type Tree } from '../../grammars/rust.js';

export type PieceRole = 'args' | 'items' | 'statements' | 'pattern' | 'future' | 'precondition' | 'handler';

export interface Piece {
  role: PieceRole;
  tree: Tree;
  /** Add to a snippet offset to get the offset in the file. */
  shift: number;
  /** The node standing for the piece (an expression, `arguments`, a block or `source_file`). */
  root: SyntaxNode;
}

export interface SelectBranch {
  pattern?: Piece;
  future?: Piece;
  precondition?: Piece;
  handler?: Piece;
  /** `else =>` (tokio) or `complete =>` / `default =>` (futures). */
  isFallback: boolean;
}

export interface Expansion {
  macro: SyntaxNode;
  /** Last path segment of the macro's name: `select` for `tokio::select!`. */
  name: string;
  kind: 'select' | 'args' | 'items' | 'statements';
  pieces: Piece[];
  /** For `select!`: its branches in source order. */
  branches: SelectBranch[];
  biased: boolean;
}

const SELECT_MACROS = new Set(['select', 'select_biased', 'try_select']);
const FALLBACK_BRANCHES = new Set(['else', 'complete', 'default']);
const ITEM_KEYWORDS = new Set(['fn', 'pub', 'impl', 'struct', 'enum', 'use', 'mod', 'const', 'static', 'type', 'trait', 'async', 'unsafe', 'extern', '#']);
// Bodies of these never hold code awaitlens needs, and some (stringify!, concat!) hold arbitrary tokens.
const OPAQUE_MACROS = new Set([
  'stringify', 'concat', 'include', 'include_str', 'include_bytes', 'env', 'option_env', 'cfg',
  'compile_error', 'module_path', 'file', 'line', 'column', 'concat_idents', 'quote', 'quote_spanned',
  'macro_rules',
]);

const EXPR_PREFIX = 'fn __awaitlens(){(';
const EXPR_SUFFIX = '\n);}';
const ARGS_PREFIX = 'fn __awaitlens(){__awaitlens(';
const STMTS_PREFIX = 'fn __awaitlens(){';
const STMTS_SUFFIX = '\n}';
const PATTERN_PREFIX = 'fn __awaitlens(){let ';
const PATTERN_SUFFIX = '\n=();}';

export function macroName(node: SyntaxNode): string {
  const m = node.childForFieldName('macro');
  if (!m) return '';
  if (m.type === 'scoped_identifier') return m.childForFieldName('name')?.text ?? '';
  return m.text;
}

function tokenTreeOf(node: SyntaxNode): SyntaxNode | undefined {
  for (let i = node.childCount - 1; i >= 0; i--) {
    const c = node.child(i);
    if (c?.type === 'token_tree') return c;
  }
  return undefined;
}

function firstNamed(node: SyntaxNode | null | undefined): SyntaxNode | undefined {
  if (!node) return undefined;
  for (const c of node.namedChildren) if (c.type !== 'line_comment' && c.type !== 'block_comment') return c;
  return undefined;
}

/** Parse `fileText[start, end)` wrapped in prefix/suffix; undefined when the result has errors. */
function parsePiece(
  fileText: string,
  start: number,
  end: number,
  prefix: string,
  suffix: string,
  role: PieceRole,
  pick: (fnBody: SyntaxNode) => SyntaxNode | undefined,
): Piece | undefined {
  if (end < start) return undefined;
  const tree = parse(prefix + fileText.slice(start, end) + suffix);
  // A body that is not Rust (a DSL macro, or code mid-edit) stays opaque rather than misread.
  if (tree.rootNode.hasError) return undefined;
  let root: SyntaxNode | undefined = tree.rootNode;
  if (role !== 'items') {
    const body = tree.rootNode.firstNamedChild?.childForFieldName('body');
    root = body ? pick(body) : undefined;
  }
  if (!root) return undefined;
  return { role, tree, shift: start - prefix.length, root };
}

function exprPiece(fileText: string, start: number, end: number, role: PieceRole): Piece | undefined {
  return parsePiece(fileText, start, end, EXPR_PREFIX, EXPR_SUFFIX, role, (body) => {
    const paren = firstNamed(firstNamed(body));
    // `(expr)` parses as a parenthesized expression; its inner expression is the piece.
    return paren?.type === 'parenthesized_expression' ? firstNamed(paren) : undefined;
  });
}

/**
 * Re-parse one macro invocation. `shift` is the offset shift of the tree holding `node`, and
 * `fileText` is the whole file, so nested invocations inside pieces expand the same way.
 */
export function expandMacro(node: SyntaxNode, shift: number, fileText: string): Expansion | undefined {
  const name = macroName(node);
  if (!name || OPAQUE_MACROS.has(name)) return undefined;
  const tt = tokenTreeOf(node);
  if (!tt || tt.childCount < 2) return undefined;
  const open = tt.child(0)!;
  const close = tt.child(tt.childCount - 1)!;
  const bodyStart = open.endIndex + shift;
  const bodyEnd = close.startIndex + shift;
  const base: Expansion = { macro: node, name, kind: 'args', pieces: [], branches: [], biased: false };

  if (SELECT_MACROS.has(name)) return expandSelect(base, tt, shift, fileText);

  const firstTok = tt.childCount > 2 ? tt.child(1)! : undefined;
  const looksLikeItems = open.type === '{' && firstTok !== undefined && ITEM_KEYWORDS.has(firstTok.type === 'identifier' ? firstTok.text : firstTok.type);
  const attempts: Array<() => Piece | undefined> = [];
  const items = () =>
    parsePiece(fileText, bodyStart, bodyEnd, '', '', 'items', () => undefined);
  const args = () =>
    parsePiece(fileText, bodyStart, bodyEnd, ARGS_PREFIX, EXPR_SUFFIX, 'args', (body) => {
      const call = firstNamed(firstNamed(body));
      return call?.type === 'call_expression' ? call.childForFieldName('arguments') ?? undefined : undefined;
    });
  const stmts = () =>
    parsePiece(fileText, bodyStart, bodyEnd, STMTS_PREFIX, STMTS_SUFFIX, 'statements', (body) => body);
  if (looksLikeItems) attempts.push(items, stmts);
  else if (open.type === '{') attempts.push(stmts, args, items);
  else attempts.push(args, stmts);
  for (const attempt of attempts) {
    const piece = attempt();
    if (piece) {
      base.kind = piece.role as Expansion['kind'];
      base.pieces.push(piece);
      return base;
    }
  }
  return undefined;
}

/**
 * `select!` body grammar: `[biased;] (pattern = future [, if precondition] => handler[,])* [else => handler]`.
 * The token tree keeps nested delimiters as sub-trees, so separators are found at the top level.
 */
function expandSelect(base: Expansion, tt: SyntaxNode, shift: number, fileText: string): Expansion | undefined {
  base.kind = 'select';
  const toks: SyntaxNode[] = [];
  for (let i = 1; i < tt.childCount - 1; i++) {
    const c = tt.child(i)!;
    if (c.type !== 'line_comment' && c.type !== 'block_comment') toks.push(c);
  }
  let i = 0;
  if (toks[0]?.text === 'biased' && toks[1]?.type === ';') {
    base.biased = true;
    i = 2;
  }
  const start = (t: SyntaxNode) => t.startIndex + shift;
  const end = (t: SyntaxNode) => t.endIndex + shift;
  const find = (from: number, pred: (t: SyntaxNode, k: number) => boolean): number => {
    for (let k = from; k < toks.length; k++) if (pred(toks[k]!, k)) return k;
    return -1;
  };
  while (i < toks.length) {
    const branch: SelectBranch = { isFallback: false };
    const arrow = find(i, (t) => t.type === '=>');
    if (arrow === -1) break;
    const eq = find(i, (t, k) => t.type === '=' && k < arrow);
    if (eq === -1) {
      branch.isFallback = arrow === i + 1 && FALLBACK_BRANCHES.has(toks[i]!.text);
      if (!branch.isFallback) break;
    } else {
      if (eq > i) branch.pattern = parsePiece(fileText, start(toks[i]!), end(toks[eq - 1]!), PATTERN_PREFIX, PATTERN_SUFFIX, 'pattern', (body) => firstNamed(body)?.childForFieldName('pattern') ?? undefined);
      const ifAt = find(eq + 1, (t, k) => k < arrow && t.type === 'if' && toks[k - 1]?.type === ',');
      const futEnd = ifAt === -1 ? arrow : ifAt - 1;
      if (futEnd > eq + 1) branch.future = exprPiece(fileText, start(toks[eq + 1]!), end(toks[futEnd - 1]!), 'future');
      if (ifAt !== -1 && arrow > ifAt + 1) branch.precondition = exprPiece(fileText, start(toks[ifAt + 1]!), end(toks[arrow - 1]!), 'precondition');
    }
    // A handler is a block (then an optional comma) or an expression up to the next top-level comma.
    let next: number;
    const h = toks[arrow + 1];
    if (!h) break;
    if (h.type === 'token_tree' && h.text.startsWith('{')) {
      branch.handler = exprPiece(fileText, start(h), end(h), 'handler');
      next = toks[arrow + 2]?.type === ',' ? arrow + 3 : arrow + 2;
    } else {
      const comma = find(arrow + 1, (t) => t.type === ',');
      const last = comma === -1 ? toks.length - 1 : comma - 1;
      branch.handler = exprPiece(fileText, start(h), end(toks[last]!), 'handler');
      next = comma === -1 ? toks.length : comma + 1;
    }
    for (const p of [branch.pattern, branch.future, branch.precondition, branch.handler]) if (p) base.pieces.push(p);
    base.branches.push(branch);
    i = next;
  }
  return base.branches.length > 0 ? base : undefined;
}
