// Analysis units: the top-level items of a file, each with the attributes and comments before it.
// A keystroke changes one unit (or a few); the language server re-analyses only those and keeps
// the others' findings and facts, moved by how far their unit moved (see incremental.ts).
//
// Units partition the text: unit i covers [start_i, start_{i+1}), the first from 0 and the last to
// the end, so every offset belongs to exactly one unit, whitespace between items included.
import type { SyntaxNode } from '../../grammars/rust.js';
import type { UseMap } from './uses.js';

export interface Unit {
  /** Start of the unit's part of the text (the first unit starts at 0). */
  start: number;
  /** End of the unit's part of the text: the next unit's start, or the text's end. */
  end: number;
  /** The main-tree nodes of the unit (leading attributes and comments, then the item). */
  nodes: SyntaxNode[];
}

const LEADING = new Set(['attribute_item', 'inner_attribute_item', 'line_comment', 'block_comment']);

export function splitUnits(root: SyntaxNode, textLength: number): Unit[] {
  const groups: SyntaxNode[][] = [];
  let pending: SyntaxNode[] = [];
  for (const child of root.children) {
    pending.push(child);
    if (!LEADING.has(child.type)) {
      groups.push(pending);
      pending = [];
    }
  }
  if (pending.length > 0) groups.push(pending);
  return groups.map((nodes, i) => ({
    start: i === 0 ? 0 : nodes[0]!.startIndex,
    end: i + 1 < groups.length ? groups[i + 1]![0]!.startIndex : textLength,
    nodes,
  }));
}

export interface UnitText {
  start: number;
  end: number;
  text: string;
  /** The unit's own `use` declarations (macro bodies included), once computed: they depend on its text only. */
  uses?: UseMap;
  /** Per node type: the [start, end) of the unit's main-tree nodes of that type, relative to its start. */
  found?: Map<string, Array<[number, number]>>;
}

export function unitTexts(units: readonly Unit[], text: string): UnitText[] {
  return units.map((u) => ({ start: u.start, end: u.end, text: text.slice(u.start, u.end) }));
}

/**
 * Old units against new ones: the longest run of equal unit texts at the front and at the back
 * stays; what lies between changed. Equal text is what the cached results were computed from, so
 * this needs no record of the edits (several coalesced edits are handled alike).
 */
export interface UnitAlignment {
  /** Units [0, prefix) of both lists are unchanged. */
  prefix: number;
  /** The last `suffix` units of both lists are unchanged. */
  suffix: number;
  oldUnits: readonly UnitText[];
  newUnits: readonly UnitText[];
}

export function alignUnits(oldUnits: readonly UnitText[], newUnits: readonly UnitText[]): UnitAlignment {
  const max = Math.min(oldUnits.length, newUnits.length);
  let prefix = 0;
  while (prefix < max && oldUnits[prefix]!.text === newUnits[prefix]!.text) prefix++;
  let suffix = 0;
  while (
    suffix < max - prefix &&
    oldUnits[oldUnits.length - 1 - suffix]!.text === newUnits[newUnits.length - 1 - suffix]!.text
  ) suffix++;
  return { prefix, suffix, oldUnits, newUnits };
}

/** New-list indices of the changed units. */
export function changedUnits(a: UnitAlignment): number[] {
  const out: number[] = [];
  for (let i = a.prefix; i < a.newUnits.length - a.suffix; i++) out.push(i);
  return out;
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
    let lo = 0;
    let hi = oldUnits.length - 1;
    let k = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const u = oldUnits[mid]!;
      if (off < u.start) hi = mid - 1;
      else if (off >= u.end) lo = mid + 1;
      else {
        k = mid;
        break;
      }
    }
    if (k === -1 && oldUnits.length > 0 && off === oldUnits[oldUnits.length - 1]!.end) k = oldUnits.length - 1;
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
