/** Shared by the live rules that compare a per-task timing with a configured limit. */
import type { LiveTask } from '../model.js';
import type { LiveRuleContext, SiteFlags } from './types.js';

/** Why one task is over its rule's limit. */
export interface OverLimit {
  /** The number compared with the limit, in ns; the largest one speaks for a site. */
  worst: number;
  text: string;
}

/**
 * Flags every task that `measure` finds over the limit. Blocking tasks (`spawn_blocking`,
 * `block_on`) are never polled by the async workers, and completed ones no longer can be.
 */
export function flagOverLimit(ctx: LiveRuleContext, measure: (task: LiveTask, ctx: LiveRuleContext) => OverLimit | undefined): void {
  for (const task of ctx.model.tasks()) {
    const w = ctx.model.warningInputs(task);
    if (w.isBlocking || w.isCompleted) continue;
    const e = measure(task, ctx);
    if (e) ctx.flag(task, e);
  }
}

/** The evidence of the worst task at a site, marked as the worst when several are flagged. */
export function worstOverLimit(site: SiteFlags): string {
  const worst = site.flags.map((f) => f.detail as OverLimit).reduce((a, b) => (b.worst > a.worst ? b : a));
  return site.flags.length === 1 ? worst.text : `worst: ${worst.text}`;
}
