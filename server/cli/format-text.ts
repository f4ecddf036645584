// Human output: one block per finding, grouped by file, with the source line and a caret line
// under the range, then a summary line.
import type { Severity } from '../analysis/types.js';
import type { CliDiagnostic, CliReport } from './diagnostics.js';

const TAB_WIDTH = 4;

interface Paint {
  severity(s: Severity, text: string): string;
  bold(text: string): string;
  dim(text: string): string;
}

const plain: Paint = { severity: (_s, t) => t, bold: (t) => t, dim: (t) => t };

const SEVERITY_COLOUR: Record<Severity, string> = { error: '31', warning: '33', info: '34', hint: '36' };
const ansi: Paint = {
  severity: (s, t) => `\x1b[1;${SEVERITY_COLOUR[s]}m${t}\x1b[0m`,
  bold: (t) => `\x1b[1m${t}\x1b[0m`,
  dim: (t) => `\x1b[2m${t}\x1b[0m`,
};

export function formatText(report: CliReport, colour: boolean): string {
  const paint = colour ? ansi : plain;
  const out: string[] = [];
  for (const d of report.diagnostics) out.push(block(d, report, paint), '');
  out.push(summary(report));
  return out.join('\n') + '\n';
}

function block(d: CliDiagnostic, report: CliReport, paint: Paint): string {
  const head = `${paint.bold(`${d.file}:${d.range.start.line}:${d.range.start.column}:`)} ${paint.severity(d.severity, `${d.severity}[${d.rule}]`)} ${d.message}`;
  const lines = [head, ...codeFrame(d, report, paint)];
  for (const r of d.related) lines.push(`  ${paint.bold('= note:')} ${r.file}:${r.range.start.line}:${r.range.start.column}: ${r.message}`);
  for (const f of d.fixes) lines.push(`  ${paint.bold('= help:')} ${f.title}`);
  return lines.join('\n');
}

/** The finding's first line with a caret line under its range (to the end of the line when the range goes on). */
function codeFrame(d: CliDiagnostic, report: CliReport, paint: Paint): string[] {
  const li = report.lines(d.absFile);
  if (!li) return [];
  const lineNo = d.range.start.line;
  const source = li.lineText(lineNo - 1);
  const chars = [...source];
  const startCol = d.range.start.column - 1;
  const multiLine = d.range.end.line > lineNo;
  const endCol = multiLine ? chars.length : Math.max(d.range.end.column - 1, startCol + 1);
  // Display columns: tabs expand so the carets stay under the code.
  const shown: string[] = [];
  const widthBefore: number[] = [];
  let w = 0;
  for (const c of chars) {
    widthBefore.push(w);
    const cw = c === '\t' ? TAB_WIDTH - (w % TAB_WIDTH) : 1;
    shown.push(c === '\t' ? ' '.repeat(cw) : c);
    w += cw;
  }
  widthBefore.push(w);
  const at = (col: number) => widthBefore[Math.min(col, chars.length)]! + Math.max(0, col - chars.length);
  const pad = at(startCol);
  const carets = Math.max(1, at(endCol) - pad);
  const gutter = String(lineNo);
  const blank = ' '.repeat(gutter.length);
  const tail = multiLine ? ` ${paint.dim(`(continues to line ${d.range.end.line})`)}` : '';
  return [
    `${paint.dim(`${gutter} |`)} ${shown.join('').trimEnd()}`,
    `${paint.dim(`${blank} |`)} ${' '.repeat(pad)}${paint.severity(d.severity, '^'.repeat(carets))}${tail}`,
  ];
}

const SEVERITY_ORDER: readonly Severity[] = ['error', 'warning', 'info', 'hint'];
const NOUN: Record<Severity, [string, string]> = {
  error: ['error', 'errors'],
  warning: ['warning', 'warnings'],
  info: ['info', 'infos'],
  hint: ['hint', 'hints'],
};

function count(n: number, [one, many]: [string, string]): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function summary(report: CliReport): string {
  const files = count(report.files, ['file', 'files']);
  const n = report.diagnostics.length;
  if (n === 0) return `no problems in ${files}`;
  const parts = SEVERITY_ORDER.map((s) => [s, report.diagnostics.filter((d) => d.severity === s).length] as const)
    .filter(([, k]) => k > 0)
    .map(([s, k]) => count(k, NOUN[s]));
  return `${count(n, ['problem', 'problems'])} (${parts.join(', ')}) in ${files}`;
}
