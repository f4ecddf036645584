// tree-sitter-rust leaves every macro body as a flat token tree. Async code lives inside macros
// all the time (select!, join!, pin!, cfg-style item wrappers), so each body is re-parsed as the
// Rust it stands for. Each piece of a body is wrapped (in a fn, or a mod for items) around its
// verbatim source text; all pieces of one nesting level of a file go into ONE parse, because a
// parse call costs far more than the bytes it reads and real files hold thousands of macros.
// A node's file offset is its offset in the batch plus the constant shift of its piece.
import { parse, type SyntaxNode, type Tree } from '../../grammars/rust.js';

export type PieceRole = 'args' | 'items' | 'statements' | 'pattern' | 'future' | 'precondition' | 'handler';

export interface Piece {
  role: PieceRole;
  tree: Tree;
  /** Add to an offset in `tree` to get the offset in the file. */
  shift: number;
  /** The node standing for the piece (an expression, `arguments`, a block or a declaration list). */
  root: SyntaxNode;
  /** The piece's wrapper in the batch tree, from its first to its last character. */
  wrapperStart: number;
  wrapperEnd: number;
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
  'macro_rules', 'matches',
]);

interface Wrapper {
  prefix: string;
  suffix: string;
  /** From the wrapper node (a function_item or mod_item) to the piece's root. */
  pick: (wrapper: SyntaxNode) => SyntaxNode | undefined;
}

function firstNamed(node: SyntaxNode | null | undefined): SyntaxNode | undefined {
  if (!node) return undefined;
  for (const c of node.namedChildren) if (c.type !== 'line_comment' && c.type !== 'block_comment') return c;
  return undefined;
}

const fnBody = (w: SyntaxNode) => w.childForFieldName('body') ?? undefined;

const WRAP: Record<'expr' | 'args' | 'statements' | 'items' | 'pattern', Wrapper> = {
  // `(expr)` parses as a parenthesized expression; its inner expression is the piece.
  expr: {
    prefix: 'fn __awaitlens(){(',
    suffix: '\n);}',
    pick: (w) => {
      const paren = firstNamed(firstNamed(fnBody(w)));
      return paren?.type === 'parenthesized_expression' ? firstNamed(paren) : undefined;
    },
  },
  args: {
    prefix: 'fn __awaitlens(){__awaitlens(',
    suffix: '\n);}',
    pick: (w) => {
      const call = firstNamed(firstNamed(fnBody(w)));
      return call?.type === 'call_expression' ? call.childForFieldName('arguments') ?? undefined : undefined;
    },
  },
  statements: { prefix: 'fn __awaitlens(){', suffix: '\n}', pick: fnBody },
  items: { prefix: 'mod __awaitlens{', suffix: '\n}', pick: (w) => w.childForFieldName('body') ?? undefined },
  pattern: {
    prefix: 'fn __awaitlens(){let ',
    suffix: '\n=();}',
    pick: (w) => firstNamed(fnBody(w))?.childForFieldName('pattern') ?? undefined,
  },
};

/** A piece to parse: its text range in the file and how to wrap it. */
interface PiecePlan {
  role: PieceRole;
  start: number;
  end: number;
  wrap: Wrapper;
  /** Receives the parsed piece (undefined when it did not parse cleanly). */
  done: (piece: Piece | undefined) => void;
}

/** A macro waiting for its pieces: `attempts` are alternative readings tried in order. */
interface MacroPlan {
  expansion: Expansion;
  attempts: Array<Array<Omit<PiecePlan, 'done'>>>;
  /** For select!: plans with their own completion. */
  selectPlans?: PiecePlan[];
}

export function macroName(node: SyntaxNode): string {
  const m = node.childForFieldName('macro');
  if (!m) return '';
  if (m.type === 'scoped_identifier') return m.childForFieldName('name')?.text ?? '';
  return m.text;
}

function tokenTreeOf(node: SyntaxNode): SyntaxNode | undefined {
  const last = node.lastChild;
  return last?.type === 'token_tree' ? last : undefined;
}

/**
 * Expand many macro invocations at once. `shiftOf` gives the offset shift of the tree each
 * invocation sits in; `fileText` is the whole file. Returns the expansions that produced pieces.
 */
export function expandMacros(macros: readonly SyntaxNode[], shiftOf: (n: SyntaxNode) => number, fileText: string): Expansion[] {
  const plans: MacroPlan[] = [];
  for (const m of macros) {
    const p = planMacro(m, shiftOf(m), fileText);
    if (p) plans.push(p);
  }
  // Select pieces have no alternatives: they share the first round's batch (a parse, and every
  // walk of its tree, has a fixed cost far above that of the bytes it reads).
  const selectPieces = plans.flatMap((p) => p.selectPlans ?? []);
  // Other macros: try each reading in turn, batching every macro still unresolved.
  let pending = plans.filter((p) => !p.selectPlans);
  for (let round = 0; (pending.length > 0 || round === 0) && round < 3; round++) {
    const batch: PiecePlan[] = round === 0 ? selectPieces : [];
    const failed = new Set<MacroPlan>();
    for (const mp of pending) {
      const attempt = mp.attempts[round];
      if (!attempt) continue;
      for (const a of attempt) {
        batch.push({
          ...a,
          done: (piece) => {
            if (piece) mp.expansion.pieces.push(piece);
            else failed.add(mp);
          },
        });
      }
    }
    if (batch.length === 0) break;
    parseBatch(batch, fileText);
    for (const mp of pending) {
      if (failed.has(mp)) mp.expansion.pieces = [];
      else if (mp.attempts[round]) mp.expansion.kind = mp.attempts[round]![0]!.role as Expansion['kind'];
    }
    pending = pending.filter((mp) => failed.has(mp));
  }
  return plans
    .map((p) => p.expansion)
    .filter((e) => (e.kind === 'select' ? e.branches.length > 0 : e.pieces.length > 0));
}

function planMacro(node: SyntaxNode, shift: number, fileText: string): MacroPlan | undefined {
  const name = macroName(node);
  if (!name || OPAQUE_MACROS.has(name)) return undefined;
  const tt = tokenTreeOf(node);
  if (!tt) return undefined;
  const n = tt.childCount;
  if (n < 3) return undefined; // empty body
  const open = tt.firstChild!;
  const close = tt.lastChild!;
  const bodyStart = open.endIndex + shift;
  const bodyEnd = close.startIndex + shift;
  if (!/\S/.test(fileText.slice(bodyStart, bodyEnd))) return undefined;
  const expansion: Expansion = { macro: node, name, kind: 'args', pieces: [], branches: [], biased: false };
  if (SELECT_MACROS.has(name)) {
    const selectPlans = planSelect(expansion, tt, shift);
    return selectPlans ? { expansion, attempts: [], selectPlans } : undefined;
  }
  const first = tt.child(1)!;
  const firstWord = first.type === 'identifier' ? first.text : first.type;
  const piece = (role: 'args' | 'statements' | 'items') => [{ role, start: bodyStart, end: bodyEnd, wrap: WRAP[role] }];
  const attempts =
    open.type === '{'
      ? ITEM_KEYWORDS.has(firstWord)
        ? [piece('items'), piece('statements')]
        : [piece('statements'), piece('args'), piece('items')]
      : [piece('args'), piece('statements')];
  return { expansion, attempts };
}

/**
 * `select!` body grammar: `[biased;] (pattern = future [, if precondition] => handler[,])* [else => handler]`.
 * The token tree keeps nested delimiters as sub-trees, so separators are found at the top level.
 */
function planSelect(exp: Expansion, tt: SyntaxNode, shift: number): PiecePlan[] | undefined {
  exp.kind = 'select';
  const toks: SyntaxNode[] = [];
  const kids = tt.children;
  for (let i = 1; i < kids.length - 1; i++) {
    const c = kids[i]!;
    if (c.type !== 'line_comment' && c.type !== 'block_comment') toks.push(c);
  }
  const plans: PiecePlan[] = [];
  let i = 0;
  if (toks[0]?.text === 'biased' && toks[1]?.type === ';') {
    exp.biased = true;
    i = 2;
  }
  const start = (t: SyntaxNode) => t.startIndex + shift;
  const end = (t: SyntaxNode) => t.endIndex + shift;
  const find = (from: number, pred: (t: SyntaxNode, k: number) => boolean): number => {
    for (let k = from; k < toks.length; k++) if (pred(toks[k]!, k)) return k;
    return -1;
  };
  const plan = (role: PieceRole, s: number, e: number, wrap: Wrapper, set: (p: Piece) => void) =>
    plans.push({ role, start: s, end: e, wrap, done: (p) => p && set(p) });
  while (i < toks.length) {
    const branch: SelectBranch = { isFallback: false };
    const arrow = find(i, (t) => t.type === '=>');
    if (arrow === -1) break;
    const eq = find(i, (t, k) => t.type === '=' && k < arrow);
    if (eq === -1) {
      branch.isFallback = arrow === i + 1 && FALLBACK_BRANCHES.has(toks[i]!.text);
      if (!branch.isFallback) break;
    } else {
      if (eq > i) plan('pattern', start(toks[i]!), end(toks[eq - 1]!), WRAP.pattern, (p) => (branch.pattern = p));
      const ifAt = find(eq + 1, (t, k) => k < arrow && t.type === 'if' && toks[k - 1]?.type === ',');
      const futEnd = ifAt === -1 ? arrow : ifAt - 1;
      if (futEnd > eq + 1) plan('future', start(toks[eq + 1]!), end(toks[futEnd - 1]!), WRAP.expr, (p) => (branch.future = p));
      if (ifAt !== -1 && arrow > ifAt + 1) plan('precondition', start(toks[ifAt + 1]!), end(toks[arrow - 1]!), WRAP.expr, (p) => (branch.precondition = p));
    }
    // A handler is a block (then an optional comma) or an expression up to the next top-level comma.
    const h = toks[arrow + 1];
    if (!h) break;
    let next: number;
    if (h.type === 'token_tree' && h.text.startsWith('{')) {
      plan('handler', start(h), end(h), WRAP.expr, (p) => (branch.handler = p));
      next = toks[arrow + 2]?.type === ',' ? arrow + 3 : arrow + 2;
    } else {
      const comma = find(arrow + 1, (t) => t.type === ',');
      const last = comma === -1 ? toks.length - 1 : comma - 1;
      plan('handler', start(h), end(toks[last]!), WRAP.expr, (p) => (branch.handler = p));
      next = comma === -1 ? toks.length : comma + 1;
    }
    exp.branches.push(branch);
    i = next;
  }
  if (exp.branches.length === 0) return undefined;
  // Pieces are listed in source order once parsed.
  const order = new Map(plans.map((p, k) => [p, k]));
  const parsed: Array<[number, Piece]> = [];
  for (const p of plans) {
    const done = p.done;
    p.done = (piece) => {
      done(piece);
      if (piece) {
        parsed.push([order.get(p)!, piece]);
        parsed.sort((a, b) => a[0] - b[0]);
        exp.pieces = parsed.map((x) => x[1]);
      }
    };
  }
  return plans;
}

/** Parse every plan in one tree; a plan whose wrapper has a syntax error gets `undefined`. */
function parseBatch(plans: PiecePlan[], fileText: string): void {
  const parts: string[] = [];
  const wrapperStarts: number[] = [];
  const textStarts: number[] = [];
  let len = 0;
  for (const p of plans) {
    wrapperStarts.push(len);
    textStarts.push(len + p.wrap.prefix.length);
    const text = p.wrap.prefix + fileText.slice(p.start, p.end) + p.wrap.suffix + '\n';
    parts.push(text);
    len += text.length;
  }
  const tree = parse(parts.join(''));
  const byStart = new Map<number, SyntaxNode>();
  for (const w of tree.rootNode.namedChildren) byStart.set(w.startIndex, w);
  plans.forEach((p, k) => {
    const w = byStart.get(wrapperStarts[k]!);
    // A body that is not Rust (a DSL macro, or code mid-edit) stays opaque rather than misread.
    if (!w || w.hasError || (w.type !== 'function_item' && w.type !== 'mod_item')) return p.done(undefined);
    const root = p.wrap.pick(w);
    if (!root) return p.done(undefined);
    p.done({ role: p.role, tree, shift: p.start - textStarts[k]!, root, wrapperStart: wrapperStarts[k]!, wrapperEnd: w.endIndex });
  });
}
