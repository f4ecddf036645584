// Markdown and one-line texts of the live data: spawn-site hovers, resource hovers, `.await`
// hovers, code lens titles. Plain data in, strings out.
import { fieldText } from '../fields.js';
import type { HistogramSummary } from '../histogram.js';
import type { ConsoleModel, LiveAsyncOp, LiveResource } from '../model.js';
import { ms, pct } from '../rules/format.js';
import type { LiveFinding } from '../rules/types.js';
import type { SiteStats } from './site-stats.js';

const MAX_WAITERS = 5;

/** Like the rules' `ms`, with microseconds below 1 ms (most polls are that short). */
export function dur(ns: number): string {
  return ns > 0 && ns < 1e6 ? `${Math.max(1, Math.round(ns / 1e3))} µs` : ms(ns);
}

function share(part: number, total: number): string {
  return total > 0 ? pct(part / total) : '–';
}

function hist(label: string, h: HistogramSummary & { tasks: number }): string {
  const of = h.tasks === 1 ? 'from 1 task\'s histogram' : `worst of ${h.tasks} tasks' histograms`;
  return `- ${label}: p50 ${dur(h.p50)} · p99 ${dur(h.p99)} · max ${dur(h.max)} (${of})`;
}

export function countsText(s: SiteStats): string {
  const b = s.byState;
  return `${s.live} live (${b.running} running, ${b.scheduled} scheduled, ${b.idle} idle) · ${b.completed} done`;
}

/** Markdown for a spawn site; `header` names the data's freshness. */
export function spawnSiteHover(s: SiteStats, findings: readonly LiveFinding[], header: string): string {
  const lines = [`**${header}** · tasks spawned here (\`${s.key}\`)`, '', `- tasks: ${countsText(s)}`];
  lines.push(`- polls: ${s.polls} · busy ${share(s.busyNs, s.totalNs)} · scheduled ${share(s.scheduledNs, s.totalNs)} · idle ${share(s.idleNs, s.totalNs)} (of ${dur(s.totalNs)} task time)`);
  if (s.pollTimes) lines.push(hist('poll time', s.pollTimes));
  else if (s.polls > 0) lines.push(`- poll time: mean ${dur(s.busyNs / s.polls)} (no histograms: open this file while connected to watch task details)`);
  if (s.scheduledTimes) lines.push(hist('wake → poll', s.scheduledTimes));
  else if (s.wakes > 0) lines.push(`- wake → poll: mean ${dur(s.scheduledNs / s.wakes)}`);
  lines.push(`- wakes: ${s.wakes} (${s.selfWakes} self) · wakers held: ${s.wakers}`);
  if (s.sizeBytes) lines.push(`- future size: ${s.sizeBytes.min === s.sizeBytes.max ? `${s.sizeBytes.max} B` : `${s.sizeBytes.min}–${s.sizeBytes.max} B`}`);
  const names = s.names.length ? s.names.slice(0, MAX_WAITERS).map((n) => `\`${n}\``).join(', ') + (s.names.length > MAX_WAITERS ? ', …' : '') : undefined;
  lines.push(`- ${names ? `names: ${names} · ` : ''}task ids: ${s.ids.join(', ')}${s.total > s.ids.length ? ', …' : ''}`);
  for (const f of findings) lines.push(`- ⚠ \`${f.rule}\`: ${f.message}`);
  return lines.join('\n');
}

export function lensTitle(s: SiteStats): string {
  const b = s.byState;
  const parts: string[] = [];
  if (b.running) parts.push(`${b.running} running`);
  if (b.scheduled) parts.push(`${b.scheduled} scheduled`);
  if (b.idle) parts.push(`${b.idle} idle`);
  parts.push(`${b.completed} done`);
  if (s.pollTimes) parts.push(`p99 poll ${dur(s.pollTimes.p99)}`);
  else if (s.polls > 0) parts.push(`mean poll ${dur(s.busyNs / s.polls)}`);
  return parts.join(' · ');
}

function taskName(model: ConsoleModel, spanId: string | undefined): string {
  if (spanId === undefined) return 'an unknown task';
  const t = model.taskById(spanId);
  if (!t) return `task span ${spanId}`;
  return `task ${t.tokioTaskId ?? `span ${t.spanId}`}${t.name !== undefined ? ` (\`${t.name}\`)` : ''}`;
}

export function attributesText(r: LiveResource): string {
  if (r.attributes.length === 0) return 'no attributes reported';
  return r.attributes.map((a) => `${a.name} ${fieldText(a.value)}${a.unit ? ` ${a.unit}` : ''}`).join(', ');
}

/** Ops still pending (not dropped): who waits, and for how long. */
export function waitingOps(ops: readonly LiveAsyncOp[]): LiveAsyncOp[] {
  return ops.filter((o) => o.stats?.droppedAt === undefined && o.taskId !== undefined && o.parentAsyncOpId === undefined);
}

function waitNs(op: LiveAsyncOp, now: bigint | undefined): number {
  const from = op.stats?.createdAt;
  const to = op.stats?.droppedAt ?? now;
  return from !== undefined && to !== undefined && to > from ? Number(to - from) : 0;
}

export function waitersText(model: ConsoleModel, ops: readonly LiveAsyncOp[]): string[] {
  const now = model.now;
  const waiting = waitingOps(ops).sort((a, b) => waitNs(b, now) - waitNs(a, now));
  const done = ops.filter((o) => o.stats?.droppedAt !== undefined && o.taskId !== undefined);
  const out: string[] = [];
  if (waiting.length === 0) out.push('- no task is waiting on it now');
  else {
    out.push(`- ${waiting.length} waiting now, longest ${dur(waitNs(waiting[0]!, now))}:`);
    for (const o of waiting.slice(0, MAX_WAITERS)) out.push(`  - ${taskName(model, o.taskId)} in \`${o.source}\` for ${dur(waitNs(o, now))}`);
    if (waiting.length > MAX_WAITERS) out.push(`  - … and ${waiting.length - MAX_WAITERS} more`);
  }
  if (done.length > 0) {
    const times = done.map((o) => waitNs(o, now));
    out.push(`- ${done.length} completed recently: mean ${dur(times.reduce((a, b) => a + b, 0) / times.length)}, max ${dur(Math.max(...times))}`);
  }
  return out;
}

export function resourceHover(model: ConsoleModel, r: LiveResource, ops: readonly LiveAsyncOp[], where: string, header: string): string {
  const lines = [`**${header}** · \`${r.concreteType}\` created here (${where})`, '', `- now: ${r.droppedAt !== undefined ? 'dropped' : attributesText(r)}`];
  lines.push(...waitersText(model, ops));
  return lines.join('\n');
}
