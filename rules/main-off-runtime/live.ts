import { ms, pct } from '../../server/live/rules/format.js';
import { defineLiveRule } from '../../server/live/rules/types.js';
import { scheduledNs, totalNs } from '../../server/live/task-metrics.js';
import staticRule from './rule.js';
import { staticExplanations } from '../long-poll/live.js';

interface OffRuntime {
  share: number;
  scheduledNs: number;
  totalNs: number;
}

/**
 * The live half of main-off-runtime: it shares the static rule's id and doc
 * page, and judges the `block_on` task (the `#[tokio::main]` body) by the
 * share of its life spent between a wake-up and the poll that follows.
 */
export default defineLiveRule({
  meta: {
    ...staticRule.meta,
    kind: 'live',
    summary: 'The `#[tokio::main]` body spends a large share of its life waiting to be polled after wake-ups.',
  },
  evaluate(ctx) {
    const minNs = ctx.thresholds.mainMinMs * 1e6;
    for (const task of ctx.model.tasks()) {
      if (task.kind !== 'block_on') continue;
      const w = ctx.model.warningInputs(task);
      if (w.isCompleted || task.stats?.scheduledNs === undefined) continue;
      const total = totalNs(task, ctx.now);
      if (total < minNs || total <= 0) continue;
      const sched = scheduledNs(task, ctx.now);
      const share = sched / total;
      if (share < ctx.thresholds.mainScheduledShare) continue;
      ctx.flag(task, { share, scheduledNs: sched, totalNs: total } satisfies OffRuntime);
    }
  },
  describe(site, ctx) {
    const d = site.flags[0]!.detail as OffRuntime;
    return {
      message: `The \`block_on\` task started here (the \`#[tokio::main]\` body) spent ${pct(d.share)} of its ${ms(d.totalNs)} life (${ms(d.scheduledNs)}) waiting to be polled after wake-ups (limit ${pct(ctx.thresholds.mainScheduledShare)}): it runs on the thread that called \`block_on\`, not on a runtime worker, so every wake-up from a worker crosses threads; move the loop into \`tokio::spawn(async move { .. }).await\`.`,
      related: staticExplanations(site, ctx, ['main-off-runtime']),
    };
  },
});
