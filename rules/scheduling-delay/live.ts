import type { LiveTask } from '../../server/live/model.js';
import { lead, ms } from '../../server/live/rules/format.js';
import { flagOverLimit, worstOverLimit, type OverLimit } from '../../server/live/rules/over-limit.js';
import { defineLiveRule, type LiveRuleContext } from '../../server/live/rules/types.js';
import { isScheduled, scheduledNs, totalNs } from '../../server/live/task-metrics.js';

function evidence(task: LiveTask, ctx: LiveRuleContext): OverLimit | undefined {
  const limit = ctx.thresholds.schedulingDelayMs * 1e6;
  const s = task.stats;
  const waiting = isScheduled(task) && s?.lastWake !== undefined && ctx.now > s.lastWake ? Number(ctx.now - s.lastWake) : 0;
  const hist = task.details?.scheduledTimes;
  if (hist && hist.count > 0) {
    const worst = Math.max(hist.p99, waiting);
    if (worst <= limit) return undefined;
    const parts = [`p99 wake-to-poll delay ${ms(hist.p99)}`];
    if (waiting > limit) parts.push(`woken ${ms(waiting)} ago and not polled yet`);
    return { worst, text: parts.join(', ') };
  }
  const wakes = s?.wakes ?? 0;
  const mean = s?.scheduledNs !== undefined && wakes > 0 ? s.scheduledNs / wakes : 0;
  if (mean <= limit && waiting <= limit) return undefined;
  const parts: string[] = [];
  if (waiting > limit) parts.push(`woken ${ms(waiting)} ago and not polled yet`);
  if (mean > limit) {
    const total = totalNs(task, ctx.now);
    const share = total > 0 ? Math.round((scheduledNs(task, ctx.now) * 100) / total) : 0;
    parts.push(`mean delay ${ms(mean)} over ${wakes} wake${wakes === 1 ? '' : 's'}, ${share} % of its life spent waiting to run`);
  }
  return { worst: Math.max(mean, waiting), text: parts.join(', ') };
}

export default defineLiveRule({
  meta: {
    id: 'scheduling-delay',
    kind: 'live',
    category: 'performance',
    defaultSeverity: 'warning',
    fixable: false,
    summary: 'Tasks wait more than 50 ms between being woken and being polled: the workers are saturated or blocked.',
    docs: {
      whatItFinds:
        "Tasks whose wake-to-poll delay is above `live.scheduling-delay-ms` (default 50 ms): the 99th percentile of the scheduled-times histogram when a task-details stream has one, otherwise the mean scheduled time per wake (console-subscriber 0.2 and later send `scheduled_time`) or the time since a wake that has not been followed by a poll yet. Tasks started with `spawn_blocking` or `block_on` are skipped.",
      whyBad:
        "Once woken, a task sits in a run queue until a worker picks it up. Long delays mean every worker is busy (or blocked inside a long poll), so latency grows for everything: request handlers, timers and I/O all respond late even though each task's own code is fast.",
      example: '// 2 workers, one of them stuck in CPU work for seconds at a time\ntokio::spawn(async { loop { crunch_numbers(); tokio::task::yield_now().await; } });',
      useInstead: 'tokio::spawn(async {\n    loop {\n        tokio::task::spawn_blocking(crunch_numbers).await.unwrap();\n    }\n});',
      notes: 'Look for `long-poll` and `never-yielded` findings at the same time: they usually name the task that keeps the workers busy.',
    },
  },
  evaluate(ctx) {
    flagOverLimit(ctx, evidence);
  },
  describe(site, ctx) {
    const what = worstOverLimit(site);
    return {
      message: `${lead(site, 'waits too long to be polled after a wake-up', 'wait too long to be polled after a wake-up')} (${what}; limit ${ms(ctx.thresholds.schedulingDelayMs * 1e6)}): the runtime's workers are busy or blocked, so ready work sits in the run queue.`,
    };
  },
});
