// The fast path of an edited document: re-run facts and rules only for the analysis units whose
// text changed since the last result (see units.ts), and move the other units' findings and facts
// by how far their unit moved. A unit's findings depend on its own text, on file-level context
// read whole-file (`use`s, statics, structs, same-file fns through `FileSyntax.fileNodes`), on
// the workspace index and on the config — so for an unchanged unit, they are the same as before
// unless something it reads from another unit changed (an async fn becoming sync, a lock order
// in another fn). Those cross-unit effects are corrected by the next full check; the language
// server runs one once typing pauses (docs/lsp.md, "Fast and full checks").
import type { SyntaxNode, Tree } from '../../grammars/rust.js';
import type { Config } from './config.js';
import { checkFile, type ParsedFile, type RuleFailure } from './engine.js';
import { parseFile } from './engine.js';
import { copyFnMark, factsSignature, isSignatureOnly, type FieldFact, type FileFacts, type FnFact } from './facts.js';
import type { Knowledge } from './knowledge.js';
import { LineIndex } from './line-index.js';
import type { BodyLocks, FileLocks } from './lock-facts.js';
import type { StaticRule } from './rule.js';
import type { Finding, Span } from './types.js';
import { alignUnits, changedUnits, deltaMapper, splitUnits, unitTexts, type UnitText } from './units.js';
import type { WorkspaceIndex } from './workspace-index.js';

/** What a document's last result was computed from, and the result. */
export interface FileState {
  text: string;
  units: UnitText[];
  findings: Finding[];
  facts: FileFacts;
}

export function stateOf(file: ParsedFile, findings: Finding[]): FileState {
  return { text: file.text, units: unitTexts(splitUnits(file.tree.rootNode, file.text.length), file.text), findings, facts: file.facts };
}

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
  const { path, text, tree, index } = input;
  const lines = input.lines ?? new LineIndex(text);
  const units = splitUnits(tree.rootNode, text.length);
  const texts = unitTexts(units, text);
  const align = alignUnits(prev.units, texts);
  const changed = changedUnits(align);
  let changedChars = 0;
  for (const i of changed) changedChars += texts[i]!.end - texts[i]!.start;
  if (changedChars * 2 > text.length) return undefined;
  const changedSet = new Set(changed);
  const others = outsideRoots(units.filter((_, i) => !changedSet.has(i)), texts.filter((_, i) => !changedSet.has(i)));
  return checkUnitSubset(prev, input, lines, texts, align, changed.map((i) => units[i]!.nodes).flat(), changed.map((i) => texts[i]!), others);
}

/** The units at these new-list indices, re-analysed against `prev` for the others. */
function checkUnitSubset(
  prev: FileState,
  input: UnitCheckInput,
  lines: LineIndex,
  texts: UnitText[],
  align: ReturnType<typeof alignUnits>,
  scopeNodes: SyntaxNode[],
  scopeUnits: UnitText[],
  outside: (type: string) => readonly SyntaxNode[],
): UnitCheckResult {
  const { path, text, tree, index, knowledge } = input;
  const deltaAt = deltaMapper(align);
  const mover = new SpanMover(path, lines, deltaAt, text.length);
  const inChanged = (off: number) => scopeUnits.some((u) => off >= u.start && (off < u.end || (off === u.end && u.end === text.length)));

  const scoped = parseFile(path, text, index, knowledge, tree, { nodes: scopeNodes, lines, outside });
  const facts = mergeFacts(prev.facts, scoped.facts, mover);
  scoped.facts = facts;
  const indexChanged = index.update(facts);

  const result = checkFile(scoped, index, knowledge, input.rules, input.config);
  const findings: Finding[] = [];
  for (const f of prev.findings) {
    const d = deltaAt(f.span.start.offset);
    if (d !== undefined) findings.push(mover.finding(f, d));
  }
  for (const f of result.findings) if (inChanged(f.span.start.offset)) findings.push(f);
  findings.sort((a, b) => a.span.start.offset - b.span.start.offset || a.rule.localeCompare(b.rule));
  const merged = dedupe(findings);
  return {
    findings: merged,
    failures: result.failures,
    facts,
    indexChanged,
    state: { text, units: texts, findings: merged, facts },
    analysed: scopeUnits.length,
    units: texts.length,
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
    // Pretend unit i alone changed: prefix i, suffix n-i-1.
    const align = { prefix: i, suffix: units.length - i - 1, oldUnits: full.units, newUnits: texts };
    const others = outsideRoots(units.filter((_, j) => j !== i), texts.filter((_, j) => j !== i));
    const r = checkUnitSubset(full, input, lines, texts, align, units[i]!.nodes, [texts[i]!], others);
    const u = texts[i]!;
    findings.push(...r.findings.filter((f) => f.span.start.offset >= u.start && (f.span.start.offset < u.end || (i === units.length - 1 && f.span.start.offset === u.end))));
    failures.push(...r.failures);
  }
  return { findings, failures };
}

function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const k = `${f.rule}@${f.span.start.offset}-${f.span.end.offset}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Moves spans of the same file from the old text to the new one. */
class SpanMover {
  constructor(
    private readonly path: string,
    private readonly lines: LineIndex,
    readonly deltaAt: (off: number) => number | undefined,
    private readonly length: number,
  ) {}

  /** Moved by `d`; a span in a changed unit keeps its offsets (re-positioned in the new text). */
  span(s: Span, d = this.deltaAt(s.start.offset) ?? 0): Span {
    if (d === 0 && s.end.offset <= this.length && this.lines.lineStarts.length > s.end.line && this.samePos(s)) return s;
    const clamp = (o: number) => Math.max(0, Math.min(this.length, o));
    return this.lines.span(clamp(s.start.offset + d), clamp(s.end.offset + d));
  }

  private samePos(s: Span): boolean {
    return this.lines.lineStarts[s.start.line] === s.start.offset - s.start.character && this.lines.lineStarts[s.end.line] === s.end.offset - s.end.character;
  }

  private own(file: string | undefined): boolean {
    return file === undefined || file === this.path;
  }

  finding(f: Finding, d: number): Finding {
    return {
      ...f,
      span: this.span(f.span, d),
      related: f.related.map((r) => (this.own(r.file) ? { ...r, span: this.span(r.span) } : r)),
      fixes: f.fixes.map((fx) => ({ ...fx, edits: fx.edits.map((e) => (this.own(e.file) ? { ...e, span: this.span(e.span) } : e)) })),
    };
  }
}

/** Old facts of unchanged units (moved) joined with the changed units' new facts, in extraction order. */
function mergeFacts(old: FileFacts, fresh: FileFacts, mover: SpanMover): FileFacts {
  const kept = <T>(items: readonly T[], at: (x: T) => number | undefined, move: (x: T, d: number) => T): T[] => {
    const out: T[] = [];
    for (const x of items) {
      const o = at(x);
      if (o === undefined) continue;
      const d = mover.deltaAt(o);
      if (d !== undefined) out.push(move(x, d));
    }
    return out;
  };
  const fns = [
    ...kept(old.fns, (f) => f.nameSpan.start.offset, (f, d): FnFact => copyFnMark(f, { ...f, nameSpan: mover.span(f.nameSpan, d), awaits: f.awaits.map((a) => ({ ...a, span: mover.span(a.span) })) })),
    ...fresh.fns,
  ];
  // Extraction lists fns with bodies first, then bodiless ones, each in source order.
  fns.sort((a, b) => Number(isSignatureOnly(a)) - Number(isSignatureOnly(b)) || a.nameSpan.start.offset - b.nameSpan.start.offset);
  const fields = [...kept(old.fields, (f) => f.span.start.offset, (f, d): FieldFact => ({ ...f, span: mover.span(f.span, d) })), ...fresh.fields];
  fields.sort((a, b) => a.span.start.offset - b.span.start.offset);
  let locks: FileLocks | undefined;
  if (old.locks || fresh.locks) {
    const bodies = [
      ...kept(old.locks?.bodies ?? [], firstOffset, (b): BodyLocks => ({
        ...b,
        sites: b.sites.map((s) => ({ ...s, span: mover.span(s.span) })),
        calls: b.calls.map((c) => ({ ...c, span: mover.span(c.span) })),
      })),
      ...(fresh.locks?.bodies ?? []),
    ];
    bodies.sort((a, b) => (firstOffset(a) ?? 0) - (firstOffset(b) ?? 0));
    locks = { bodies, statics: fresh.locks?.statics ?? [] };
  }
  return { path: fresh.path, fns, uses: fresh.uses, fields, locks, signature: factsSignature(fns, fields, locks ?? { bodies: [], statics: [] }) };
}

/** Where a body's recorded lock facts start (a body is kept only when it has some). */
function firstOffset(b: BodyLocks): number | undefined {
  let min: number | undefined;
  for (const s of b.sites) if (min === undefined || s.span.start.offset < min) min = s.span.start.offset;
  for (const c of b.calls) if (min === undefined || c.span.start.offset < min) min = c.span.start.offset;
  return min;
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

/** The roots of units outside the scope that may hold nodes of a type (see `FileSyntax.fileNodes`). */
function outsideRoots(units: ReadonlyArray<{ nodes: SyntaxNode[] }>, texts: readonly UnitText[]): (type: string) => readonly SyntaxNode[] {
  return (type) => {
    const word = TYPE_WORDS[type];
    const out: SyntaxNode[] = [];
    units.forEach((u, i) => {
      if (!word || word.test(texts[i]!.text)) out.push(...u.nodes);
    });
    return out;
  };
}
