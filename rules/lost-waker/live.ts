import { lead } from '../../server/live/rules/format.js';
import { defineLiveRule } from '../../server/live/rules/types.js';

export default defineLiveRule({
  meta: {
    id: 'lost-waker',
    kind: 'live',
    category: 'correctness',
    defaultSeverity: 'warning',
    fixable: false,
    summary: 'A task returned `Pending` and nothing holds its waker, so it will never run again.',
    docs: {
      whatItFinds:
        "A running program's task that has been polled, is not completed, is not running or scheduled, and has no live clone of its `Waker` (waker clones minus waker drops is 0). Same condition as tokio-console's lost-waker warning. Tasks started with `spawn_blocking` or `block_on` are skipped.",
      whyBad:
        'A task only runs again when something calls `wake` on its waker. When the future that returned `Poll::Pending` dropped the waker (or never cloned it), no event can ever wake the task: it stays in memory forever and everything awaiting its `JoinHandle` or its messages hangs without an error.',
      example:
        'struct Flag(Arc<AtomicBool>);\n\nimpl Future for Flag {\n    type Output = ();\n    fn poll(self: Pin<&mut Self>, _cx: &mut Context<\'_>) -> Poll<()> {\n        if self.0.load(Ordering::Acquire) { Poll::Ready(()) } else { Poll::Pending }\n    }\n}',
      useInstead:
        "impl Future for Flag {\n    type Output = ();\n    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {\n        if self.ready.load(Ordering::Acquire) { return Poll::Ready(()); }\n        self.waker.register(cx.waker()); // futures::task::AtomicWaker\n        if self.ready.load(Ordering::Acquire) { Poll::Ready(()) } else { Poll::Pending }\n    }\n}",
      notes:
        'The finding sits on the spawn site of the task and lists the tokio task ids of the affected tasks. The static rule `pending-without-waker` finds the same mistake in hand-written `poll` functions.',
    },
  },
  evaluate(ctx) {
    for (const task of ctx.model.tasks()) {
      const w = ctx.model.warningInputs(task);
      if (w.isBlocking || w.isCompleted || w.wakerCount !== 0 || w.isRunning || w.isAwakened) continue;
      ctx.flag(task, { polls: w.polls });
    }
  },
  describe(site) {
    return {
      message: `${lead(site, 'has lost its waker', 'have lost their waker')}: it returned \`Poll::Pending\` and nothing holds a clone of its \`Waker\`, so it will never be polled again and whatever waits for it hangs.`,
    };
  },
});
