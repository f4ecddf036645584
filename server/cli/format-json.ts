// Machine output: a stable, versioned shape (documented in docs/cli.md). Bump `version` when a
// field changes meaning or goes away; adding fields is compatible.
import type { CliReport } from './diagnostics.js';

export function formatJson(report: CliReport): string {
  const doc = {
    version: 1,
    files: report.files,
    diagnostics: report.diagnostics.map((d) => ({
      file: d.file,
      rule: d.rule,
      severity: d.severity,
      message: d.message,
      range: d.range,
      related: d.related.map((r) => ({ file: r.file, range: r.range, message: r.message })),
      fixes: d.fixes.map((f) => ({ title: f.title, edits: f.edits.map((e) => ({ file: e.file, range: e.range, newText: e.newText })) })),
    })),
    skipped: report.skipped.map((s) => ({ file: s.file, reason: s.reason })),
  };
  return JSON.stringify(doc) + '\n';
}
