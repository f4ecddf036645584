// Batch analysis of a set of files against one shared index: what `awaitlens check` runs, and
// what the language server uses to index a workspace. Index facts are computed for every file
// before any rule runs, so cross-file facts (async fns, field types) are complete.
import type { Config } from '../analysis/config.js';
import { checkFile, parseFile, type FileResult, type ParsedFile } from '../analysis/engine.js';
import { knowledge, type Knowledge } from '../analysis/knowledge.js';
import type { StaticRule } from '../analysis/rule.js';
import { WorkspaceIndex } from '../analysis/workspace-index.js';
import { extractFacts } from '../analysis/facts.js';
import { ownStrings } from '../analysis/own.js';
import { STATIC_RULES } from '../../rules/index.js';
import { discover } from './discover.js';
import { readSource } from './read-source.js';

export interface Skipped {
  path: string;
  reason: string;
}

export interface BatchResult {
  files: ParsedFile[];
  results: Map<string, FileResult>;
  skipped: Skipped[];
}

export class Workspace {
  readonly index = new WorkspaceIndex();
  readonly knowledge: Knowledge = knowledge();

  constructor(
    public config: Config,
    public rules: readonly StaticRule[] = STATIC_RULES,
  ) {}

  /** Parse one file and record its facts in the index. */
  add(path: string, text: string): ParsedFile {
    const file = parseFile(path, text, this.index, this.knowledge);
    this.index.update(file.facts);
    return file;
  }

  /** Recompute a parsed file's facts now that the index knows every file. */
  refreshFacts(file: ParsedFile): void {
    // Facts depend on the index only through the answers recorded at extraction; most files
    // read none, or none that another file changed, and extraction is the costly part.
    if (file.factLookups && file.resolver.sameAnswers(file.factLookups)) return;
    file.resolver.recordLookups();
    file.facts = ownStrings(extractFacts(file.path, file.syntax, file.resolver, this.knowledge));
    file.factLookups = file.resolver.takeLookups();
    this.index.update(file.facts);
  }

  check(file: ParsedFile): FileResult {
    return checkFile(file, this.index, this.knowledge, this.rules, this.config);
  }

  /** Discover, read, index and check everything under `roots`. */
  checkPaths(roots: readonly string[]): BatchResult {
    const found = discover(roots, this.config.exclude);
    const skipped: Skipped[] = found.problems.map((p) => ({ path: p.path, reason: p.message }));
    const texts: Array<{ path: string; text: string }> = [];
    for (const path of found.files) {
      const read = readSource(path, this.config.maxFileBytes);
      if (read.ok) texts.push({ path, text: read.text });
      else skipped.push({ path, reason: read.reason });
    }
    return { ...this.checkTexts(texts), skipped };
  }

  checkTexts(texts: ReadonlyArray<{ path: string; text: string }>): Omit<BatchResult, 'skipped'> {
    const files = texts.map((t) => this.add(t.path, t.text));
    for (const f of files) this.refreshFacts(f);
    const results = new Map<string, FileResult>();
    for (const f of files) results.set(f.path, this.check(f));
    return { files, results };
  }
}
