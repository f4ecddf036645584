/** Wording shared by the live rules' messages. */
import type { LiveTask } from '../model.js';
import type { SiteFlags } from './types.js';

export const MAX_LISTED_TASKS = 5;

/** tokio's task id when the runtime sent one, else the span id (marked as such). */
export function taskLabel(t: LiveTask): string {
  return t.tokioTaskId ?? `span ${t.spanId}`;
}

export function idList(tasks: readonly LiveTask[], max = MAX_LISTED_TASKS): string {
  const ids = tasks.slice(0, max).map(taskLabel);
  return ids.join(', ') + (tasks.length > max ? ', …' : '');
}

export function ms(ns: number): string {
  const v = ns / 1e6;
  if (v >= 1000) return `${(v / 1000).toFixed(1)} s`;
  if (v >= 10) return `${Math.round(v)} ms`;
  if (v >= 1) return `${v.toFixed(1)} ms`;
  return `${v.toFixed(2)} ms`;
}

export function pct(ratio: number): string {
  return `${Math.round(ratio * 100)} %`;
}

function named(t: LiveTask): string {
  return t.name !== undefined ? `\`${t.name}\`, id ${taskLabel(t)}` : `id ${taskLabel(t)}`;
}

/**
 * The subject of an aggregated message: "The task spawned here (`x`, id 11) has lost its waker"
 * or "2 of 140 tasks spawned here (ids 31, 77) have lost their waker".
 */
export function lead(site: SiteFlags, one: string, many: string): string {
  const tasks = site.flags.map((f) => f.task);
  const n = tasks.length;
  const total = Math.max(site.siteTotal, n);
  if (n === 1 && total === 1) return `The task spawned here (${named(tasks[0]!)}) ${one}`;
  if (n === 1) return `1 of ${total} tasks spawned here (${named(tasks[0]!)}) ${one}`;
  return `${n} of ${total} tasks spawned here (ids ${idList(tasks)}) ${many}`;
}

export function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
