/**
 * The `top` view as pure functions: per-site rows from the model, key
 * handling, and one rendered frame sized to the terminal. Nothing here
 * touches the terminal, so it is tested directly.
 */
import type { ConsoleModel } from '../model.js';
import type { LiveFinding } from '../rules/types.js';
import { siteKey } from '../sites.js';
import type { SourceMapper } from '../source-map.js';
import { busyNs, isCompleted, scheduledNs } from '../task-metrics.js';
import { isAbsolute, relative } from 'node:path';

export type SortKey = 'busy' | 'scheduled' | 'wakes' | 'tasks';

export interface TopView {
  sort: SortKey;
  filter: string;
  /** Typing a filter after `/`. */
  editing: boolean;
  paused: boolean;
}

export const INITIAL_VIEW: TopView = { sort: 'busy', filter: '', editing: false, paused: false };

const SORT_KEYS: Record<string, SortKey> = { b: 'busy', s: 'scheduled', w: 'wakes', t: 'tasks' };

/**
 * Splits a raw-mode stdin chunk into keys: typed-ahead or pasted text (`/worker`) arrives as one
 * chunk, while an escape sequence (arrow keys, Alt+x) must stay whole so it is not read as Esc.
 */
export function splitKeys(chunk: string): string[] {
  return chunk.match(/\x1b\[[0-9;?]*[ -/]*[@-~]|\x1bO.|\x1b[^\x1b]?|[\s\S]/gu) ?? [];
}

/** One key (see `splitKeys`) → the next view; `quit` ends the command. */
export function handleKey(view: TopView, key: string): { view: TopView; quit: boolean } {
  if (key === '\x03') return { view, quit: true };
  // Arrows, function keys and Alt+x have no meaning here; typed into a filter they would add `[A`.
  if (key.length > 1 && key.startsWith('\x1b')) return { view, quit: false };
  if (view.editing) {
    if (key === '\r' || key === '\n') return { view: { ...view, editing: false }, quit: false };
    if (key === '\x1b') return { view: { ...view, editing: false, filter: '' }, quit: false };
    if (key === '\x7f' || key === '\b') return { view: { ...view, filter: view.filter.slice(0, -1) }, quit: false };
    const printable = [...key].filter((c) => c >= ' ' && c !== '\x7f').join('');
    return { view: { ...view, filter: view.filter + printable }, quit: false };
  }
  if (key === 'q') return { view, quit: true };
  if (key === ' ') return { view: { ...view, paused: !view.paused }, quit: false };
  if (key === '/') return { view: { ...view, editing: true, filter: '' }, quit: false };
  if (key === '\x1b') return { view: { ...view, filter: '' }, quit: false };
  const sort = SORT_KEYS[key];
  if (sort) return { view: { ...view, sort }, quit: false };
  return { view, quit: false };
}

export interface SiteRow {
  key: string;
  /** Display path (workspace-relative when the file is in the workspace). */
  file: string;
  line: number;
  column: number;
  names: string[];
  live: number;
  total: number;
  busyNs: number;
  scheduledNs: number;
  wakes: number;
  warnings: string[];
}

function display(file: string | undefined, mapper: SourceMapper | undefined, root: string | undefined, loc: { file?: string; line?: number; column?: number }): string {
  if (!mapper || !file) return file ?? '?';
  const r = mapper.resolve(loc);
  if (r.kind === 'unresolved') return file;
  if (root && isAbsolute(r.path)) {
    const rel = relative(root, r.path);
    if (!rel.startsWith('..') && !isAbsolute(rel)) return rel;
  }
  return r.path;
}

/** Aggregates every task in the model per spawn site, with the open findings per site. */
export function siteRows(model: ConsoleModel, findings: readonly LiveFinding[], opts: { mapper?: SourceMapper; root?: string } = {}): SiteRow[] {
  const now = model.now;
  const rows = new Map<string, SiteRow & { nameSet: Set<string> }>();
  for (const t of model.tasks()) {
    const loc = t.location ?? {};
    const key = t.location ? siteKey(t.location) : '(no location)';
    let row = rows.get(key);
    if (!row) {
      row = {
        key,
        file: t.location ? display(loc.file, opts.mapper, opts.root, loc) : '(no location)',
        line: loc.line ?? 0,
        column: loc.column ?? 0,
        names: [],
        nameSet: new Set(),
        live: 0,
        total: 0,
        busyNs: 0,
        scheduledNs: 0,
        wakes: 0,
        warnings: [],
      };
      rows.set(key, row);
    }
    row.total++;
    if (!isCompleted(t)) row.live++;
    row.busyNs += busyNs(t, now);
    row.scheduledNs += scheduledNs(t, now);
    row.wakes += t.stats?.wakes ?? 0;
    if (t.name !== undefined && row.nameSet.size < 8) row.nameSet.add(t.name);
  }
  for (const f of findings) {
    const row = rows.get(f.siteKey);
    if (row && !row.warnings.includes(f.rule)) row.warnings.push(f.rule);
  }
  return [...rows.values()].map(({ nameSet, ...row }) => ({ ...row, names: [...nameSet].sort(), warnings: row.warnings.sort() }));
}

function metric(row: SiteRow, sort: SortKey): number {
  switch (sort) {
    case 'busy':
      return row.busyNs;
    case 'scheduled':
      return row.scheduledNs;
    case 'wakes':
      return row.wakes;
    case 'tasks':
      return row.live;
  }
}

export function sortAndFilter(rows: readonly SiteRow[], view: TopView): SiteRow[] {
  const f = view.filter.toLowerCase();
  const kept = f ? rows.filter((r) => `${r.file}:${r.line}:${r.column}`.toLowerCase().includes(f) || r.names.some((n) => n.toLowerCase().includes(f))) : [...rows];
  return kept.sort((a, b) => metric(b, view.sort) - metric(a, view.sort) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function dur(ns: number): string {
  const ms = ns / 1e6;
  if (ms >= 100_000) return `${Math.round(ms / 1000)}s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(1)}s`;
  if (ms >= 10) return `${Math.round(ms)}ms`;
  return `${ms.toFixed(1)}ms`;
}

function count(n: number): string {
  if (n >= 10_000_000) return `${Math.round(n / 1e6)}M`;
  if (n >= 100_000) return `${Math.round(n / 1e3)}k`;
  return String(n);
}

function fit(text: string, width: number): string {
  if (width <= 0) return '';
  if (text.length <= width) return text.padEnd(width);
  return width === 1 ? '…' : text.slice(0, width - 1) + '…';
}

export interface FrameOptions {
  columns: number;
  rows: number;
  /** Connection / replay status shown in the header. */
  status: string;
}

/** One screen: header, column titles, as many site rows as fit, a line for the rest. */
export function renderTop(rows: readonly SiteRow[], view: TopView, model: ConsoleModel, opts: FrameOptions): string[] {
  const width = Math.max(20, opts.columns);
  const height = Math.max(4, opts.rows);
  const sorted = sortAndFilter(rows, view);
  const tasks = rows.reduce((n, r) => n + r.total, 0);
  const live = rows.reduce((n, r) => n + r.live, 0);
  const filter = view.editing ? `  filter: ${view.filter}_` : view.filter ? `  filter: ${view.filter}` : '';
  // The state (filter, pause) goes before the key legend: the end of the header is what a
  // narrow terminal cuts.
  const state = `sort: ${view.sort}${filter}${view.paused ? '  [PAUSED] ' : ''}`;
  const header = `awaitlens top — ${opts.status} — ${live} live / ${tasks} tasks at ${rows.length} sites — ${state} [b]usy [s]ched [w]akes [t]asks`;
  const cols = { live: 6, total: 7, busy: 8, sched: 8, wakes: 8 };
  const fixed = cols.live + cols.total + cols.busy + cols.sched + cols.wakes + 8;
  const rest = Math.max(10, width - fixed);
  const siteW = Math.max(10, Math.floor(rest * 0.45));
  const nameW = Math.max(6, Math.floor(rest * 0.2));
  const warnW = Math.max(0, rest - siteW - nameW - 2);
  const line = (site: string, name: string, l: string, t: string, b: string, s: string, w: string, warn: string): string =>
    fit(
      [fit(site, siteW), fit(name, nameW), l.padStart(cols.live), t.padStart(cols.total), b.padStart(cols.busy), s.padStart(cols.sched), w.padStart(cols.wakes), ' ' + fit(warn, warnW)].join(' '),
      width,
    ).trimEnd();
  const out = [fit(header, width).trimEnd(), line('SITE', 'NAME', 'LIVE', 'TOTAL', 'BUSY', 'SCHED', 'WAKES', 'WARNINGS')];
  const room = height - out.length - 1;
  const shown = sorted.length > room + 1 ? sorted.slice(0, Math.max(0, room)) : sorted;
  for (const r of shown) {
    const name = r.names.length === 0 ? '-' : r.names.length === 1 ? r.names[0]! : `${r.names[0]} +${r.names.length - 1}`;
    out.push(line(`${r.file}:${r.line}:${r.column}`, name, count(r.live), count(r.total), dur(r.busyNs), dur(r.scheduledNs), count(r.wakes), r.warnings.join(',')));
  }
  if (shown.length < sorted.length) out.push(fit(`… ${sorted.length - shown.length} more sites`, width).trimEnd());
  void model;
  return out;
}
