import type { LiveResource } from '../../server/live/model.js';
import { lead, ms } from '../../server/live/rules/format.js';
import { holderText, resourceRelated } from '../../server/live/rules/resource-text.js';
import { describeResource, type PendingWait } from '../../server/live/rules/resources.js';
import { defineLiveRule } from '../../server/live/rules/types.js';

interface Stuck {
  wait: PendingWait;
  idleNs: number;
}

export default defineLiveRule({
  meta: {
    id: 'stuck-on-resource',
    kind: 'live',
    category: 'correctness',
    defaultSeverity: 'warning',
    fixable: false,
    summary: 'A task has been idle for more than 5 s waiting on a lock, a semaphore or a full bounded channel.',
    docs: {
      whatItFinds:
        "Tasks that are idle (not running, not scheduled) for longer than `live.stuck-idle-ms` (default 5000 ms) since their last poll ended, while one of their async ops waits on a synchronisation resource that has nothing to give: a `tokio::sync::Mutex` that is locked, an `RwLock` that is write-locked or read-held, a `Semaphore` with no permits, or the internal semaphore of a full bounded `mpsc` channel. The message names the resource, where it was created, and the task that holds it when the stream shows the acquisition.",
      whyBad:
        'A task parked on a lock for seconds is not doing its job: requests queue up behind it, and if the holder itself waits for something the waiter owns, nothing ever moves again. A sender stuck on a full channel means the receiver has stopped or is far too slow.',
      example: 'let guard = state.lock().await;\nlet reply = client.call(request).await; // slow network call while holding the lock\nguard.apply(reply);',
      useInstead: 'let request = { state.lock().await.next_request() };\nlet reply = client.call(request).await; // the lock is free meanwhile\nstate.lock().await.apply(reply);',
      notes:
        'The holder is inferred from the last completed acquisition on the resource while it stays locked; when that happened before awaitlens connected, the message says the holder is not known. Internal resources have no location: the parent resource is named instead, and a bounded channel shows up only as "a bounded channel\'s capacity".',
    },
  },
  evaluate(ctx) {
    const limit = ctx.thresholds.stuckIdleMs * 1e6;
    for (const task of ctx.model.tasks()) {
      const w = ctx.model.warningInputs(task);
      if (w.isCompleted || w.state !== 'idle') continue;
      const waits = ctx.resources.pendingWaits(task.spanId);
      if (waits.length === 0) continue;
      const ended = task.stats?.pollStats?.lastPollEnded;
      if (ended === undefined || ctx.now <= ended) continue;
      const idleNs = Number(ctx.now - ended);
      if (idleNs < limit) continue;
      ctx.flag(task, { wait: waits[0]!, idleNs } satisfies Stuck);
    }
  },
  describe(site, ctx) {
    const stuck = site.flags.map((f) => f.detail as Stuck);
    const byRoot = new Map<string, { root: LiveResource; n: number }>();
    for (const s of stuck) {
      const e = byRoot.get(s.wait.root.spanId);
      if (e) e.n++;
      else byRoot.set(s.wait.root.spanId, { root: s.wait.root, n: 1 });
    }
    const main = [...byRoot.values()].sort((a, b) => b.n - a.n)[0]!.root;
    const idle = Math.max(...stuck.map((s) => s.idleNs));
    let waiters = 0;
    for (const [, list] of ctx.resources.allPendingWaits()) if (list.some((p) => p.root.spanId === main.spanId)) waiters++;
    const holder = holderText(ctx, main);
    const others = byRoot.size > 1 ? ` (others wait on ${byRoot.size - 1} more resource${byRoot.size > 2 ? 's' : ''})` : '';
    const duration = site.flags.length === 1 ? `for ${ms(idle)}` : `for up to ${ms(idle)}`;
    return {
      message: `${lead(site, 'has been waiting', 'have been waiting')} ${duration} on ${describeResource(main)}${others}, which ${waiters} task${waiters === 1 ? '' : 's'} wait${waiters === 1 ? 's' : ''} for in total; ${holder.text}, so these tasks make no progress until it is released.`,
      related: [...resourceRelated(ctx, main), ...holder.related],
    };
  },
});
