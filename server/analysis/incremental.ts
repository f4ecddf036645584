// The fast path of an edited document: re-run facts and rules only for the analysis units whose
// text changed since the last result (see units.ts), and move the other units' findings and facts
// by how far their unit moved (in place: the previous result's objects become the new one's).
// A unit's findings depend on its own text, on file-level context read whole-file (`use`s,
// statics, structs, same-file fns through `FileSyntax.fileNodes`), on the workspace index and on
// the config — so for an unchanged unit, they are the same as before unless something it reads
// from another unit changed (an async fn becoming sync, a lock order in another fn). Those
// cross-unit effects are corrected by the next full check; the language server runs one once
// typing pauses (docs/lsp.md, "Fast and full checks").
import type { SyntaxNode, Tree } from '../../grammars/rust.js';
import type { Config } from './config.js';
import { checkFile, dedupe, parseFile, type ParsedFile, type RuleFailure } from './engine.js';
import { factsSignature, isSignatureOnly, type FieldFact, type FileFacts, type FnFact } from './facts.js';
import type { Knowledge } from './knowledge.js';
import { LineIndex } from './line-index.js';
import { replaceLines } from './signature.js';
import type { BodyLocks, FileLocks } from './lock-facts.js';
import type { StaticRule } from './rule.js';
import type { Finding, Pos, Span } from './types.js';
import { alignUnits, changedUnits, ownNodes, resplitUnits, scopeRoots, splitUnits, unitIndexAt, unitMapper, unitTexts, widen, type UnitAlignment, type UnitList, type UnitText } from './units.js';
import type { FileSyntax } from './syntax.js';
import { bindUse, collectUses, type UseMap } from './uses.js';
import type { WorkspaceIndex } from './workspace-index.js';

/** What a document's last result was computed from, and the result. */
export interface FileState {
  text: string;
  /** Lines of `text`: kept spans move by whole lines and columns from them. */
  lines: LineIndex;
  units: UnitText[];
  findings: Finding[];
  facts: FileFacts;
  /** The file's `use` map, as the units' maps joined. */
  uses?: UseMap;
  /** Where each of `facts.locks.bodies` starts (see `mergeFacts`). */
  bodyFirsts?: Int32Array;
}

export function stateOf(file: ParsedFile, findings: Finding[]): FileState {
  const units = unitTexts(splitUnits(file.tree.rootNode, file.text.length), file.text);
  fillUses(units, file.syntax.fileNodes('use_declaration'), file.syntax);
  return { text: file.text, lines: file.lines, units, findings, facts: file.facts, uses: file.resolver.uses };
}

/** Each unit's own `use` map, from the file's `use` declarations (in source order). */
function fillUses(units: UnitText[], decls: readonly SyntaxNode[], syntax: FileSyntax, only?: readonly number[]): void {
  const idx = only ?? units.map((_, i) => i);
  let d = 0;
  for (const i of idx) {
    const u = units[i]!;
    const mine: SyntaxNode[] = [];
    while (d < decls.length && syntax.start(decls[d]!) < u.start) d++;
    while (d < decls.length && (syntax.start(decls[d]!) < u.end || (u.end === syntax.text.length && i === units.length - 1))) mine.push(decls[d++]!);
    u.uses = collectUses(mine);
  }
}

/** Units whose text did not change keep what was computed from it. */
function carry(old: readonly UnitText[], texts: UnitText[], a: UnitAlignment): void {
  const keep = (to: UnitText, from: UnitText) => {
    to.uses = from.uses;
    to.found = from.found;
  };
  for (let j = 0; j < a.prefix; j++) keep(texts[j]!, old[j]!);
  const shift = texts.length - old.length;
  for (let j = texts.length - a.suffix; j < texts.length; j++) keep(texts[j]!, old[j - shift]!);
}

/**
 * The file's `use` map for a scoped analysis: the changed units' from the scoped syntax (macro
 * bodies included, as in the full check), the others' as kept. Joining per-unit maps in order
 * gives what one pass over all declarations gives (a later `use` of a name wins).
 */
function usesFor(units: UnitList, texts: UnitText[], scope: readonly number[], before?: { uses: UseMap; replaced: readonly UnitText[] }): (syntax: FileSyntax) => UseMap {
  return (syntax) => {
    fillUses(texts, syntax.nodes('use_declaration'), syntax, scope);
    // The usual keystroke neither had nor has a `use` in the changed units: the file's map stands.
    if (before && scope.every((i) => noUses(texts[i]!.uses)) && before.replaced.every((u) => noUses(u.uses))) return before.uses;
    const out: UseMap = { names: new Map(), globs: [], ambiguous: new Set() };
    texts.forEach((u, i) => {
      if (!u.uses) {
        const decls = TYPE_WORDS.use_declaration!.test(u.text) ? ownNodes(units.at(i)!, 'use_declaration') : [];
        u.uses = collectUses(decls);
      }
      for (const [k, v] of u.uses.names) bindUse(out, k, v);
      for (const g of u.uses.globs) out.globs.push(g);
      for (const a of u.uses.ambiguous) out.ambiguous.add(a);
    });
    return out;
  };
}

const noUses = (u: UseMap | undefined) => !!u && u.names.size === 0 && u.globs.length === 0 && u.ambiguous.size === 0;

export interface UnitCheckResult {
  findings: Finding[];
  failures: RuleFailure[];
  facts: FileFacts;
  /** The merged facts changed the file's index signature. */
  indexChanged: boolean;
  state: FileState;
  /** How many units were analysed, of how many. */
  analysed: number;
  units: number;
  /** The text ranges [start, end) of the analysed units, in source order. */
  analysedRanges: Array<[number, number]>;
}

export interface UnitCheckInput {
  path: string;
  text: string;
  tree: Tree;
  lines?: LineIndex;
  index: WorkspaceIndex;
  knowledge: Knowledge;
  rules: readonly StaticRule[];
  config: Config;
}

/**
 * Check only the units of `input.text` that differ from `prev`. Undefined when that would not be
 * cheaper than checking the whole file (most of the text changed).
 */
export function checkChangedUnits(prev: FileState, input: UnitCheckInput): UnitCheckResult | undefined {
  const { text, tree } = input;
  const lines = input.lines ?? new LineIndex(text);
  // Usually only the items around the edit are split again (units.ts, `resplitUnits`).
  const re = resplitUnits(prev.units, prev.text, tree.rootNode, text);
  let units: UnitList;
  let texts: UnitText[];
  if (re) ({ units, texts } = re);
  else {
    const split = splitUnits(tree.rootNode, text.length);
    units = split;
    texts = unitTexts(split, text);
  }
  const align = alignUnits(prev.units, texts);
  const changed = changedUnits(align);
  let changedChars = 0;
  for (const i of changed) changedChars += texts[i]!.end - texts[i]!.start;
  if (changedChars * 2 > text.length) return undefined;
  const changedSet = new Set(changed);
  carry(prev.units, texts, align);
  const others = outsideNodes(units, texts, texts.map((_, i) => i).filter((i) => !changedSet.has(i)));
  return checkUnitSubset(prev, input, lines, units, texts, align, changed, others);
}

/** The units at these new-list indices, re-analysed against `prev` for the others. */
function checkUnitSubset(
  prev: FileState,
  input: UnitCheckInput,
  lines: LineIndex,
  units: UnitList,
  texts: UnitText[],
  align: UnitAlignment,
  scope: readonly number[],
  outside: (type: string) => readonly SyntaxNode[],
): UnitCheckResult {
  const { path, text, tree, index, knowledge } = input;
  const scopeUnits = scope.map((i) => texts[i]!);
  const scopeNodes = scopeRoots(units, scope);
  const mover = new SpanMover(path, prev.lines, lines, align, text.length);
  const deltaAt = mover.deltaAt;
  const inChanged = (off: number) => scopeUnits.some((u) => off >= u.start && (off < u.end || (off === u.end && u.end === text.length)));

  const replaced = prev.units.slice(align.prefix, prev.units.length - align.suffix);
  const before = prev.uses && { uses: prev.uses, replaced };
  const scoped = parseFile(path, text, index, knowledge, tree, { nodes: scopeNodes, lines, outside, uses: usesFor(units, texts, scope, before) });
  const findings: Finding[] = [];
  for (const f of prev.findings) {
    if (deltaAt(f.span.start.offset) === undefined) continue;
    if (!mover.stillFinding(f)) mover.planFinding(f);
    findings.push(f);
  }
  // Moves the kept findings' and facts' spans (planned above and in mergeFacts) in place.
  const dropped: Dropped = { fns: [], fields: [], bodies: [] };
  const firsts: { value?: Int32Array } = {};
  const facts = mergeFacts(prev.facts, scoped.facts, mover, dropped, prev.bodyFirsts, firsts);
  const fresh = scoped.facts;
  scoped.facts = facts;
  // The index holds the previous facts' objects, kept ones included: when that is `prev`'s
  // result, only the dropped and fresh fns and fields change there.
  // A keystroke in code that takes no lock (before or after) leaves the lock graph as it was:
  // the only findings it feeds that are re-checked now are those of the changed code.
  const noLocks = dropped.bodies.every((b) => b.sites.length === 0) && (fresh.locks?.bodies ?? []).every((b) => b.sites.length === 0);
  const indexChanged = index.get(path) === prev.facts ? index.updateParts(facts, dropped, fresh, noLocks) : index.update(facts);

  const result = checkFile(scoped, index, knowledge, input.rules, input.config);
  for (const f of result.findings) if (inChanged(f.span.start.offset)) findings.push(f);
  findings.sort((a, b) => a.span.start.offset - b.span.start.offset || a.rule.localeCompare(b.rule));
  const merged = dedupe(findings);
  return {
    findings: merged,
    failures: result.failures,
    facts,
    indexChanged,
    state: { text, lines, units: texts, findings: merged, facts, uses: scoped.resolver.uses, bodyFirsts: firsts.value },
    analysed: scopeUnits.length,
    units: texts.length,
    analysedRanges: scopeUnits.map((u): [number, number] => [u.start, u.end]),
  };
}

/**
 * Analyse a file one unit at a time, each against the file's own full result for the others,
 * and merge: what the fast path computes for a file when every unit is edited in turn. Used to
 * check that unit-scoped findings equal the full check's (test/analysis/units.test.ts).
 */
export function checkUnitByUnit(full: FileState, input: UnitCheckInput): { findings: Finding[]; failures: RuleFailure[] } {
  const lines = input.lines ?? new LineIndex(input.text);
  const units = splitUnits(input.tree.rootNode, input.text.length);
  const texts = unitTexts(units, input.text);
  const findings: Finding[] = [];
  const failures: RuleFailure[] = [];
  for (let i = 0; i < units.length; i++) {
    // Pretend unit i alone changed: prefix i, suffix n-i-1 (a header unit: its whole container).
    const align = widen({ prefix: i, suffix: units.length - i - 1, oldUnits: full.units, newUnits: texts });
    carry(full.units, texts, align);
    const scope = changedUnits(align);
    for (const j of scope) {
      texts[j]!.uses = undefined;
      texts[j]!.found = undefined;
    }
    const inScope = new Set(scope);
    const others = outsideNodes(units, texts, units.map((_, j) => j).filter((j) => !inScope.has(j)));
    const r = checkUnitSubset(full, input, lines, units, texts, align, scope, others);
    const u = texts[i]!;
    findings.push(...r.findings.filter((f) => f.span.start.offset >= u.start && (f.span.start.offset < u.end || (i === units.length - 1 && f.span.start.offset === u.end))));
    failures.push(...r.failures);
  }
  return { findings, failures };
}


/** New positions planned by `SpanMover.plan`, six numbers a span; reused by every check. */
// Integers: V8 keeps a position's fields as small integers only while every write is one (a
// double written once changes the field's representation for every position object).
let targets = new Int32Array(6 * 4096);

/**
 * Moves spans of the same file from the old text to the new one. A span in an unchanged unit
 * moves with it: by the unit's offset and line deltas, and on the unit's first line also by its
 * column delta (no line lookups). A span in a changed unit keeps its offsets.
 */
class SpanMover {
  private readonly at: (off: number) => { k: number; j: number } | undefined;
  /** Per old unit index: [offset delta, line delta, old first line, column delta on that line]. */
  private readonly moves = new Map<number, [number, number, number, number]>();
  readonly deltaAt: (off: number) => number | undefined;

  constructor(
    private readonly path: string,
    private readonly oldLines: LineIndex,
    private readonly lines: LineIndex,
    private readonly align: UnitAlignment,
    private readonly length: number,
  ) {
    this.at = unitMapper(align);
    this.deltaAt = (off) => {
      const k = this.unitOf(off);
      return k < 0 ? undefined : align.newUnits[this.newIndex(k)]!.start - align.oldUnits[k]!.start;
    };
  }

  /**
   * Whether the unit holding an old offset is in the unchanged run at the front: nothing in it
   * moved, so what lies wholly in it (a finding or a fact of one item) is kept as it is.
   */
  still(off: number): boolean {
    const k = this.unitOf(off);
    return k >= 0 && k < this.align.prefix;
  }

  /** For an old offset: -1 when its unit changed, 0 when it lies in the unchanged run at the front, 1 when it moves. */
  classify(off: number): -1 | 0 | 1 {
    const k = this.unitOf(off);
    return k < 0 ? -1 : k < this.align.prefix ? 0 : 1;
  }

  private stillSpan(s: Span): boolean {
    return this.still(s.start.offset) && (s.end.offset <= s.start.offset || this.still(s.end.offset - 1));
  }

  /** A finding whose spans in this file all lie in the unchanged run at the front. */
  stillFinding(f: Finding): boolean {
    return (
      this.stillSpan(f.span) &&
      f.related.every((r) => !this.own(r.file) || this.stillSpan(r.span)) &&
      f.fixes.every((fx) => fx.edits.every((e) => !this.own(e.file) || this.stillSpan(e.span)))
    );
  }

  private move(k: number, j: number): [number, number, number, number] {
    let mv = this.moves.get(k);
    if (!mv) {
      const o = this.oldLines.pos(this.align.oldUnits[k]!.start);
      const n = this.lines.pos(this.align.newUnits[j]!.start);
      mv = [n.offset - o.offset, n.line - o.line, o.line, n.character - o.character];
      this.moves.set(k, mv);
    }
    return mv;
  }

  span(s: Span): Span {
    const m = this.at(s.start.offset);
    if (m) {
      const u = this.align.oldUnits[m.k]!;
      if (s.end.offset <= u.end && s.end.offset >= s.start.offset) {
        const [d, dl, line0, dc] = this.move(m.k, m.j);
        if (d === 0 && dl === 0 && dc === 0) return s;
        const pos = (p: Pos): Pos => ({ offset: p.offset + d, line: p.line + dl, character: p.line === line0 ? p.character + dc : p.character });
        return { start: pos(s.start), end: pos(s.end) };
      }
    }
    const d = m ? this.align.newUnits[m.j]!.start - this.align.oldUnits[m.k]!.start : 0;
    // A span reaching into a later unit (a whole container, from its header to its `}`): its end
    // moves with the unit that holds it when that one is unchanged.
    const de = s.end.offset > s.start.offset ? this.deltaAt(s.end.offset - 1) ?? d : d;
    if (d === 0 && de === 0 && s.end.offset <= this.length && this.lines.lineStarts.length > s.end.line && this.samePos(s)) return s;
    const clamp = (o: number) => Math.max(0, Math.min(this.length, o));
    return this.lines.span(clamp(s.start.offset + d), Math.max(clamp(s.start.offset + d), clamp(s.end.offset + de)));
  }

  private samePos(s: Span): boolean {
    return this.lines.lineStarts[s.start.line] === s.start.offset - s.start.character && this.lines.lineStarts[s.end.line] === s.end.offset - s.end.character;
  }

  private own(file: string | undefined): boolean {
    return file === undefined || file === this.path;
  }

  private lastUnit = 0;

  /** The spans planned to move, and their new start and end (offset, line, character) in `targets`. */
  private readonly planned: Span[] = [];

  /**
   * Plans to move a span in place. Kept findings and facts are the previous result's own
   * objects: moving them allocates nothing that outlives the keystroke, where copies of every
   * span after the edit were promoted to the old generation and made the collector pause. A
   * position object can be shared by several spans (a finding's related place that is a fact's
   * span), so every new position is computed from the old ones before any is written.
   */
  plan(s: Span): void {
    const so = s.start.offset;
    const eo = s.end.offset;
    const k = this.unitOf(so);
    let i = this.planned.length * 6;
    if (targets.length < i + 6) {
      const grown = new Int32Array(targets.length * 2);
      grown.set(targets);
      targets = grown;
    }
    if (k >= 0 && eo >= so && eo <= this.align.oldUnits[k]!.end) {
      const [d, dl, line0, dc] = this.move(k, this.newIndex(k));
      if (d === 0 && dl === 0 && dc === 0) return;
      const a = s.start;
      const b = s.end;
      targets[i++] = a.offset + d;
      targets[i++] = a.line + dl;
      targets[i++] = a.line === line0 ? a.character + dc : a.character;
      targets[i++] = b.offset + d;
      targets[i++] = b.line + dl;
      targets[i++] = b.line === line0 ? b.character + dc : b.character;
    } else {
      const to = this.span(s);
      if (to === s) return;
      targets[i++] = to.start.offset;
      targets[i++] = to.start.line;
      targets[i++] = to.start.character;
      targets[i++] = to.end.offset;
      targets[i++] = to.end.line;
      targets[i++] = to.end.character;
    }
    this.planned.push(s);
  }

  planFinding(f: Finding): void {
    this.plan(f.span);
    for (const r of f.related) if (this.own(r.file)) this.plan(r.span);
    for (const fx of f.fixes) for (const e of fx.edits) if (this.own(e.file)) this.plan(e.span);
  }

  /** Writes the planned moves. */
  apply(): void {
    let i = 0;
    for (const s of this.planned) {
      s.start.offset = targets[i++]!;
      s.start.line = targets[i++]!;
      s.start.character = targets[i++]!;
      s.end.offset = targets[i++]!;
      s.end.line = targets[i++]!;
      s.end.character = targets[i++]!;
    }
    this.planned.length = 0;
  }

  /** The old unit holding an old offset when it is unchanged, else -1 (as `unitMapper`, without allocating). */
  private unitOf(off: number): number {
    const { oldUnits, prefix, suffix } = this.align;
    // Spans come in runs from one unit (a fn's awaits, a body's calls): try the last one first.
    const last = oldUnits[this.lastUnit];
    const k = last && off >= last.start && off < last.end ? this.lastUnit : unitIndexAt(oldUnits, off);
    if (k !== -1) this.lastUnit = k;
    return k !== -1 && (k < prefix || k >= oldUnits.length - suffix) ? k : -1;
  }

  private newIndex(k: number): number {
    return k < this.align.prefix ? k : k + this.align.newUnits.length - this.align.oldUnits.length;
  }


}

/**
 * Old facts of unchanged units (moved) joined with the changed units' new facts, in extraction
 * order. The signature is the old one when the facts the changed units had give the same
 * signature lines as their new facts (the usual keystroke inside a body): the other units' lines
 * are the same, and their lock bodies stay in the same order around the changed ones.
 */
interface Dropped {
  fns: FnFact[];
  fields: FieldFact[];
  bodies: BodyLocks[];
}

/** `dropped` receives the old facts of the changed units. */
function mergeFacts(old: FileFacts, fresh: FileFacts, mover: SpanMover, dropped: Dropped, firsts: Int32Array | undefined, firstsOut: { value?: Int32Array }): FileFacts {
  const kept = <T>(items: readonly T[], at: (x: T) => number | undefined, move: (x: T) => void, drop: T[]): T[] => {
    const out: T[] = [];
    for (const x of items) {
      const o = at(x);
      if (o === undefined) continue;
      const c = mover.classify(o);
      if (c === -1) {
        drop.push(x);
        continue;
      }
      if (c === 1) move(x);
      out.push(x);
    }
    return out;
  };
  const keptFns = kept(old.fns, (f) => f.nameSpan.start.offset, (f) => {
    mover.plan(f.nameSpan);
    for (const a of f.awaits) mover.plan(a.span);
  }, dropped.fns);
  const keptFields = kept(old.fields, (f) => f.span.start.offset, (f) => mover.plan(f.span), dropped.fields);
  // Where each body starts comes from `firsts` (parallel to the old bodies) when given: reading
  // it through every body's first site or call costs a chain of cache misses per body.
  const oldBodies = old.locks?.bodies ?? [];
  const known = firsts && firsts.length === oldBodies.length ? firsts : undefined;
  const keptBodies: Array<{ body: BodyLocks; first: number }> = [];
  for (let i = 0; i < oldBodies.length; i++) {
    const b = oldBodies[i]!;
    const o = known ? known[i]! : firstOffset(b);
    if (o === undefined) continue;
    const c = mover.classify(o);
    if (c === -1) {
      dropped.bodies.push(b);
      continue;
    }
    if (c === 1) {
      for (const x of b.sites) mover.plan(x.span);
      for (const x of b.calls) mover.plan(x.span);
    }
    keptBodies.push({ body: b, first: c === 1 ? o + mover.deltaAt(o)! : o });
  }
  mover.apply();
  // Kept and fresh lists are each in extraction order, so joining them is a merge, not a sort.
  // Extraction lists fns with bodies first, then bodiless ones, each in source order.
  const fnKey = (f: FnFact) => (isSignatureOnly(f) ? 1e15 : 0) + f.nameSpan.start.offset;
  const fns = mergeSorted(keptFns, fresh.fns, fnKey);
  const fields = mergeSorted(keptFields, fresh.fields, (f) => f.span.start.offset);
  let locks: FileLocks | undefined;
  if (old.locks || fresh.locks) {
    const freshBodies = (fresh.locks?.bodies ?? []).map((body) => ({ body, first: firstOffset(body) ?? 0 }));
    // Merged by start, keeping the starts for the next keystroke.
    const merged = mergeSorted(keptBodies, freshBodies, (x) => x.first);
    firstsOut.value = Int32Array.from(merged, (x) => x.first);
    locks = { bodies: merged.map((x) => x.body), statics: fresh.locks?.statics ?? [] };
  }
  // Statics are whole-file facts: the fresh ones replace the old ones.
  const minus = factsSignature(dropped.fns, dropped.fields, { bodies: dropped.bodies, statics: old.locks?.statics ?? [] });
  const plus = factsSignature(fresh.fns, fresh.fields, { bodies: fresh.locks?.bodies ?? [], statics: fresh.locks?.statics ?? [] });
  return { path: fresh.path, fns, uses: fresh.uses, fields, locks, signature: minus === plus ? old.signature : replaceLines(old.signature, minus, plus) };
}

/** Two lists each ascending by `key`, as one (ties: `a`'s first). */
function mergeSorted<T>(a: readonly T[], b: readonly T[], key: (x: T) => number): T[] {
  if (b.length === 0) return a as T[];
  const out: T[] = [];
  let i = 0;
  let j = 0;
  let ka = i < a.length ? key(a[i]!) : Infinity;
  let kb = key(b[0]!);
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && ka <= kb)) {
      out.push(a[i++]!);
      ka = i < a.length ? key(a[i]!) : Infinity;
    } else {
      out.push(b[j++]!);
      kb = j < b.length ? key(b[j]!) : Infinity;
    }
  }
  return out;
}

/**
 * Where a body's recorded lock facts start (a body is kept only when it has some). Sites and
 * calls are each recorded in source order, so only their first entries can hold the minimum.
 */
function firstOffset(b: BodyLocks): number | undefined {
  const s = b.sites[0]?.span.start.offset;
  const c = b.calls[0]?.span.start.offset;
  return s === undefined ? c : c === undefined ? s : Math.min(s, c);
}

/**
 * A word every node of a whole-file lookup type has in its text: units without it are not
 * searched (walking every fn body of a large file for its `use`s costs more than the rest of a
 * keystroke's analysis).
 */
const TYPE_WORDS: Record<string, RegExp> = {
  use_declaration: /\buse\b/,
  static_item: /\bstatic\b/,
  const_item: /\bconst\b/,
  struct_item: /\bstruct\b/,
  function_item: /\bfn\b/,
  macro_definition: /\bmacro_rules\b/,
};

/**
 * The main-tree nodes of a type in the units outside the scope (see `FileSyntax.fileNodes`).
 * Where they lie in a unit depends on its text only, so it is remembered per unit and the nodes
 * are found again in the new tree by position: a lookup per node (none when the node is the
 * unit's own item) instead of a walk of every fn body.
 */
function outsideNodes(units: UnitList, texts: readonly UnitText[], outside: readonly number[]): (type: string) => readonly SyntaxNode[] {
  return (type) => {
    const word = TYPE_WORDS[type];
    const out: SyntaxNode[] = [];
    for (const i of outside) {
      const u = texts[i]!;
      const known = u.found?.get(type);
      if (known?.length === 0) continue;
      if (!known && word && !word.test(u.text)) {
        (u.found ??= new Map()).set(type, []);
        continue;
      }
      const roots = units.at(i)!.nodes;
      const again = known && refind(roots, known, u.start, type);
      if (again) {
        out.push(...again);
        continue;
      }
      const nodes = ownNodes(units.at(i)!, type);
      (u.found ??= new Map()).set(type, nodes.map((n) => [n.startIndex - u.start, n.endIndex - u.start]));
      out.push(...nodes);
    }
    return out;
  };
}

/** The nodes of `type` at these unit-relative ranges, or undefined when one is not there. */
function refind(roots: readonly SyntaxNode[], ranges: ReadonlyArray<[number, number]>, base: number, type: string): SyntaxNode[] | undefined {
  const out: SyntaxNode[] = [];
  for (const [rs, re] of ranges) {
    const s = base + rs;
    const e = base + re;
    let n: SyntaxNode | null | undefined = roots.find((r) => r.startIndex === s && r.endIndex === e && r.type === type);
    if (!n) {
      const root = roots.find((r) => r.startIndex <= s && r.endIndex >= e);
      n = root?.descendantForIndex(s, e);
      while (n && !(n.type === type && n.startIndex === s && n.endIndex === e)) n = n.startIndex === s && n.endIndex === e ? n.parent : undefined;
    }
    if (!n) return undefined;
    out.push(n);
  }
  return out;
}

/**
 * The file parsed for a question about one place (a hover): only the unit holding `offset` (the
 * whole container for a header unit, and the unit before when the offset is where it ends) gets
 * syntax, a resolver and facts; file-level lookups use what `state` remembers per unit. `state`
 * must be the result for this very text. Much cheaper than parsing the whole file per version.
 */
export function parseAround(state: FileState, input: Omit<UnitCheckInput, 'rules' | 'config'>, offset: number): ParsedFile | undefined {
  const { path, text, tree, index, knowledge } = input;
  if (state.text !== text) return undefined;
  const units = splitUnits(tree.rootNode, text.length);
  const texts = state.units;
  if (units.length !== texts.length || units.some((u, i) => u.start !== texts[i]!.start)) return undefined;
  const hit = new Set<number>();
  units.forEach((u, i) => {
    if ((offset >= u.start && offset < u.end) || offset === u.end) hit.add(i);
  });
  if (hit.size === 0) return undefined;
  const scope = changedUnits(widen({ prefix: Math.min(...hit), suffix: units.length - 1 - Math.max(...hit), oldUnits: texts, newUnits: texts }));
  const inScope = new Set(scope);
  const others = outsideNodes(units, texts, units.map((_, i) => i).filter((i) => !inScope.has(i)));
  return parseFile(path, text, index, knowledge, tree, { nodes: scopeRoots(units, scope), lines: input.lines ?? state.lines, outside: others, uses: usesFor(units, texts, scope) });
}
