// Text in, findings out. Parsing builds the file's syntax (with macro bodies), its `use` map,
// a resolver and its index facts; checking runs the enabled rules, each isolated so one rule's
// exception costs only that rule's findings.
import { parse, type SyntaxNode, type Tree } from '../../grammars/rust.js';
import type { Config } from './config.js';
import { extractFactsSteps, type FileFacts } from './facts.js';
import { finish, type Steps } from './steps.js';
import type { Knowledge } from './knowledge.js';
import { LineIndex } from './line-index.js';
import { Resolver, type IndexLookup } from './resolve.js';
import type { ReportInput, RuleContext, StaticRule, Where } from './rule.js';
import { Suppressions } from './suppress.js';
import { FileSyntax } from './syntax.js';
import { ownString, ownStrings } from './own.js';
import type { Finding, Severity, Span } from './types.js';
import { collectUses, type UseMap } from './uses.js';
import type { WorkspaceIndex } from './workspace-index.js';

export interface ParsedFile {
  path: string;
  text: string;
  lines: LineIndex;
  tree: Tree;
  syntax: FileSyntax;
  resolver: Resolver;
  facts: FileFacts;
  /** The index answers `facts` were computed from (see `Resolver.recordLookups`). */
  factLookups?: IndexLookup[];
}

export interface RuleFailure {
  rule: string;
  error: Error;
}

export interface FileResult {
  findings: Finding[];
  failures: RuleFailure[];
}

/**
 * Build everything rules need from a file's text. `tree` is a ready (possibly incremental) parse.
 * `scope` limits syntax, facts and so findings to those top-level nodes (see units.ts); file-level
 * context (`use`s, statics, structs) is still read from the whole file.
 */
export function parseFile(...args: Parameters<typeof parseFileSteps>): ParsedFile {
  return finish(parseFileSteps(...args));
}

/** What a scoped analysis covers (see `parseFile`). */
export interface ParseScope {
  nodes: readonly SyntaxNode[];
  lines?: LineIndex;
  outside?: (type: string) => readonly SyntaxNode[];
  /** The file's `use` map, when the caller holds the parts outside the scope already (incremental.ts). */
  uses?: (syntax: FileSyntax) => UseMap;
}

/** `parseFile`, pausable between its phases and within fact extraction (see steps.ts). */
export function* parseFileSteps(
  path: string,
  text: string,
  index: WorkspaceIndex,
  knowledge: Knowledge,
  tree?: Tree,
  scope?: ParseScope,
): Steps<ParsedFile> {
  const lines = scope?.lines ?? new LineIndex(text);
  const t = tree ?? parse(text);
  if (!tree) yield;
  const syntax = yield* FileSyntax.steps(t, text, lines, scope?.nodes, scope?.outside);
  yield;
  const uses = scope?.uses ? scope.uses(syntax) : collectUses(syntax.fileNodes('use_declaration'));
  const resolver = new Resolver(syntax, uses, knowledge, index);
  resolver.recordLookups();
  // Facts outlive the parse (the index keeps them; the language server carries them across edits).
  const facts = ownStrings(yield* extractFactsSteps(path, syntax, resolver, knowledge));
  return { path, text, lines, tree: t, syntax, resolver, facts, factLookups: resolver.takeLookups() };
}

export function severityOf(rule: StaticRule, config: Config): Severity | 'off' {
  return config.rules[rule.meta.id] ?? rule.meta.defaultSeverity;
}

export function checkFile(file: ParsedFile, index: WorkspaceIndex, knowledge: Knowledge, rules: readonly StaticRule[], config: Config): FileResult {
  return finish(checkFileSteps(file, index, knowledge, rules, config));
}

/** `checkFile`, pausable after each rule (see steps.ts). */
export function* checkFileSteps(file: ParsedFile, index: WorkspaceIndex, knowledge: Knowledge, rules: readonly StaticRule[], config: Config): Steps<FileResult> {
  const findings: Finding[] = [];
  const failures: RuleFailure[] = [];
  const suppress = new Suppressions(file.syntax);
  const spanOf = (w: Where): Span => {
    if (w.span) return w.span;
    if (w.node) return file.syntax.span(w.node);
    throw new Error('a report needs a node or a span');
  };
  for (const rule of rules) {
    const severity = severityOf(rule, config);
    if (severity === 'off') continue;
    const produced: Finding[] = [];
    const ctx: RuleContext = {
      path: file.path,
      text: file.text,
      lines: file.lines,
      syntax: file.syntax,
      resolver: file.resolver,
      facts: file.facts,
      index,
      knowledge,
      report(r: ReportInput) {
        const span = spanOf(r);
        if (suppress.isAllowed(rule.meta.id, span.start.offset)) return;
        produced.push({
          rule: rule.meta.id,
          severity,
          file: file.path,
          span,
          message: ownString(r.message),
          related: (r.related ?? []).map((x) => ({ file: x.file, span: spanOf(x), message: ownString(x.message) })),
          fixes: (r.fixes ?? []).map((f) => ({ title: ownString(f.title), safe: f.safe, edits: f.edits.map((e) => ({ span: spanOf(e), newText: ownString(e.newText) })) })),
        });
      },
    };
    try {
      rule.check(ctx);
      findings.push(...produced);
    } catch (e) {
      failures.push({ rule: rule.meta.id, error: e instanceof Error ? e : new Error(String(e)) });
    }
    yield;
  }
  findings.sort((a, b) => a.span.start.offset - b.span.start.offset || a.rule.localeCompare(b.rule));
  return { findings: dedupe(findings), failures };
}

/** Drops repeated findings (same rule and range), keeping the first. */
export function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const k = `${f.rule}@${f.span.start.offset}-${f.span.end.offset}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
