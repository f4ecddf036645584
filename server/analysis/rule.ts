// The contract between the engine and a static rule. A rule reads the file's syntax (through
// FileSyntax, so macro bodies are included), the resolver and the workspace index, and reports.
import type { SyntaxNode } from '../../grammars/rust.js';
import type { FileFacts } from './facts.js';
import type { Knowledge } from './knowledge.js';
import type { LineIndex } from './line-index.js';
import type { Resolver } from './resolve.js';
import type { FileSyntax } from './syntax.js';
import type { RuleMeta, Span } from './types.js';
import type { WorkspaceIndex } from './workspace-index.js';

export interface Where {
  node?: SyntaxNode;
  span?: Span;
}

export interface ReportInput extends Where {
  message: string;
  related?: Array<Where & { file?: string; message: string }>;
  fixes?: Array<{ title: string; safe?: boolean; edits: Array<Where & { newText: string }> }>;
}

export interface RuleContext {
  readonly path: string;
  readonly text: string;
  readonly lines: LineIndex;
  readonly syntax: FileSyntax;
  readonly resolver: Resolver;
  readonly facts: FileFacts;
  readonly index: WorkspaceIndex;
  readonly knowledge: Knowledge;
  report(r: ReportInput): void;
}

export interface StaticRule {
  meta: RuleMeta & { kind: 'static' };
  /** Node types the rule reads; checked against the grammar so a typo fails a test. */
  nodeTypes: readonly string[];
  check(ctx: RuleContext): void;
}

export function defineRule(rule: StaticRule): StaticRule {
  return rule;
}
