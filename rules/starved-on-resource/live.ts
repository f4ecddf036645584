import type { LiveResource } from '../../server/live/model.js';
import { lead, ms, pct } from '../../server/live/rules/format.js';
import { resourceRelated, taskRef } from '../../server/live/rules/resource-text.js';
import { describeResource, isChannelCapacity } from '../../server/live/rules/resources.js';
import { defineLiveRule, type LiveRelated } from '../../server/live/rules/types.js';

interface Starved {
  root: LiveResource;
  share: number;
  waitNs: number;
}

export default defineLiveRule({
  meta: {
    id: 'starved-on-resource',
    kind: 'live',
    category: 'performance',
    defaultSeverity: 'warning',
    fixable: false,
    summary: 'Tasks spend most of their time waiting for one mutex, semaphore or bounded channel.',
    docs: {
      whatItFinds:
        "Live tasks that, over at least `live.starved-window-ms` (default 5000 ms) of observed life, spent `live.starved-share` (default 50 %) or more of it waiting on one synchronisation resource (a `Mutex`, `RwLock`, `Semaphore`, or a bounded channel's capacity), and got through at least once (a task that never gets through is `stuck-on-resource`). The message names the resource and the tasks that held it longest.",
      whyBad:
        'A resource that most tasks spend most of their time waiting for serialises the program: adding tasks adds waiting, not throughput. Usually one task holds a lock across slow work (an `.await` on I/O or a sleep), a semaphore is sized too small, or a channel\'s receiver cannot keep up with its senders.',
      example: 'loop {\n    let mut cache = cache.lock().await;\n    let fresh = fetch(&url).await?; // the lock is held during the request\n    cache.insert(url.clone(), fresh);\n}',
      useInstead: 'loop {\n    let fresh = fetch(&url).await?;\n    cache.lock().await.insert(url.clone(), fresh);\n}',
      notes:
        'Waiting time is measured from the async ops on the resource since awaitlens connected; hold times are inferred from consecutive acquisitions and are approximate for semaphores with several permits.',
    },
  },
  evaluate(ctx) {
    const window = ctx.thresholds.starvedWindowMs * 1e6;
    const since = ctx.resources.observedSince;
    for (const [, tasks] of ctx.liveTasksBySite()) {
      for (const task of tasks) {
        const created = task.stats?.createdAt;
        if (created === undefined) continue;
        const from = since !== undefined && since > created ? since : created;
        if (ctx.now <= from) continue;
        const life = Number(ctx.now - from);
        if (life < window) continue;
        let best: Starved | undefined;
        for (const rootId of ctx.resources.waitedRoots(task.spanId)) {
          const root = ctx.model.resourceById(rootId);
          if (!root) continue;
          const w = ctx.resources.waitTime(task.spanId, rootId, ctx.now);
          if (w.completed < 1) continue;
          const share = w.ns / life;
          if (share >= ctx.thresholds.starvedShare && (!best || share > best.share)) best = { root, share, waitNs: w.ns };
        }
        if (best) ctx.flag(task, best);
      }
    }
  },
  describe(site, ctx) {
    const starved = site.flags.map((f) => f.detail as Starved);
    const worst = starved.reduce((a, b) => (b.share > a.share ? b : a));
    const root = worst.root;
    const share = site.flags.length === 1 ? `${pct(worst.share)} of its time` : `up to ${pct(worst.share)} of their time`;
    const waiters = new Set(site.flags.map((f) => f.task.spanId));
    const holds = ctx.resources.holdTimes(ctx.model, root, ctx.now).filter((h) => !waiters.has(h.taskId) || site.flags.length === 1);
    const related: LiveRelated[] = [...resourceRelated(ctx, root)];
    let holders: string;
    if (holds.length > 0) {
      const top = holds.slice(0, 3);
      holders = `the tasks holding it longest are ${top.map((h) => `${taskRef(ctx.model.taskById(h.taskId), h.taskId)} for ${ms(h.ns)}`).join(', ')}`;
      for (const h of top) {
        const t = ctx.model.taskById(h.taskId);
        if (t?.location) related.push({ location: t.location, message: `Holds ${describeResource(root)} for ${ms(h.ns)} in total.` });
      }
    } else if (isChannelCapacity(root)) {
      holders = 'the receiver does not keep up, so senders queue for free slots';
    } else {
      holders = 'which tasks hold it is not known (their acquisitions were not seen)';
    }
    return {
      message: `${lead(site, 'spends', 'spend')} ${share} waiting for ${describeResource(root)}; ${holders}, so the resource serialises these tasks and adding more only adds waiting.`,
      related,
    };
  },
});
