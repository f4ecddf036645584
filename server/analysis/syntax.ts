// One file's syntax as rules see it: the tree-sitter tree plus the re-parsed bodies of its
// macros, joined into a single tree. Rules must go through this facade for parents, offsets
// and spans, because a node inside a macro piece has offsets relative to its own snippet.
import type { SyntaxNode, Tree } from '../../grammars/rust.js';
import { expandMacro, type Expansion, type Piece } from './macros.js';
import type { LineIndex } from './line-index.js';
import type { Span } from './types.js';

const MAX_MACRO_DEPTH = 6;

interface PieceLink {
  piece: Piece;
  macro: SyntaxNode;
}

export class FileSyntax {
  private readonly buckets = new Map<string, SyntaxNode[]>();
  private readonly shifts = new WeakMap<Tree, number>();
  private readonly links = new WeakMap<Tree, PieceLink>();
  private readonly expansions = new Map<string, Expansion>();
  private readonly treeIds = new WeakMap<Tree, number>();
  private nextTreeId = 0;
  /** Trees of macro pieces; kept so the nodes handed to rules stay valid. */
  readonly pieceTrees: Tree[] = [];

  constructor(
    readonly tree: Tree,
    readonly text: string,
    readonly lines: LineIndex,
  ) {
    this.shifts.set(tree, 0);
    this.walk(tree.rootNode, 0, 0);
  }

  get root(): SyntaxNode {
    return this.tree.rootNode;
  }

  /** Every named node of `type`, the main tree and macro pieces together, in source order. */
  nodes(type: string): readonly SyntaxNode[] {
    return this.buckets.get(type) ?? [];
  }

  /** Nodes of `type` lying inside `container` (macro pieces included). */
  within(type: string, container: SyntaxNode): SyntaxNode[] {
    const all = this.nodes(type);
    const s = this.start(container);
    const e = this.end(container);
    let lo = 0;
    let hi = all.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.start(all[mid]!) < s) lo = mid + 1;
      else hi = mid;
    }
    const out: SyntaxNode[] = [];
    for (let i = lo; i < all.length; i++) {
      const n = all[i]!;
      if (this.start(n) >= e) break;
      if (this.end(n) <= e) out.push(n);
    }
    return out;
  }

  shiftOf(node: SyntaxNode): number {
    return this.shifts.get(node.tree) ?? 0;
  }

  start(node: SyntaxNode): number {
    return node.startIndex + this.shiftOf(node);
  }

  end(node: SyntaxNode): number {
    return node.endIndex + this.shiftOf(node);
  }

  span(node: SyntaxNode): Span {
    return this.lines.span(this.start(node), this.end(node));
  }

  spanOf(start: number, end: number): Span {
    return this.lines.span(start, end);
  }

  key(node: SyntaxNode): string {
    let t = this.treeIds.get(node.tree);
    if (t === undefined) {
      t = this.nextTreeId++;
      this.treeIds.set(node.tree, t);
    }
    return `${t}:${node.id}`;
  }

  same(a: SyntaxNode | null | undefined, b: SyntaxNode | null | undefined): boolean {
    return !!a && !!b && a.id === b.id && a.tree === b.tree;
  }

  contains(outer: SyntaxNode, inner: SyntaxNode): boolean {
    return this.start(inner) >= this.start(outer) && this.end(inner) <= this.end(outer);
  }

  /** The parent, stepping out of a macro piece to the macro invocation that holds it. */
  parent(node: SyntaxNode): SyntaxNode | undefined {
    const link = this.links.get(node.tree);
    if (link && link.piece.root.id === node.id) return link.macro;
    return node.parent ?? undefined;
  }

  *ancestors(node: SyntaxNode): Generator<SyntaxNode> {
    for (let p = this.parent(node); p; p = this.parent(p)) yield p;
  }

  /** The macro piece a node sits in, if any (the innermost). */
  pieceOf(node: SyntaxNode): PieceLink | undefined {
    return this.links.get(node.tree);
  }

  expansion(macro: SyntaxNode): Expansion | undefined {
    return this.expansions.get(this.key(macro));
  }

  allExpansions(): IterableIterator<Expansion> {
    return this.expansions.values();
  }

  private walk(root: SyntaxNode, shift: number, depth: number): void {
    const cursor = root.walk();
    for (;;) {
      const type = cursor.nodeType;
      let descend = true;
      if (cursor.nodeIsNamed) {
        const node = cursor.currentNode;
        let bucket = this.buckets.get(type);
        if (!bucket) this.buckets.set(type, (bucket = []));
        bucket.push(node);
        if (type === 'macro_invocation' && depth < MAX_MACRO_DEPTH) {
          const exp = expandMacro(node, shift, this.text);
          if (exp) {
            this.expansions.set(this.key(node), exp);
            // The flat tokens are replaced by the re-parsed pieces.
            descend = false;
            for (const piece of exp.pieces) {
              this.shifts.set(piece.tree, piece.shift);
              this.links.set(piece.tree, { piece, macro: node });
              this.pieceTrees.push(piece.tree);
              this.walk(piece.root, piece.shift, depth + 1);
            }
          }
        }
      }
      if (descend && cursor.gotoFirstChild()) continue;
      while (!cursor.gotoNextSibling()) {
        if (!cursor.gotoParent()) return;
      }
    }
  }
}
