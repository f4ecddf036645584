/** How the live commands print findings and connection states. */
import { isAbsolute, relative } from 'node:path';
import type { LiveEvent, LiveFinding } from '../rules/types.js';
import type { ConnectionState } from '../connection.js';

/** Path for display: workspace files relative to `root`, others as resolved or as on the wire. */
export function displayPath(f: LiveFinding, root: string): string {
  const r = f.resolved;
  if (r && (r.kind === 'workspace' || r.kind === 'external')) {
    if (isAbsolute(r.path)) {
      const rel = relative(root, r.path);
      return rel.startsWith('..') || isAbsolute(rel) ? r.path : rel;
    }
    return r.path;
  }
  return f.location.file ?? '?';
}

export interface JsonEvent {
  event: 'open' | 'close';
  rule: string;
  severity: string;
  file: string;
  line: number;
  column: number;
  message: string;
  tasks: string[];
}

export function jsonEvent(e: LiveEvent, root: string): JsonEvent | undefined {
  if (e.kind === 'update') return undefined;
  const f = e.finding;
  return {
    event: e.kind,
    rule: f.rule,
    severity: f.severity,
    file: displayPath(f, root),
    line: f.location.line ?? 0,
    column: f.location.column ?? 0,
    message: f.message,
    tasks: f.taskIds,
  };
}

export function textEvent(e: LiveEvent, root: string): string | undefined {
  if (e.kind === 'update') return undefined;
  const f = e.finding;
  const where = `${displayPath(f, root)}:${f.location.line ?? 0}:${f.location.column ?? 0}`;
  if (e.kind === 'close') return `${where}: closed ${f.rule}${e.reason === 'resolved' ? '' : ` (${e.reason})`}\n`;
  const lines = [`${where}: ${f.severity} ${f.rule}: ${f.message}`];
  for (const r of f.related) {
    const loc = r.location?.file ? `${r.file ?? r.location.file}:${r.location.line ?? 0}:${r.location.column ?? 0}: ` : '';
    lines.push(`  + ${loc}${r.message}`);
  }
  return lines.join('\n') + '\n';
}

export function stateText(s: ConnectionState, source: string): string {
  switch (s.kind) {
    case 'connecting':
      return `connecting to ${s.target} (${source})…\n`;
    case 'live':
      return `connected to ${s.target}\n`;
    case 'disconnected':
      return `disconnected from ${s.target}: ${s.reason}\n`;
  }
}

export function stillOpenText(open: readonly LiveFinding[], root: string): string {
  if (open.length === 0) return 'end of recording: no findings open\n';
  const lines = [`end of recording: ${open.length} finding${open.length === 1 ? '' : 's'} still open`];
  for (const f of open) lines.push(`  ${displayPath(f, root)}:${f.location.line ?? 0}:${f.location.column ?? 0}: ${f.rule} (tasks ${f.taskIds.join(', ')})`);
  return lines.join('\n') + '\n';
}
