// Analysis units: the items of a file, each with the attributes and comments before it. A
// keystroke changes one unit (or a few); the language server re-analyses only those and keeps
// the others' findings and facts, moved by how far their unit moved (see incremental.ts).
//
// `impl`, `trait` and inline `mod` blocks are split into their members (recursively): a keystroke
// in one method of a large impl re-analyses that method, not the impl. What is left of such a
// container — from its leading attributes to its `{`, and its `}` — is two header units ("open"
// and "close"); a change in either stands for a change of the whole container (its header decides
// what its members mean: the impl type, the trait, the module path).
//
// Units partition the text: unit i covers [start_i, start_{i+1}), the first from 0 and the last to
// the end, so every offset belongs to exactly one unit, whitespace between items included. They
// are listed in source order, a container's open unit before its members, its close unit after.
import type { SyntaxNode } from '../../grammars/rust.js';
import type { UseMap } from './uses.js';
import { ownString } from './own.js';

/** A container's two header units and its members between them, as indices in the unit list. */
export interface UnitGroup {
  first: number;
  last: number;
}

export interface Unit {
  /** Start of the unit's part of the text (the first unit starts at 0). */
  start: number;
  /** End of the unit's part of the text: the next unit's start, or the text's end. */
  end: number;
  /**
   * The main-tree nodes analysed when the unit changed (leading attributes and comments, then
   * the item). For a container's header units: the whole container with its leading nodes.
   */
  nodes: SyntaxNode[];
  /** Containers the unit lies in (0 for a top-level item; a header unit counts its own). */
  depth: number;
  /** Header units only: which part of the container, its body, and the container's unit range. */
  header: { part: 'open' | 'close'; body: SyntaxNode; group: UnitGroup } | undefined;
}

const LEADING = new Set(['attribute_item', 'inner_attribute_item', 'line_comment', 'block_comment']);
const CONTAINERS = new Set(['impl_item', 'trait_item', 'mod_item']);

/**
 * The body of a container that can be split, with its children, or undefined. The body is the
 * container's last child (`mod x;` ends in `;` instead); the split runs on every keystroke, so
 * it asks the binding for as little as it can.
 */
function splitBody(item: SyntaxNode): { body: SyntaxNode; children: SyntaxNode[] } | undefined {
  if (!CONTAINERS.has(item.type)) return undefined;
  const body = item.lastChild;
  if (!body || body.type !== 'declaration_list' || item.hasError) return undefined;
  const children = body.children;
  const close = children[children.length - 1];
  if (children.length < 3 || close?.type !== '}' || close.isMissing) return undefined;
  return { body, children };
}

export function splitUnits(root: SyntaxNode, textLength: number): Unit[] {
  const out: Unit[] = [];
  splitInto(out, root.children, 0, 0);
  for (let i = 0; i < out.length; i++) out[i]!.end = i + 1 < out.length ? out[i + 1]!.start : textLength;
  return out;
}

/**
 * Appends to `out` the units of `children` (siblings, at `depth`); `base` units come before
 * `out[0]` in the whole list (group indices count them). Ends are left for the caller.
 */
function splitInto(out: Unit[], children: readonly SyntaxNode[], depth: number, base: number): void {
  const groups: SyntaxNode[][] = [];
  let pending: SyntaxNode[] = [];
  for (const child of children) {
    pending.push(child);
    if (!LEADING.has(child.type)) {
      groups.push(pending);
      pending = [];
    }
  }
  if (pending.length > 0) groups.push(pending);
  for (const nodes of groups) {
    const start = base + out.length === 0 ? 0 : nodes[0]!.startIndex;
    const split = splitBody(nodes[nodes.length - 1]!);
    if (!split) {
      out.push({ start, end: 0, nodes, depth, header: undefined });
      continue;
    }
    const { body, children: inner } = split;
    const group: UnitGroup = { first: base + out.length, last: -1 };
    out.push({ start, end: 0, nodes, depth: depth + 1, header: { part: 'open', body, group } });
    // The body's children without its braces: its members with their leading nodes.
    splitInto(out, inner.slice(1, -1), depth + 1, base);
    group.last = base + out.length;
    out.push({ start: inner[inner.length - 1]!.startIndex, end: 0, nodes, depth: depth + 1, header: { part: 'close', body, group } });
  }
}

/**
 * The main-tree nodes of a type that belong to a unit itself: for a member or top-level item all
 * under its nodes, for a container's open unit those outside the body's members (the container
 * itself included), for its close unit none (the `}` holds no node of interest).
 */
export function ownNodes(unit: Unit, type: string): SyntaxNode[] {
  const h = unit.header;
  if (!h) return unit.nodes.flatMap((r) => r.descendantsOfType(type));
  if (h.part === 'close') return [];
  const out: SyntaxNode[] = [];
  const item = unit.nodes[unit.nodes.length - 1]!;
  for (const r of unit.nodes.slice(0, -1)) out.push(...r.descendantsOfType(type));
  if (item.type === type) out.push(item);
  for (const c of item.children) if (c.id !== h.body.id) out.push(...c.descendantsOfType(type));
  return out;
}

/**
 * The main-tree roots to analyse for a set of units: each unit's nodes, without those inside
 * another unit's (a container's header units hold the whole container), in source order.
 */
export function scopeRoots(units: UnitList, scope: readonly number[]): SyntaxNode[] {
  const all = scope.flatMap((i) => units.at(i)!.nodes).sort((a, b) => a.startIndex - b.startIndex || b.endIndex - a.endIndex);
  const out: SyntaxNode[] = [];
  let reach = -1;
  const seen = new Set<number>();
  for (const n of all) {
    if (seen.has(n.id)) continue;
    seen.add(n.id);
    if (n.endIndex <= reach && out.length > 0 && n.startIndex >= out[out.length - 1]!.startIndex) continue;
    out.push(n);
    reach = Math.max(reach, n.endIndex);
  }
  return out;
}

export interface UnitText {
  start: number;
  end: number;
  text: string;
  depth: number;
  /** Header units: the part and the container's unit range (see `Unit.header`). */
  part?: 'open' | 'close';
  group?: UnitGroup;
  /** The unit's own `use` declarations (macro bodies included), once computed: they depend on its text only. */
  uses?: UseMap;
  /** Per node type: the [start, end) of the unit's main-tree nodes of that type, relative to its start. */
  found?: Map<string, Array<[number, number]>>;
}

export function unitTexts(units: readonly Unit[], text: string): UnitText[] {
  // Owned: a unit's text is kept while the unit is unchanged, and a view would keep every
  // version of the whole document alive (see own.ts).
  return units.map((u) => unitText(u.start, u.end, ownString(text.slice(u.start, u.end)), u.depth, u.header?.part, u.header?.group, undefined, undefined));
}

/**
 * Every `UnitText` is made here, with its fields in one order: the fast path's hot loops then
 * see one object shape (a copy made with `{ ...old }` has another, and those loops deoptimised).
 */
function unitText(start: number, end: number, text: string, depth: number, part: UnitText['part'], group: UnitGroup | undefined, uses: UseMap | undefined, found: UnitText['found']): UnitText {
  return { start, end, text, depth, part, group, uses, found };
}

/**
 * Old units against new ones: the longest run of equal unit texts at the front and at the back
 * stays; what lies between changed. Equal text is what the cached results were computed from, so
 * this needs no record of the edits (several coalesced edits are handled alike). A changed header
 * unit widens the change to its whole container, in the old list and the new one.
 */
export interface UnitAlignment {
  /** Units [0, prefix) of both lists are unchanged. */
  prefix: number;
  /** The last `suffix` units of both lists are unchanged. */
  suffix: number;
  oldUnits: readonly UnitText[];
  newUnits: readonly UnitText[];
}

const sameUnit = (a: UnitText, b: UnitText) => a.text === b.text && a.depth === b.depth && a.part === b.part;

export function alignUnits(oldUnits: readonly UnitText[], newUnits: readonly UnitText[]): UnitAlignment {
  const max = Math.min(oldUnits.length, newUnits.length);
  let prefix = 0;
  while (prefix < max && sameUnit(oldUnits[prefix]!, newUnits[prefix]!)) prefix++;
  let suffix = 0;
  while (suffix < max - prefix && sameUnit(oldUnits[oldUnits.length - 1 - suffix]!, newUnits[newUnits.length - 1 - suffix]!)) suffix++;
  return widen({ prefix, suffix, oldUnits, newUnits });
}

/** Shrink the unchanged runs until every changed header unit's container lies wholly between them. */
export function widen(a: UnitAlignment): UnitAlignment {
  let { prefix, suffix } = a;
  for (let moved = true; moved; ) {
    moved = false;
    for (const list of [a.oldUnits, a.newUnits]) {
      const n = list.length;
      for (let i = prefix; i < n - suffix; i++) {
        const g = list[i]!.group;
        if (!g) continue;
        if (g.first < prefix) (prefix = g.first), (moved = true);
        if (n - 1 - g.last < suffix) (suffix = n - 1 - g.last), (moved = true);
      }
    }
  }
  return { ...a, prefix, suffix };
}

/** New-list indices of the changed units. */
export function changedUnits(a: UnitAlignment): number[] {
  const out: number[] = [];
  for (let i = a.prefix; i < a.newUnits.length - a.suffix; i++) out.push(i);
  return out;
}

/** The index of the unit holding `off` (the very end of the text belongs to the last unit), or -1. */
export function unitIndexAt(units: ReadonlyArray<{ start: number; end: number }>, off: number): number {
  let lo = 0;
  let hi = units.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const u = units[mid]!;
    if (off < u.start) hi = mid - 1;
    else if (off >= u.end) lo = mid + 1;
    else return mid;
  }
  return units.length > 0 && off === units[units.length - 1]!.end ? units.length - 1 : -1;
}

/**
 * The unchanged unit holding an old offset, as its old and new list indices; undefined when that
 * unit changed (or the offset is past the old text). The very end of the text belongs to the
 * last unit.
 */
export function unitMapper(a: UnitAlignment): (oldOffset: number) => { k: number; j: number } | undefined {
  const { oldUnits, newUnits, prefix, suffix } = a;
  const firstSuffixOld = oldUnits.length - suffix;
  const shiftSuffix = newUnits.length - oldUnits.length;
  return (off) => {
    const k = unitIndexAt(oldUnits, off);
    if (k === -1) return undefined;
    if (k < prefix) return { k, j: k };
    if (k >= firstSuffixOld) return { k, j: k + shiftSuffix };
    return undefined;
  };
}

/**
 * How far the unit holding an old offset moved, or undefined when that unit changed (or the
 * offset is past the old text). Spans move by the delta of their start, so a span that ends
 * exactly where the next unit begins moves with its own unit.
 */
export function deltaMapper(a: UnitAlignment): (oldOffset: number) => number | undefined {
  const at = unitMapper(a);
  return (off) => {
    const m = at(off);
    return m && a.newUnits[m.j]!.start - a.oldUnits[m.k]!.start;
  };
}

/** Length of the common prefix and, after it, of the common suffix of two texts. */
export function commonEnds(a: string, b: string): { prefix: number; suffix: number } {
  const max = Math.min(a.length, b.length);
  // Blocks first: slices compare natively, a character loop over a large file would not.
  const BLOCK = 256;
  let p = 0;
  while (p + BLOCK <= max && a.slice(p, p + BLOCK) === b.slice(p, p + BLOCK)) p += BLOCK;
  while (p < max && a.charCodeAt(p) === b.charCodeAt(p)) p++;
  let s = 0;
  const room = max - p;
  while (s + BLOCK <= room && a.slice(a.length - s - BLOCK, a.length - s) === b.slice(b.length - s - BLOCK, b.length - s)) s += BLOCK;
  while (s < room && a.charCodeAt(a.length - 1 - s) === b.charCodeAt(b.length - 1 - s)) s++;
  return { prefix: p, suffix: s };
}

/** The units of a text as the fast path reads them: by index, each made when first asked for. */
export interface UnitList {
  readonly length: number;
  at(index: number): Unit | undefined;
}

/** A unit carried over from the previous text: its nodes are found again in the new tree by position. */
class CarriedUnit implements Unit {
  private made: SyntaxNode[] | undefined;
  private madeBody: SyntaxNode | undefined;
  readonly header: Unit['header'];

  constructor(
    readonly start: number,
    public end: number,
    readonly depth: number,
    /** Where the unit's first node starts (the first unit of a text starts at 0, its node may not). */
    private readonly firstNode: number,
    /** The node whose children the unit's nodes are: the root, or a container's body. */
    private readonly parent: () => SyntaxNode,
    part: 'open' | 'close' | undefined,
    group: UnitGroup | undefined,
    /** For a close unit: its open unit (they share the container's nodes). */
    private readonly open: CarriedUnit | undefined,
  ) {
    const self = this;
    this.header = part && group ? { part, group, get body() { return self.body(); } } : undefined;
  }

  get nodes(): SyntaxNode[] {
    if (this.open) return this.open.nodes;
    if (!this.made) {
      const out: SyntaxNode[] = [];
      let n = this.parent().firstChildForIndex(this.firstNode);
      while (n && LEADING.has(n.type)) {
        out.push(n);
        n = n.nextSibling;
      }
      if (n) out.push(n);
      this.made = out;
    }
    return this.made;
  }

  body(): SyntaxNode {
    if (this.open) return this.open.body();
    return (this.madeBody ??= this.nodes[this.nodes.length - 1]!.lastChild!);
  }
}

/**
 * Units carried over from the previous text around freshly split ones: a carried unit is made
 * only when asked for (most never are), from its `UnitText` and the index of the container's
 * open unit it lies in.
 */
class ResplitUnits implements UnitList {
  private readonly made = new Map<number, Unit>();

  constructor(
    private readonly root: SyntaxNode,
    private readonly texts: readonly UnitText[],
    private readonly mid: readonly Unit[],
    private readonly midAt: number,
    /** Per unit: the index of the open unit of the container it lies in, or -1. */
    private readonly container: Int32Array,
  ) {}

  get length(): number {
    return this.texts.length;
  }

  at(i: number): Unit | undefined {
    if (i < 0 || i >= this.texts.length) return undefined;
    if (i >= this.midAt && i < this.midAt + this.mid.length) return this.mid[i - this.midAt];
    let u = this.made.get(i);
    if (!u) {
      const t = this.texts[i]!;
      const c = this.container[i]!;
      const parent = c < 0 ? () => this.root : () => (this.at(c) as CarriedUnit).body();
      const open = t.part === 'close' ? (this.at(t.group!.first) as CarriedUnit) : undefined;
      u = new CarriedUnit(t.start, t.end, t.depth, i === 0 ? 0 : t.start, parent, t.part, t.group, open);
      this.made.set(i, u);
    }
    return u;
  }
}

/**
 * The units of `text` (parsed as `root`), built from the units of `prevText` where the two agree:
 * top-level items wholly before the first changed character keep their place, those wholly after
 * the last one move by the length change, and only the items between are split from the tree.
 * The result is what `splitUnits` gives for the whole tree; undefined when that cannot be shown
 * cheaply (the edit changed how the text around it parses), and the caller splits everything.
 * A keystroke in a large file then costs a few native calls instead of one per item.
 */
export function resplitUnits(prev: readonly UnitText[], prevText: string, root: SyntaxNode, text: string): { units: UnitList; texts: UnitText[] } | undefined {
  if (prev.length === 0) return undefined;
  const { prefix: P, suffix: S } = commonEnds(prevText, text);
  const delta = text.length - prevText.length;
  // Top-level groups of the previous units: an item, or a container with its members.
  // Group g spans units [firsts[g], lasts[g]]; typed arrays, as this runs on every keystroke.
  const firsts = new Int32Array(prev.length);
  const lasts = new Int32Array(prev.length);
  let count = 0;
  for (let i = 0; i < prev.length; ) {
    const u = prev[i]!;
    const last = u.part === 'open' && u.group ? u.group.last : i;
    firsts[count] = i;
    lasts[count++] = last;
    i = last + 1;
  }
  // One group of margin on each side: a token's parse may look a little past its end.
  let before = 0;
  while (before < count && prev[lasts[before]!]!.end < P) before++;
  before = Math.max(0, before - 1);
  let after = count;
  while (after > before && prev[firsts[after - 1]!]!.start > prevText.length - S) after--;
  after = Math.min(count, after + 1);
  if (after <= before) return undefined;
  const firstMid = firsts[before]!;
  const lastMid = lasts[after - 1]!;
  const midStart = prev[firstMid]!.start;
  const midEnd = prev[lastMid]!.end + delta;
  // The new tree's top-level children in the middle must begin and end where the carried units do.
  const children: SyntaxNode[] = [];
  let n = before === 0 ? root.firstChild : root.firstChildForIndex(midStart);
  if (before > 0 && (!n || n.startIndex !== midStart)) return undefined;
  for (; n && n.startIndex < midEnd; n = n.nextSibling) children.push(n);
  if (after < count ? n?.startIndex !== midEnd : n !== null) return undefined;
  const lastChild = children[children.length - 1];
  if (lastChild && LEADING.has(lastChild.type)) return undefined;

  const mid: Unit[] = [];
  splitInto(mid, children, 0, firstMid);
  const midCount = mid.length;
  const shift = midCount - (lastMid - firstMid + 1);
  const total = prev.length + shift;
  for (let i = 0; i < midCount; i++) mid[i]!.end = i + 1 < midCount ? mid[i + 1]!.start : lastMid + 1 < prev.length ? prev[lastMid + 1]!.start + delta : text.length;
  const texts: UnitText[] = new Array(total);
  for (let i = 0; i < firstMid; i++) texts[i] = prev[i]!;
  const midTexts = unitTexts(mid, text);
  for (let i = 0; i < midCount; i++) texts[firstMid + i] = midTexts[i]!;
  // Suffix units move: new positions, and group indices shifted by the change in unit count.
  for (let i = lastMid + 1; i < prev.length; i++) {
    const old = prev[i]!;
    const group = old.group && { first: old.group.first + shift, last: old.group.last + shift };
    texts[i + shift] = unitText(old.start + delta, old.end + delta, old.text, old.depth, old.part, group, old.uses, old.found);
  }
  const container = new Int32Array(total);
  const open: number[] = [];
  for (let i = 0; i < total; i++) {
    const t = texts[i]!;
    if (t.part === 'close') open.pop();
    container[i] = open.length > 0 ? open[open.length - 1]! : -1;
    if (t.part === 'open') open.push(i);
  }
  // The carried ends follow from the carried starts; a mismatch means the texts were misread.
  for (let i = 0; i < total; i++) {
    const end = i + 1 < total ? texts[i + 1]!.start : text.length;
    if (texts[i]!.end !== end) return undefined;
  }
  return { units: new ResplitUnits(root, texts, mid, firstMid, container), texts };
}
