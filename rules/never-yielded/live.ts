import { lead, ms } from '../../server/live/rules/format.js';
import { defineLiveRule } from '../../server/live/rules/types.js';

export default defineLiveRule({
  meta: {
    id: 'never-yielded',
    kind: 'live',
    category: 'performance',
    defaultSeverity: 'warning',
    fixable: false,
    summary: 'A task is still in its first poll after a second: it never yields its worker thread.',
    docs: {
      whatItFinds:
        "Tasks that are running right now, have been polled at most once, and whose busy time (including the poll in progress) is at least `live.never-yielded-ms` (default 1000 ms). Same condition as tokio-console's never-yielded warning, measured on the app's clock. Tasks started with `spawn_blocking` or `block_on` are skipped.",
      whyBad:
        "tokio's workers are cooperative: a task keeps its worker thread until its `poll` returns. A first poll that runs for seconds means the task does blocking or CPU-heavy work without an `.await`, and every task queued behind it on that worker waits, including timers and I/O readiness.",
      example: 'tokio::spawn(async move {\n    let data = std::fs::read(path)?; // blocks the worker\n    let digest = sha256(&data);     // long CPU work, no .await\n    tx.send(digest).await?;\n});',
      useInstead:
        'tokio::spawn(async move {\n    let data = tokio::fs::read(&path).await?;\n    let digest = tokio::task::spawn_blocking(move || sha256(&data)).await?;\n    tx.send(digest).await?;\n});',
      notes: 'The finding closes as soon as the poll returns; `long-poll` keeps reporting the long poll afterwards.',
    },
  },
  evaluate(ctx) {
    const limit = ctx.thresholds.neverYieldedMs * 1e6;
    for (const task of ctx.model.tasks()) {
      const w = ctx.model.warningInputs(task);
      if (w.isBlocking || w.state !== 'running' || w.polls > 1 || w.busyNs < limit) continue;
      ctx.flag(task, { busyNs: w.busyNs });
    }
  },
  describe(site, ctx) {
    const busy = Math.max(...site.flags.map((f) => (f.detail as { busyNs: number }).busyNs));
    const amount = site.flags.length === 1 ? `for ${ms(busy)}` : `for up to ${ms(busy)}`;
    return {
      message: `${lead(site, 'has not yielded since its first poll started', 'have not yielded since their first poll started')} ${amount} (limit ${ms(ctx.thresholds.neverYieldedMs * 1e6)}): the poll is still running, so it holds a worker thread and the tasks queued on that worker cannot run.`,
    };
  },
});
