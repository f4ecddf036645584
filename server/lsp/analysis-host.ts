// The analysis state the server holds, as plain data: the workspace index (facts of every file),
// the latest findings of every file, and the parse of each open document at its analysed
// version. Closed files keep only facts and findings — no trees — so memory stays flat however
// large the workspace. Nothing here knows about LSP.
import { extractFactsSteps } from '../analysis/facts.js';
import type { SourceDocument } from '../analysis/document.js';
import { checkFileSteps, parseFile, parseFileSteps, type ParsedFile, type RuleFailure } from '../analysis/engine.js';
import { finish, type Steps } from '../analysis/steps.js';
import type { Config } from '../analysis/config.js';
import type { StaticRule } from '../analysis/rule.js';
import type { Finding } from '../analysis/types.js';
import { Workspace } from '../workspace/workspace.js';
import { checkChangedUnits, parseAround, stateOf, type FileState } from '../analysis/incremental.js';

export interface CheckOutcome {
  findings: Finding[];
  failures: RuleFailure[];
  /** The file's index signature changed: other files' findings may change too. */
  indexChanged: boolean;
}

export class AnalysisHost {
  readonly workspace: Workspace;
  private readonly findingsByPath = new Map<string, Finding[]>();
  private readonly parsedOpen = new Map<string, { version: number; text: string; file: ParsedFile; generation: number }>();
  /** Per open document: what its last findings were computed from, unit by unit (fast checks build on it). */
  private readonly unitStates = new Map<string, FileState>();
  /** What the last fast check analysed: the text ranges of its units (tests observe the granularity through it). */
  lastFast: { path: string; analysed: Array<[number, number]>; units: number } | undefined;

  constructor(config: Config, rules: readonly StaticRule[]) {
    this.workspace = new Workspace(config, rules);
  }

  get rules(): readonly StaticRule[] {
    return this.workspace.rules;
  }

  get config(): Config {
    return this.workspace.config;
  }

  set config(c: Config) {
    this.workspace.config = c;
    // Kept findings were computed under the old severities and rules: the next check is a full one.
    this.unitStates.clear();
  }

  /** Parse an open document (incrementally, through its own tree) and record its facts. */
  parseOpen(path: string, doc: SourceDocument): { file: ParsedFile; indexChanged: boolean } {
    return finish(this.parseOpenSteps(path, doc));
  }

  private *parseOpenSteps(path: string, doc: SourceDocument): Steps<{ file: ParsedFile; indexChanged: boolean }> {
    const index = this.workspace.index;
    const cached = this.parsedOpen.get(path);
    if (cached && cached.version === doc.version && cached.text === doc.text) {
      if (cached.generation === index.generation) return { file: cached.file, indexChanged: false };
      // The text is the same but the index moved on (indexing finished, another file changed):
      // facts can depend on other files' field and return types, so they are recomputed.
      cached.file.facts = yield* extractFactsSteps(path, cached.file.syntax, cached.file.resolver, this.workspace.knowledge);
      const indexChanged = index.update(cached.file.facts);
      cached.generation = index.generation;
      return { file: cached.file, indexChanged };
    }
    const file = yield* parseFileSteps(path, doc.text, index, this.workspace.knowledge, doc.tree);
    const indexChanged = index.update(file.facts);
    this.parsedOpen.set(path, { version: doc.version, text: doc.text, file, generation: index.generation });
    return { file, indexChanged };
  }

  /**
   * The open document's syntax, resolver and facts around `offset`, for a hover: the whole file's
   * parse when the last full check left it for this version, else only the item at the offset,
   * built on the last result (server/analysis/incremental.ts, `parseAround`).
   */
  parseAt(path: string, doc: SourceDocument, offset: number): ParsedFile {
    const cached = this.parsedOpen.get(path);
    if (cached && cached.version === doc.version && cached.text === doc.text && cached.generation === this.workspace.index.generation) return cached.file;
    const state = this.unitStates.get(path);
    const ws = this.workspace;
    const around = state && parseAround(state, { path, text: doc.text, tree: doc.tree, lines: doc.lines, index: ws.index, knowledge: ws.knowledge }, offset);
    return around ?? this.parseOpen(path, doc).file;
  }

  /** Analyse an open document at its current version: the whole file (the full check). */
  checkOpen(path: string, doc: SourceDocument): CheckOutcome {
    return finish(this.checkOpenSteps(path, doc));
  }

  /**
   * `checkOpen` in steps that may be paused (see steps.ts). The document must not change while
   * they run: a caller that sees it change drops the steps. Findings are stored by the last step
   * only, so dropped steps leave the last result in place; the file's facts may by then have
   * reached the index (the rules read them), which the next check, fast or full, replaces.
   */
  *checkOpenSteps(path: string, doc: SourceDocument): Steps<CheckOutcome> {
    const { file, indexChanged } = yield* this.parseOpenSteps(path, doc);
    const ws = this.workspace;
    const result = yield* checkFileSteps(file, ws.index, ws.knowledge, ws.rules, ws.config);
    this.findingsByPath.set(path, result.findings);
    this.unitStates.set(path, stateOf(file, result.findings));
    return { ...result, indexChanged };
  }

  /**
   * The fast check of an edited open document: only the top-level items whose text changed since
   * the last result are analysed; the others' findings are moved (server/analysis/incremental.ts).
   * Undefined when there is nothing to build on (no earlier result, unchanged text — then only the
   * index moved, which needs a full check — or most of the file changed).
   */
  checkOpenFast(path: string, doc: SourceDocument): CheckOutcome | undefined {
    const prev = this.unitStates.get(path);
    if (!prev || prev.text === doc.text) return undefined;
    const ws = this.workspace;
    let r: ReturnType<typeof checkChangedUnits>;
    try {
      r = checkChangedUnits(prev, {
        path, text: doc.text, tree: doc.tree, lines: doc.lines,
        index: ws.index, knowledge: ws.knowledge, rules: ws.rules, config: ws.config,
      });
    } catch (e) {
      // The fast check moves the kept findings and facts of `prev` in place: after a failure
      // part way, they no longer match its text, so the next check is a full one.
      this.unitStates.delete(path);
      throw e;
    }
    if (!r) return undefined;
    this.lastFast = { path, analysed: r.analysedRanges, units: r.units };
    this.unitStates.set(path, r.state);
    this.findingsByPath.set(path, r.findings);
    return { findings: r.findings, failures: r.failures, indexChanged: r.indexChanged };
  }

  /** First indexing pass over a closed file: facts only, the tree is dropped right away. */
  indexClosed(path: string, text: string): boolean {
    const file = parseFile(path, text, this.workspace.index, this.workspace.knowledge);
    return this.workspace.index.update(file.facts);
  }

  /**
   * Check a closed file against the (complete) index. Its facts are recomputed because they can
   * depend on other files (return and field types); the index is only touched when they changed,
   * which keeps it from being rebuilt after every file.
   */
  checkClosed(path: string, text: string): CheckOutcome {
    const file = parseFile(path, text, this.workspace.index, this.workspace.knowledge);
    let indexChanged = false;
    if (this.workspace.index.get(path)?.signature !== file.facts.signature) indexChanged = this.workspace.index.update(file.facts);
    const result = this.workspace.check(file);
    this.findingsByPath.set(path, result.findings);
    return { ...result, indexChanged };
  }

  /** A document was closed: its parse goes, its findings stay until the caller re-checks it. */
  closeDocument(path: string): void {
    this.parsedOpen.delete(path);
    this.unitStates.delete(path);
  }

  /** The file is gone: drop its facts and findings. True when it was known. */
  forget(path: string): boolean {
    this.parsedOpen.delete(path);
    this.unitStates.delete(path);
    const had = this.findingsByPath.delete(path);
    return this.workspace.index.remove(path) || had;
  }

  findings(path: string): readonly Finding[] | undefined {
    return this.findingsByPath.get(path);
  }

  paths(): string[] {
    return [...this.findingsByPath.keys()];
  }

  *allFindings(): IterableIterator<Finding> {
    for (const list of this.findingsByPath.values()) yield* list;
  }

  ruleMeta(id: string) {
    return this.workspace.rules.find((r) => r.meta.id === id)?.meta;
  }
}
