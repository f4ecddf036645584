// Plain data shared by the analysis engine, the rules, the CLI, the LSP layer and the live layer.
// Nothing here knows about LSP, gRPC or the file system.

export type Severity = 'error' | 'warning' | 'info' | 'hint';
export type SeverityOrOff = Severity | 'off';
export type Category = 'correctness' | 'suspicious' | 'performance';

export const SEVERITY_RANK: Record<Severity, number> = { hint: 0, info: 1, warning: 2, error: 3 };

/**
 * A position inside one file's text. `offset` is a JS string index (UTF-16 code units), which
 * is also what the tree-sitter node binding reports. `line` is 0-based; `character` is in
 * UTF-16 code units (LSP's default). Other encodings are derived by `LineIndex`.
 */
export interface Pos {
  offset: number;
  line: number;
  character: number;
}

export interface Span {
  start: Pos;
  end: Pos;
}

export interface RelatedLocation {
  /** Absolute path of the file; the same file as the finding when omitted. */
  file?: string;
  span: Span;
  message: string;
}

export interface TextEdit {
  /** Absolute path; the finding's file when omitted. */
  file?: string;
  span: Span;
  newText: string;
}

export interface Fix {
  title: string;
  edits: TextEdit[];
  /** True when applying the fix cannot change what the program means beyond the finding. */
  safe?: boolean;
}

export interface Finding {
  rule: string;
  severity: Severity;
  file: string;
  span: Span;
  message: string;
  related: RelatedLocation[];
  fixes: Fix[];
}

export interface RuleDocs {
  /** What the rule finds, one paragraph. */
  whatItFinds: string;
  /** What goes wrong at runtime. */
  whyBad: string;
  /** Rust code that triggers the rule. */
  example: string;
  /** The same code fixed. */
  useInstead: string;
  /** Anything about fixes or limits a user should know. */
  notes?: string;
}

export interface RuleMeta {
  id: string;
  category: Category;
  defaultSeverity: Severity;
  /** One line, shown in lists, SARIF shortDescription and hovers. */
  summary: string;
  docs: RuleDocs;
  /** 'static' rules run on source; 'live' rules run on the console model. */
  kind: 'static' | 'live';
  /** Whether the rule offers automatic fixes. */
  fixable: boolean;
}
