import { relative } from 'node:path';
import { LineIndex } from '../../server/analysis/line-index.js';
import type { Finding } from '../../server/analysis/types.js';

export interface Marker {
  line: number;
  rule: string;
}

/** `//~ rule-a rule-b` at the end of a line: those rules must fire on that (1-based) line. */
export function markersIn(text: string): Marker[] {
  const out: Marker[] = [];
  text.split('\n').forEach((line, i) => {
    const m = /\/\/~\s*([\w\s-]+)$/.exec(line);
    if (m) for (const rule of m[1]!.trim().split(/\s+/)) out.push({ line: i + 1, rule });
  });
  return out;
}

/** `L:C-L:C rule: message` with 1-based lines and code-point columns; `+ related` and `~ fix` lines follow. */
export function renderFinding(f: Finding, base?: string): string {
  const pos = (p: { line: number; character: number; offset: number }, lines: LineIndex) => `${p.line + 1}:${lines.column(p.offset, 'utf-32') + 1}`;
  const lines = lineIndexFor(f.file);
  const where = base ? `${relative(base, f.file)}:` : '';
  const out = [`${where}${pos(f.span.start, lines)}-${pos(f.span.end, lines)} ${f.rule}: ${f.message}`];
  for (const r of f.related) {
    const rl = lineIndexFor(r.file ?? f.file);
    const rw = base ? `${relative(base, r.file ?? f.file)}:` : '';
    out.push(`  + ${rw}${pos(r.span.start, rl)}-${pos(r.span.end, rl)} ${r.message}`);
  }
  for (const fx of f.fixes) out.push(`  ~ ${fx.title}`);
  return out.join('\n');
}

import { readFileSync } from 'node:fs';
const cache = new Map<string, LineIndex>();
function lineIndexFor(file: string): LineIndex {
  let li = cache.get(file);
  if (!li) cache.set(file, (li = new LineIndex(readFileSync(file, 'utf8'))));
  return li;
}

/** Apply the first fix of every finding, later edits first so offsets stay valid. */
export function applyFixes(text: string, findings: readonly Finding[]): string {
  const edits = findings.flatMap((f) => (f.fixes[0] ? f.fixes[0].edits.filter((e) => !e.file || e.file === f.file) : []));
  edits.sort((a, b) => b.span.start.offset - a.span.start.offset || b.span.end.offset - a.span.end.offset);
  let out = text;
  let lastStart = Infinity;
  for (const e of edits) {
    if (e.span.end.offset > lastStart) continue; // overlapping edits: keep the later one only
    out = out.slice(0, e.span.start.offset) + e.newText + out.slice(e.span.end.offset);
    lastStart = e.span.start.offset;
  }
  return out;
}
