// The CLI's view of a batch result: paths relative to the working directory, 1-based lines and
// 1-based columns in Unicode code points. Every output format renders this, so they agree.
import { readFileSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { LineIndex } from '../analysis/line-index.js';
import type { Finding, Severity, Span } from '../analysis/types.js';
import type { BatchResult } from '../workspace/workspace.js';

export interface Position {
  line: number;
  column: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export interface CliDiagnostic {
  file: string;
  /** Absolute path, for reading the source line. */
  absFile: string;
  rule: string;
  severity: Severity;
  message: string;
  range: Range;
  related: Array<{ file: string; range: Range; message: string }>;
  fixes: Array<{ title: string; edits: Array<{ file: string; range: Range; newText: string }> }>;
}

export interface CliReport {
  files: number;
  diagnostics: CliDiagnostic[];
  skipped: Array<{ file: string; reason: string }>;
  failures: Array<{ file: string; rule: string; message: string }>;
  /** Line index of every checked file by absolute path (for code frames). */
  lines: (absFile: string) => LineIndex | undefined;
}

/** `path` relative to `cwd`, with forward slashes (absolute when it is on another drive). */
export function displayPath(path: string, cwd: string): string {
  const abs = isAbsolute(path) ? path : resolve(cwd, path);
  const rel = relative(cwd, abs);
  return rel ? rel.split(sep).join('/') : '.';
}

export function buildReport(batch: BatchResult, cwd: string): CliReport {
  const indexes = new Map<string, LineIndex>();
  for (const f of batch.files) indexes.set(f.path, f.lines);
  const lines = (abs: string): LineIndex | undefined => {
    let li = indexes.get(abs);
    if (!li) {
      try {
        li = new LineIndex(readFileSync(abs, 'utf8'));
        indexes.set(abs, li);
      } catch {
        return undefined;
      }
    }
    return li;
  };
  const range = (abs: string, span: Span): Range => {
    const li = lines(abs);
    const pos = (p: Span['start']): Position => ({ line: p.line + 1, column: (li ? li.column(p.offset, 'utf-32') : p.character) + 1 });
    return { start: pos(span.start), end: pos(span.end) };
  };
  const diagnostics: CliDiagnostic[] = [];
  const failures: CliReport['failures'] = [];
  for (const f of batch.files) {
    const result = batch.results.get(f.path);
    if (!result) continue;
    for (const d of result.findings) diagnostics.push(toDiagnostic(d, cwd, range));
    for (const x of result.failures) failures.push({ file: displayPath(f.path, cwd), rule: x.rule, message: x.error.message.split('\n')[0]! });
  }
  diagnostics.sort((a, b) => cmp(a.file, b.file) || a.range.start.line - b.range.start.line || a.range.start.column - b.range.start.column || cmp(a.rule, b.rule));
  const skipped = batch.skipped.map((s) => ({ file: displayPath(s.path, cwd), reason: s.reason })).sort((a, b) => cmp(a.file, b.file));
  return { files: batch.files.length, diagnostics, skipped, failures, lines };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function toDiagnostic(d: Finding, cwd: string, range: (abs: string, span: Span) => Range): CliDiagnostic {
  const file = displayPath(d.file, cwd);
  return {
    file,
    absFile: d.file,
    rule: d.rule,
    severity: d.severity,
    message: d.message,
    range: range(d.file, d.span),
    related: d.related.map((r) => ({ file: displayPath(r.file ?? d.file, cwd), range: range(r.file ?? d.file, r.span), message: r.message })),
    fixes: d.fixes.map((fx) => ({
      title: fx.title,
      edits: fx.edits.map((e) => ({ file: displayPath(e.file ?? d.file, cwd), range: range(e.file ?? d.file, e.span), newText: e.newText })),
    })),
  };
}
