import { lead } from '../../server/live/rules/format.js';
import { defineLiveRule } from '../../server/live/rules/types.js';

export default defineLiveRule({
  meta: {
    id: 'self-wakes',
    kind: 'live',
    category: 'performance',
    defaultSeverity: 'info',
    fixable: false,
    summary: 'A task wakes itself for more than half of its wake-ups, so it spins instead of waiting.',
    docs: {
      whatItFinds:
        "Tasks whose self wakes (a `wake` called from inside the task's own `poll`) are more than `live.self-wake-percent` (default 50) percent of all their wakes, as integer percent like tokio-console. Tasks started with `spawn_blocking` or `block_on` are skipped.",
      whyBad:
        "A self wake puts the task straight back on the run queue. Done once in a while it is a cooperative yield; done on most wake-ups it means the task busy-polls a condition instead of registering its waker with whatever will change it, burning CPU and delaying other tasks.",
      example:
        "fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {\n    if self.queue.is_empty() {\n        cx.waker().wake_by_ref(); // try again right away\n        return Poll::Pending;\n    }\n    Poll::Ready(())\n}",
      useInstead:
        "fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {\n    if self.queue.is_empty() {\n        self.queue.register_waker(cx.waker()); // woken when an item arrives\n        return Poll::Pending;\n    }\n    Poll::Ready(())\n}",
      notes:
        'In tokio 1.24 `tokio::task::yield_now()` defers its wake until after the poll, so it is not counted as a self wake; in other versions it may be.',
    },
  },
  evaluate(ctx) {
    const limit = ctx.thresholds.selfWakePercent;
    for (const task of ctx.model.tasks()) {
      const w = ctx.model.warningInputs(task);
      if (w.isBlocking || w.selfWakePercent <= limit) continue;
      ctx.flag(task, { percent: w.selfWakePercent, selfWakes: w.selfWakes, wakes: w.wakes });
    }
  },
  describe(site, ctx) {
    const details = site.flags.map((f) => f.detail as { percent: number; selfWakes: number; wakes: number });
    const worst = details.reduce((a, b) => (b.percent > a.percent ? b : a));
    const amount = site.flags.length === 1 ? `${worst.percent} % of its wake-ups (${worst.selfWakes} of ${worst.wakes})` : `up to ${worst.percent} % of their wake-ups`;
    return {
      message: `${lead(site, 'wakes itself', 'wake themselves')} for ${amount}, above the ${ctx.thresholds.selfWakePercent} % limit: every self wake puts the task straight back on the run queue, so it spins through polls instead of waiting for an event.`,
    };
  },
});
