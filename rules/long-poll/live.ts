import type { LiveTask } from '../../server/live/model.js';
import { lead, ms } from '../../server/live/rules/format.js';
import { flagOverLimit, worstOverLimit, type OverLimit } from '../../server/live/rules/over-limit.js';
import { defineLiveRule, type LiveRelated, type LiveRuleContext, type SiteFlags } from '../../server/live/rules/types.js';
import { isRunning } from '../../server/live/task-metrics.js';

function evidence(task: LiveTask, ctx: LiveRuleContext): OverLimit | undefined {
  const limit = ctx.thresholds.longPollMs * 1e6;
  const p = task.stats?.pollStats;
  const running = isRunning(task);
  const inProgress = running && p?.lastPollStarted !== undefined && ctx.now > p.lastPollStarted ? Number(ctx.now - p.lastPollStarted) : 0;
  const hist = task.details?.pollTimes;
  if (hist && hist.count > 0) {
    const worst = Math.max(hist.p99, hist.max, inProgress);
    if (worst <= limit) return undefined;
    const parts = [`p99 poll ${ms(hist.p99)}`, `longest ${ms(hist.max)}`];
    if (inProgress > limit) parts.push(`a poll running for ${ms(inProgress)}`);
    return { worst, text: parts.join(', ') };
  }
  const done = (p?.polls ?? 0) - (running ? 1 : 0);
  const mean = done > 0 ? (p?.busyNs ?? 0) / done : 0;
  if (mean <= limit && inProgress <= limit) return undefined;
  const parts: string[] = [];
  if (inProgress > limit) parts.push(`a poll running for ${ms(inProgress)}`);
  if (mean > limit) parts.push(`mean poll ${ms(mean)} over ${done} poll${done === 1 ? '' : 's'}`);
  return { worst: Math.max(mean, inProgress), text: parts.join(', ') };
}

/** Static findings in the spawned future's body that explain a long poll. */
export function staticExplanations(site: SiteFlags, ctx: LiveRuleContext, rules: readonly string[]): LiveRelated[] {
  if (!ctx.staticFindingsNear || site.location.line === undefined) return [];
  const resolved = ctx.resolve(site.location);
  if (!resolved || resolved.kind === 'unresolved') return [];
  return ctx.staticFindingsNear(resolved.path, site.location.line, rules).map((f) => ({
    file: f.file,
    location: { file: f.file, line: f.line, column: f.column },
    message: `${f.rule}: ${f.message}`,
  }));
}

export default defineLiveRule({
  meta: {
    id: 'long-poll',
    kind: 'live',
    category: 'performance',
    defaultSeverity: 'warning',
    fixable: false,
    summary: "A task's polls take longer than 10 ms: something blocks the worker thread.",
    docs: {
      whatItFinds:
        "Tasks whose poll times are above `live.long-poll-ms` (default 10 ms). With a task-details stream the 99th percentile and the longest poll of the poll-time histogram are used. From the update stream alone the rule uses the mean poll (busy time / completed polls) and the length of a poll still in progress. Tasks started with `spawn_blocking` or `block_on` are skipped.",
      whyBad:
        'While a task is inside `poll`, its worker thread does nothing else: other tasks on that worker, timers and I/O readiness all wait. A poll of tens of milliseconds usually means blocking I/O, a `std::sync` lock under contention, or heavy CPU work inside an async fn.',
      example: 'tokio::spawn(async move {\n    loop {\n        let job = rx.recv().await?;\n        std::thread::sleep(Duration::from_millis(50)); // blocks the worker\n        done.send(job).await?;\n    }\n});',
      useInstead: 'tokio::spawn(async move {\n    loop {\n        let job = rx.recv().await?;\n        tokio::time::sleep(Duration::from_millis(50)).await;\n        done.send(job).await?;\n    }\n});',
      notes:
        'The finding lists static findings of `blocking-in-async` and `guard-across-await` inside the spawned future as related information when the editor has them. A task with one long poll in its past keeps the finding while the histogram (or its mean) stays above the limit.',
    },
  },
  evaluate(ctx) {
    flagOverLimit(ctx, evidence);
  },
  describe(site, ctx) {
    const what = worstOverLimit(site);
    return {
      message: `${lead(site, 'blocks its worker thread inside `poll`', 'block their worker thread inside `poll`')} (${what}; limit ${ms(ctx.thresholds.longPollMs * 1e6)}): while a poll runs, no other task on that worker makes progress.`,
      related: staticExplanations(site, ctx, ['blocking-in-async', 'guard-across-await']),
    };
  },
});
