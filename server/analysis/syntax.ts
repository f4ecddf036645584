// One file's syntax as rules see it: the tree-sitter tree plus the re-parsed bodies of its
// macros, joined into a single tree. Rules must go through this facade for parents, offsets
// and spans, because a node inside a macro piece has offsets relative to its batch tree.
import type { SyntaxNode, Tree } from '../../grammars/rust.js';
import { firstAtOrAfter } from './mentions.js';
import { expandMacros, type Expansion, type Piece } from './macros.js';
import type { LineIndex } from './line-index.js';
import type { Span } from './types.js';
import { NodeMap } from './node-map.js';
import type { Steps } from './steps.js';

const MAX_MACRO_DEPTH = 6;
/** Ancestors climbed one native `parent` at a time before the rest of the chain is filled in one descent. */
const DEEP_CHAIN = 24;
/** Average cost of a native `parent` above which a tree's parents are all recorded at once. */
const SLOW_PARENT_MS = 0.02;
/**
 * Collected types (see EAGER_TYPES) frequent enough that one of them usually sits a level or two
 * above any node: a parent is searched for downwards from the innermost of them (`parent`).
 */
const ANCHORS = ['block', 'expression_statement', 'let_declaration', 'call_expression', 'await_expression', 'match_arm', 'closure_expression', 'function_item'];

/**
 * Node types collected in one native pass when a file is analysed: those that facts and rules ask
 * for as `nodes` or `fileNodes`, or `within` many containers. Other types are collected lazily
 * per request. Each listed type costs on every file (the binding looks each name up among all
 * grammar symbols on every walk, and every node found becomes a JS object whose end offset is
 * read), so types nobody asks for file-wide are left out; `identifier` deliberately so (there are
 * millions on a large workspace — ask for them `within` a container instead).
 */
export const EAGER_TYPES: readonly string[] = [
  'macro_invocation', 'call_expression', 'await_expression', 'function_item', 'function_signature_item',
  'struct_item', 'use_declaration', 'let_declaration', 'loop_expression', 'while_expression', 'for_expression',
  'return_expression', 'block', 'static_item', 'closure_expression', 'async_block', 'impl_item', 'trait_item',
  'let_condition', 'match_arm', 'expression_statement',
];

interface PieceLink {
  piece: Piece;
  macro: SyntaxNode;
}

/** Nodes of one type in source order, with their file offsets (read once from the binding). */
interface Bucket {
  nodes: SyntaxNode[];
  starts: number[];
  ends: number[];
}

/** Nodes of some types in source order, each with the index of the innermost one containing it (-1: none). */
interface Nesting extends Bucket {
  outer: number[];
}

export class FileSyntax {
  private readonly buckets = new Map<string, Bucket>();
  /** Per batch tree: its pieces sorted by wrapper start. The main tree has none. */
  private readonly pieceTables = new WeakMap<Tree, PieceLink[]>();
  private readonly expansions = new Map<string, Expansion>();
  private readonly treeIds = new WeakMap<Tree, number>();
  /** Per tree: [start, end) tree offsets of its expanded macros, whose flat tokens are hidden. */
  private readonly hidden = new WeakMap<Tree, Array<[number, number]>>();
  private readonly batchTrees: Tree[] = [];
  /** tree-sitter finds a parent by walking down from the root, so answers are remembered. */
  private readonly parents = new NodeMap<SyntaxNode | null>();
  private readonly walkedTrees = new WeakSet<Tree>();
  private nativeParents = 0;
  private nativeParentMs = 0;
  private nextTreeId = 0;
  /** Main-tree [start, end) ranges of the scope roots, when the analysis is scoped. */
  private readonly scopeRanges: Array<[number, number]> | undefined;
  private readonly fileBuckets = new Map<string, Bucket>();
  private readonly nestings = new Map<string, Nesting>();
  /**
   * Per tree: node id → end offset in the tree. `endIndex` is a native call (`startIndex` is
   * not), and offsets are asked of the same nodes again and again; a node's id is unique in its
   * tree (the address of its slot in the parent).
   */
  private readonly endIndices = new WeakMap<Tree, Map<number, number>>();
  /** `endIndices` of the main tree, asked most. */
  private readonly mainEnds = new Map<number, number>();

  /**
   * `scope`: analyse only these main-tree nodes (top-level items, see units.ts). `nodes(type)` then
   * holds only nodes inside them, while `fileNodes(type)` still answers for the whole file;
   * parents, ancestors and offsets always walk the real tree. Made by `FileSyntax.steps`, which
   * collects the nodes.
   */
  private constructor(
    readonly tree: Tree,
    readonly text: string,
    readonly lines: LineIndex,
    readonly scope?: readonly SyntaxNode[],
    /** For a scoped analysis: the main-tree nodes of a type outside the scope (in any order). */
    private readonly outside?: (type: string) => readonly SyntaxNode[],
  ) {
    this.scopeRanges = scope?.map((n): [number, number] => [n.startIndex, n.endIndex]).sort((a, b) => a[0] - b[0]);
  }

  /** A new FileSyntax, built in steps that may be paused (see steps.ts). */
  static *steps(
    tree: Tree,
    text: string,
    lines: LineIndex,
    scope?: readonly SyntaxNode[],
    outside?: (type: string) => readonly SyntaxNode[],
  ): Steps<FileSyntax> {
    const syntax = new FileSyntax(tree, text, lines, scope, outside);
    yield* syntax.collect();
    return syntax;
  }

  /** Collect the eager types' nodes, expanding macros level by level. */
  private *collect(): Steps<void> {
    const { tree, text, scope } = this;
    const types = [...new Set([...EAGER_TYPES, 'macro_invocation'])];
    const raw = new Map<string, SyntaxNode[]>(types.map((t) => [t, []]));
    // Per level: the nodes found under each root, roots in order (main-tree roots, then pieces).
    let found: SyntaxNode[][] = scope ? scope.map((r) => r.descendantsOfType(types)) : [yield* mainNodes(tree, types)];
    for (let depth = 0; found.length > 0; depth++) {
      yield;
      const macros: SyntaxNode[] = [];
      for (const list of found) {
        for (const node of list) {
          const type = node.type;
          raw.get(type)!.push(node);
          if (type === 'macro_invocation') macros.push(node);
        }
      }
      if (depth >= MAX_MACRO_DEPTH || macros.length === 0) break;
      const level: Piece[] = [];
      for (const exp of expandMacros(macros, (n) => this.shiftOf(n), text)) {
        const m = exp.macro;
        this.expansions.set(this.key(m), exp);
        let ranges = this.hidden.get(m.tree);
        if (!ranges) this.hidden.set(m.tree, (ranges = []));
        ranges.push([m.startIndex, m.endIndex]);
        for (const piece of exp.pieces) {
          let table = this.pieceTables.get(piece.tree);
          if (!table) {
            this.pieceTables.set(piece.tree, (table = []));
            this.batchTrees.push(piece.tree);
          }
          table.push({ piece, macro: m });
          level.push(piece);
        }
      }
      for (const t of this.batchTrees) this.pieceTables.get(t)!.sort((a, b) => a.piece.wrapperStart - b.piece.wrapperStart);
      yield;
      found = piecesNodes(level, types);
    }
    for (const [type, nodes] of raw) {
      yield;
      this.buckets.set(type, this.bucket(nodes));
    }
  }

  get root(): SyntaxNode {
    return this.tree.rootNode;
  }

  /** Trees holding macro pieces (kept so that their nodes stay valid). */
  get pieceTrees(): readonly Tree[] {
    return this.batchTrees;
  }

  /**
   * Every named node of `type`, the main tree and macro pieces together, in source order. In a
   * scoped analysis, only the nodes inside the scope: what a rule reports on.
   */
  nodes(type: string): readonly SyntaxNode[] {
    let b = this.buckets.get(type);
    if (!b) {
      const main = this.scope ? this.scope.flatMap((r) => r.descendantsOfType(type)) : this.root.descendantsOfType(type);
      // Every registered piece lies under the scope (macros outside it are not expanded).
      const pieces = this.batchTrees.flatMap((t) => this.pieceTables.get(t)!.map((l) => l.piece));
      b = this.bucket(main.concat(...piecesNodes(pieces, [type])));
      this.buckets.set(type, b);
    }
    return b.nodes;
  }

  /**
   * Every node of `type` in the whole file, for lookups of file-level context (statics, structs,
   * `use`s, same-file fns) that a finding depends on. Equal to `nodes(type)` unless the analysis
   * is scoped; then nodes outside the scope come from the main tree only (macro bodies outside
   * the scope are not expanded).
   */
  fileNodes(type: string): readonly SyntaxNode[] {
    if (!this.scopeRanges) return this.nodes(type);
    let b = this.fileBuckets.get(type);
    if (!b) {
      const outside = this.outside ? this.outside(type) : this.root.descendantsOfType(type).filter((n) => !this.inScope(n.startIndex, n.endIndex));
      b = this.bucket([...this.nodes(type), ...outside]);
      this.fileBuckets.set(type, b);
    }
    return b.nodes;
  }

  /** Whether a main-tree range lies inside one of the scope roots (always, when not scoped). */
  private inScope(start: number, end: number): boolean {
    const ranges = this.scopeRanges;
    if (!ranges) return true;
    for (const [s, e] of ranges) if (start >= s && end <= e) return true;
    return false;
  }

  /** Nodes of `type` lying inside `container` (itself included; macro pieces included). */
  within(type: string, container: SyntaxNode): SyntaxNode[] {
    const s = this.start(container);
    const e = this.end(container);
    // A container outside the scope (found through `fileNodes`) is not in the scoped buckets.
    const b = (this.scopeRanges && !this.inScope(s, e) ? undefined : this.buckets.get(type)) ?? this.gather(container, type);
    const { starts, ends, nodes } = b;
    const lo = firstAtOrAfter(starts, s);
    const out: SyntaxNode[] = [];
    for (let i = lo; i < starts.length && starts[i]! < e; i++) if (ends[i]! <= e) out.push(nodes[i]!);
    // A zero-width container still holds a node starting at its start.
    if (s === e) for (let i = lo; i < starts.length && starts[i] === s; i++) if (ends[i] === e && !out.includes(nodes[i]!)) out.push(nodes[i]!);
    return out;
  }

  /**
   * The innermost node of one of `types` around `node` (not `node` itself): the first of them
   * among `ancestors(node)`, told from file offsets instead of a climb of native `parent` calls.
   * Nodes nest properly by file range, macro pieces inside their invocations included, and no
   * node has an ancestor of the same range among these types' nodes. Null when offsets cannot
   * tell: for a zero-width node, or outside the analysed scope (or at its top) in a scoped
   * analysis — the caller then climbs.
   */
  enclosingOf(types: readonly string[], node: SyntaxNode): SyntaxNode | undefined | null {
    const s = this.start(node);
    const e = this.end(node);
    if (s === e || !this.covers(node)) return null;
    const key = types.join(' ');
    let n = this.nestings.get(key);
    if (!n) this.nestings.set(key, (n = this.nesting(types)));
    const { starts, ends, nodes, outer } = n;
    let lo = 0;
    let hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid]! <= s) lo = mid + 1;
      else hi = mid;
    }
    // Every node containing `node` starts at or before it, so it contains the last one that does.
    for (let i = lo - 1; i >= 0; i = outer[i]!) {
      if (ends[i]! >= e && !(starts[i] === s && ends[i] === e)) return nodes[i];
    }
    return this.scopeRanges ? null : undefined;
  }

  private endIndex(node: SyntaxNode): number {
    let ends = node.tree === this.tree ? this.mainEnds : this.endIndices.get(node.tree);
    if (!ends) this.endIndices.set(node.tree, (ends = new Map()));
    const id = node.id;
    let e = ends.get(id);
    if (e === undefined) ends.set(id, (e = node.endIndex));
    return e;
  }

  /** The nodes of `type` (as `nodes(type)` holds them) starting where `node` starts, with their file end offsets. */
  startingAt(type: string, node: SyntaxNode): Array<{ node: SyntaxNode; end: number }> {
    const { starts, ends, nodes } = this.bucketOf(type);
    const s = this.start(node);
    const out: Array<{ node: SyntaxNode; end: number }> = [];
    for (let i = firstAtOrAfter(starts, s); i < starts.length && starts[i] === s; i++) out.push({ node: nodes[i]!, end: ends[i]! });
    return out;
  }

  /** Whether `node` lies in what `nodes` and `enclosingOf` answer for: always, unless the analysis is scoped. */
  covers(node: SyntaxNode): boolean {
    return !this.scopeRanges || node.tree !== this.tree || this.inScope(node.startIndex, node.endIndex);
  }

  private bucketOf(type: string): Bucket {
    this.nodes(type);
    return this.buckets.get(type)!;
  }

  private nesting(types: readonly string[]): Nesting {
    const entries: Array<{ n: SyntaxNode; s: number; e: number }> = [];
    for (const t of types) {
      const b = this.bucketOf(t);
      b.nodes.forEach((n, i) => entries.push({ n, s: b.starts[i]!, e: b.ends[i]! }));
    }
    entries.sort((a, b) => a.s - b.s || b.e - a.e);
    const outer: number[] = [];
    const open: number[] = [];
    entries.forEach((x, i) => {
      while (open.length > 0 && entries[open[open.length - 1]!]!.e < x.e) open.pop();
      outer.push(open.length > 0 ? open[open.length - 1]! : -1);
      open.push(i);
    });
    return { nodes: entries.map((x) => x.n), starts: entries.map((x) => x.s), ends: entries.map((x) => x.e), outer };
  }

  private link(node: SyntaxNode, at: number): PieceLink | undefined {
    // The main tree holds no pieces.
    if (node.tree === this.tree) return undefined;
    const table = this.pieceTables.get(node.tree);
    if (!table) return undefined;
    let lo = 0;
    let hi = table.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const p = table[mid]!.piece;
      if (at < p.wrapperStart) hi = mid - 1;
      else if (at > p.wrapperEnd) lo = mid + 1;
      else return table[mid];
    }
    return undefined;
  }

  shiftOf(node: SyntaxNode): number {
    return this.link(node, node.startIndex)?.piece.shift ?? 0;
  }

  start(node: SyntaxNode): number {
    const s = node.startIndex;
    return s + (this.link(node, s)?.piece.shift ?? 0);
  }

  end(node: SyntaxNode): number {
    const e = this.endIndex(node);
    return e + (this.link(node, e)?.piece.shift ?? 0);
  }

  /**
   * `node.text` without a native call for a node whose end is known (collected nodes): the file's
   * text at its offsets. Pieces are verbatim file text, but for the wrapper characters a piece's
   * root takes in (the parentheses or braces around arguments, statements and items).
   */
  textOf(node: SyntaxNode): string {
    const s = node.startIndex;
    const link = this.link(node, s);
    if (link && link.piece.root.id === node.id) return node.text;
    return this.text.slice(s + (link?.piece.shift ?? 0), this.end(node));
  }

  span(node: SyntaxNode): Span {
    return this.lines.span(this.start(node), this.end(node));
  }

  spanOf(start: number, end: number): Span {
    return this.lines.span(start, end);
  }

  /**
   * A string naming `node` within this file, for maps whose insertion order is read back (a
   * `NodeMap`, the usual per-node cache, keeps no order across trees).
   */
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
    let p = this.parents.get(node);
    if (p === undefined) {
      const link = this.link(node, node.startIndex);
      if (link && link.piece.root.id === node.id) p = link.macro;
      else {
        const t0 = performance.now();
        p = this.parentBelow(this.anchorOf(node, link), node);
        this.nativeParentMs += performance.now() - t0;
        this.watchNativeParents(node.tree);
      }
      this.parents.set(node, p);
    }
    return p ?? undefined;
  }

  /**
   * A known ancestor of `node` in its own tree, near it: the root of the macro piece it sits in,
   * or the innermost ANCHORS node around it. Undefined when none is known (search from the root).
   */
  private anchorOf(node: SyntaxNode, link: PieceLink | undefined): SyntaxNode | undefined {
    if (link) {
      const root = link.piece.root;
      return root.startIndex <= node.startIndex && this.endIndex(node) <= this.endIndex(root) ? root : undefined;
    }
    if (node.tree !== this.tree) return undefined;
    const a = this.enclosingOf(ANCHORS, node);
    return a && a.tree === node.tree ? a : undefined;
  }

  /**
   * `node.parent`, searched for from `top` (an ancestor) downwards. tree-sitter finds a parent by
   * the same descent from the root, so starting near the node saves most of it; every node passed
   * on the way down gets its parent recorded, as the climb that asked will pass them next.
   */
  private parentBelow(top: SyntaxNode | undefined, node: SyntaxNode): SyntaxNode | null {
    if (!top) return node.parent;
    let above = top;
    for (let depth = 0; depth < 64; depth++) {
      const next = above.childWithDescendant(node);
      if (!next) break;
      if (next.id === node.id) return above;
      if (!this.parents.has(next)) this.parents.set(next, above);
      above = next;
    }
    return node.parent;
  }

  /**
   * A native `parent` costs time proportional to the node's depth. In ordinary code that is
   * cheap; in pathologically deep trees (thousands of nested blocks or chained calls) it turns
   * every rule quadratic. Every few hundred native calls their average cost (timed around the
   * calls alone) is checked, and a tree that is slow to climb gets all its parents recorded in
   * one cursor walk.
   */
  private watchNativeParents(tree: Tree): void {
    if ((++this.nativeParents & 255) !== 0) return;
    const slow = this.nativeParentMs / 256 > SLOW_PARENT_MS;
    this.nativeParentMs = 0;
    if (slow && !this.walkedTrees.has(tree)) this.fillTree(tree);
  }

  private fillTree(tree: Tree): void {
    this.walkedTrees.add(tree);
    // A scoped analysis climbs from nodes of its scope only: walking the rest of a large file
    // would cost more than the whole keystroke.
    if (this.scope && tree === this.tree) for (const r of this.scope) this.fillSubtree(r, this.parent(r) ?? null);
    else this.fillSubtree(tree.rootNode, null);
  }

  /** Record the parents of `top`'s subtree (`top`'s own is `topParent`) in one cursor walk. */
  private fillSubtree(top: SyntaxNode, topParent: SyntaxNode | null): void {
    const cursor = top.walk();
    const stack: SyntaxNode[] = [];
    for (;;) {
      const node = cursor.currentNode;
      if (!this.parents.has(node)) {
        const link = this.link(node, node.startIndex);
        this.parents.set(node, link && link.piece.root.id === node.id ? link.macro : (stack.length > 0 ? stack[stack.length - 1]! : topParent));
      }
      if (cursor.gotoFirstChild()) {
        stack.push(node);
        continue;
      }
      while (!cursor.gotoNextSibling()) {
        if (!cursor.gotoParent()) return;
        stack.pop();
      }
    }
  }

  *ancestors(node: SyntaxNode): Generator<SyntaxNode> {
    let steps = 0;
    for (let p = this.parent(node); p; p = this.parent(p)) {
      yield p;
      // Deep in a tree, one descent fills in the rest of the chain (see `fillPath`).
      if (++steps === DEEP_CHAIN) this.fillPath(p);
    }
  }

  /**
   * tree-sitter answers `node.parent` by searching down from the root, so climbing a deep chain
   * one native call at a time costs depth² (seconds for thousands of nested blocks). A single
   * cursor descent to `node` records the parent of every node on its path instead.
   */
  private fillPath(node: SyntaxNode): void {
    const id = node.id;
    const start = node.startIndex;
    const end = node.endIndex;
    const cursor = node.tree.walk();
    let parent = cursor.currentNode;
    while (parent.id !== id) {
      const idx = cursor.gotoFirstChildForIndex(start) as unknown;
      if (idx === -1 || idx === null || idx === false) return;
      // The first child reaching past `start` may be a sibling that ends before `node` does.
      while (!(cursor.startIndex <= start && cursor.endIndex >= end)) if (!cursor.gotoNextSibling()) return;
      const child = cursor.currentNode;
      if (!this.parents.has(child)) {
        const link = this.link(child, child.startIndex);
        this.parents.set(child, link && link.piece.root.id === child.id ? link.macro : parent);
      }
      parent = child;
    }
  }

  /**
   * The identifiers `within('identifier', body)` holds whose text is `name`, found from the places
   * the name occurs in the file's text: collecting every identifier of a large body costs a node
   * and a native end offset each, and the name occurs a handful of times. An occurrence inside an
   * expanded macro is looked up in the piece that re-parses it (or is no identifier at all when no
   * piece covers it: the macro's own tokens are hidden).
   */
  identifiersNamed(body: SyntaxNode, name: string): SyntaxNode[] {
    const text = this.text;
    const start = this.start(body);
    const end = this.end(body);
    const out: SyntaxNode[] = [];
    let macros: Array<{ start: number; end: number; pieces: Array<{ start: number; end: number; piece: Piece }> }> | undefined;
    for (let at = text.indexOf(name, start); at !== -1 && at + name.length <= end; at = text.indexOf(name, at + 1)) {
      macros ??= this.within('macro_invocation', body).flatMap((m) => {
        const exp = this.expansion(m);
        if (!exp) return [];
        const pieces = exp.pieces.map((piece) => ({ start: piece.root.startIndex + piece.shift, end: piece.root.endIndex + piece.shift, piece }));
        return [{ start: this.start(m), end: this.end(m), pieces }];
      });
      // The innermost expanded macro around the occurrence (nested ones come later in source order).
      let host: (typeof macros)[number] | undefined;
      for (const m of macros) if (m.start < at && at < m.end) host = m;
      let tree = body.tree;
      let shift = this.shiftOf(body);
      if (host) {
        const inPiece = host.pieces.find((p) => p.start <= at && at + name.length <= p.end);
        if (!inPiece) continue;
        tree = inPiece.piece.tree;
        shift = inPiece.piece.shift;
      }
      const from = at - shift;
      const to = from + name.length;
      const node = tree.rootNode.descendantForIndex(from, to);
      if (node.type === 'identifier' && node.startIndex === from && node.endIndex === to) out.push(node);
    }
    return out;
  }

  /** The macro piece a node sits in, if any (the innermost). */
  pieceOf(node: SyntaxNode): PieceLink | undefined {
    return this.link(node, node.startIndex);
  }

  expansion(macro: SyntaxNode): Expansion | undefined {
    return this.expansions.get(this.key(macro));
  }

  allExpansions(): IterableIterator<Expansion> {
    return this.expansions.values();
  }

  private isHidden(node: SyntaxNode, startInTree: number): boolean {
    const ranges = this.hidden.get(node.tree);
    if (!ranges) return false;
    for (const [a, b] of ranges) if (startInTree > a && startInTree < b) return true;
    return false;
  }

  /** Sort collected nodes into source order (parents before children) and drop macro tokens. */
  private bucket(nodes: SyntaxNode[]): Bucket {
    const entries: Array<{ n: SyntaxNode; s: number; e: number }> = [];
    for (const n of nodes) {
      const s = n.startIndex;
      if (this.isHidden(n, s)) continue;
      const shift = this.link(n, s)?.piece.shift ?? 0;
      entries.push({ n, s: s + shift, e: this.endIndex(n) + shift });
    }
    entries.sort((a, b) => a.s - b.s || b.e - a.e);
    return { nodes: entries.map((x) => x.n), starts: entries.map((x) => x.s), ends: entries.map((x) => x.e) };
  }

  /** Nodes of a type that was not collected eagerly, under `container`. */
  private gather(container: SyntaxNode, type: string): Bucket {
    const found: SyntaxNode[] = [];
    const visit = (root: SyntaxNode) => {
      found.push(...root.descendantsOfType(type));
      // Macros outside the scope of a scoped analysis are not expanded.
      if (this.scopeRanges && !this.inScope(this.start(root), this.end(root))) return;
      for (const m of this.within('macro_invocation', root)) {
        if (m.tree !== root.tree) continue;
        const exp = this.expansion(m);
        if (exp) for (const p of exp.pieces) visit(p.root);
      }
    };
    visit(container);
    return this.bucket(found);
  }
}

/** Top-level items per native walk when a whole tree's nodes are collected in steps. */
const ITEMS_PER_STEP = 128;

/**
 * `root.descendantsOfType(types)` for a whole tree, in steps of about ITEMS_PER_STEP top-level
 * items (the walk of a large file is one of the longest steps of a full check). Each step walks a
 * point range: from the end of the item before its first item to the start of the next step's
 * first item. Items do not overlap, so the steps' nodes, joined, are the single walk's, in the
 * same order. A step boundary is only put where a gap separates the two items: a zero-width node
 * (error recovery inserts them) at the very start or end of an item is then strictly inside its
 * step's range, where a boundary on the item's edge would leave it out of both steps.
 */
export function* mainNodes(tree: Tree, types: string[], perStep = ITEMS_PER_STEP): Steps<SyntaxNode[]> {
  const root = tree.rootNode;
  if (root.namedChildCount <= perStep) return root.descendantsOfType(types);
  const items = root.namedChildren;
  const out: SyntaxNode[] = [];
  let from: SyntaxNode['startPosition'] | undefined;
  for (let first = 0; first < items.length; ) {
    let next = first + perStep;
    while (next < items.length && items[next - 1]!.endIndex >= items[next]!.startIndex) next++;
    for (const n of root.descendantsOfType(types, from, next < items.length ? items[next]!.startPosition : undefined)) out.push(n);
    if (next >= items.length) break;
    from = items[next - 1]!.endPosition;
    first = next;
    yield;
  }
  return out;
}

/**
 * The nodes of `types` under each piece's root, in piece order. The pieces of a level share a few
 * batch trees, and every descendantsOfType call costs about 2 µs per type name before it walks
 * anything (the binding looks each name up among all grammar symbols), so each batch tree is
 * walked once and its nodes dealt out by position: a node starting inside a root's range lies
 * under that root, because every wrapper node above a root starts before it (see macros.ts).
 */
function piecesNodes(pieces: readonly Piece[], types: string[]): SyntaxNode[][] {
  const out: SyntaxNode[][] = pieces.map(() => []);
  const byTree = new Map<Tree, Array<{ start: number; end: number; k: number }>>();
  pieces.forEach((p, k) => {
    let ranges = byTree.get(p.tree);
    if (!ranges) byTree.set(p.tree, (ranges = []));
    ranges.push({ start: p.root.startIndex, end: p.root.endIndex, k });
  });
  for (const [tree, ranges] of byTree) {
    ranges.sort((a, b) => a.start - b.start);
    let i = 0;
    for (const node of tree.rootNode.descendantsOfType(types)) {
      const s = node.startIndex;
      while (i < ranges.length && s >= ranges[i]!.end) i++;
      if (i === ranges.length) break;
      if (s >= ranges[i]!.start) out[ranges[i]!.k]!.push(node);
    }
  }
  return out;
}
