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
  const visit = (children: readonly SyntaxNode[], depth: number) => {
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
      const start = out.length === 0 ? 0 : nodes[0]!.startIndex;
      const split = splitBody(nodes[nodes.length - 1]!);
      if (!split) {
        out.push({ start, end: 0, nodes, depth, header: undefined });
        continue;
      }
      const { body, children } = split;
      const group: UnitGroup = { first: out.length, last: -1 };
      out.push({ start, end: 0, nodes, depth: depth + 1, header: { part: 'open', body, group } });
      // The body's children without its braces: its members with their leading nodes.
      visit(children.slice(1, -1), depth + 1);
      group.last = out.length;
      out.push({ start: children[children.length - 1]!.startIndex, end: 0, nodes, depth: depth + 1, header: { part: 'close', body, group } });
    }
  };
  visit(root.children, 0);
  for (let i = 0; i < out.length; i++) out[i]!.end = i + 1 < out.length ? out[i + 1]!.start : textLength;
  return out;
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
export function scopeRoots(units: readonly Unit[], scope: readonly number[]): SyntaxNode[] {
  const all = scope.flatMap((i) => units[i]!.nodes).sort((a, b) => a.startIndex - b.startIndex || b.endIndex - a.endIndex);
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
  return units.map((u) => ({
    start: u.start,
    end: u.end,
    text: text.slice(u.start, u.end),
    depth: u.depth,
    part: u.header?.part,
    group: u.header?.group,
    uses: undefined,
    found: undefined,
  }));
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
