// `// awaitlens: allow(rule-id, ...)` silences a finding on its own line, on the line below, or,
// when it stands right before a fn, impl, trait or mod (attributes may come between), in the
// whole item.
import type { SyntaxNode } from '../../grammars/rust.js';
import type { FileSyntax } from './syntax.js';

const ALLOW = /awaitlens:\s*allow\(([^)]*)\)/;
const SCOPED_ITEMS = new Set(['function_item', 'impl_item', 'trait_item', 'mod_item', 'struct_item', 'enum_item']);

interface Allowance {
  rules: Set<string>;
  /** Allowed offsets: [start, end) */
  start: number;
  end: number;
}

export class Suppressions {
  private readonly allowances: Allowance[] = [];

  constructor(syntax: FileSyntax) {
    // Comments from the main tree only: there, comments inside macro bodies are tokens with
    // file offsets, and the same comment is not counted twice through a macro piece.
    {
      for (const c of allowComments(syntax)) {
        const m = ALLOW.exec(c.text);
        if (!m) continue;
        const rules = new Set(m[1]!.split(',').map((s) => s.trim()).filter(Boolean));
        const line = syntax.span(c).start.line;
        const lines = syntax.lines;
        // The comment's own line and the next one.
        const start = lines.lineStarts[line]!;
        const end = lines.lineStarts[line + 2] ?? syntax.text.length;
        this.allowances.push({ rules, start, end });
        const item = nextItem(c);
        if (item && SCOPED_ITEMS.has(item.type)) this.allowances.push({ rules, start: syntax.start(item), end: syntax.end(item) });
      }
    }
  }

  isAllowed(rule: string, offset: number): boolean {
    return this.allowances.some((a) => offset >= a.start && offset < a.end && (a.rules.has(rule) || a.rules.has('all')));
  }
}

function nextItem(comment: SyntaxNode): SyntaxNode | undefined {
  let n = comment.nextNamedSibling;
  while (n && (n.type === 'attribute_item' || n.type === 'line_comment' || n.type === 'block_comment')) n = n.nextNamedSibling;
  return n ?? undefined;
}

/**
 * The comments that can hold an allow: found from where `awaitlens:` occurs in the text, which is
 * much cheaper on a large file than visiting every comment (the language server runs this on
 * every keystroke). Same comments, same order as a walk over all comments.
 */
function allowComments(syntax: FileSyntax): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const root = syntax.root;
  const text = syntax.text;
  // A scoped analysis searches only where an allow can reach its findings, not the whole text.
  const windows = syntax.scope ? scopeWindows(syntax, syntax.scope).sort((x, y) => x[0] - y[0]) : [[0, text.length] as [number, number]];
  const hits: number[] = [];
  let from = 0;
  for (const [a, b] of windows) {
    for (let i = text.indexOf('awaitlens:', Math.max(a, from)); i !== -1 && i < b; i = text.indexOf('awaitlens:', i + 1)) hits.push(i);
    from = Math.max(from, b);
  }
  let last = -1;
  for (const i of hits) {
    let n: SyntaxNode | null = root.descendantForIndex(i, i + 1);
    while (n && n.type !== 'line_comment' && n.type !== 'block_comment') n = n.parent;
    if (!n || n.startIndex <= last) continue;
    last = n.startIndex;
    out.push(n);
  }
  return out;
}

/**
 * Where an allow comment can silence a finding of a scoped analysis (whose findings all lie in
 * the scope): from the line before each scope root to its end, and the leading comments and
 * attributes of the items around the roots (an allow before an `impl` covers its methods).
 */
function scopeWindows(syntax: FileSyntax, roots: readonly SyntaxNode[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const r of roots) {
    const line = syntax.lines.lineOf(syntax.start(r));
    out.push([syntax.lines.lineStarts[Math.max(0, line - 1)]!, syntax.end(r)]);
    for (let a = r.parent; a && a.type !== 'source_file'; a = a.parent) {
      if (!SCOPED_ITEMS.has(a.type)) continue;
      let first = a;
      for (let p = a.previousNamedSibling; p && (p.type === 'attribute_item' || p.type === 'line_comment' || p.type === 'block_comment'); p = p.previousNamedSibling) first = p;
      out.push([syntax.lines.lineStarts[Math.max(0, syntax.lines.lineOf(first.startIndex) - 1)]!, a.startIndex]);
    }
  }
  return out;
}
