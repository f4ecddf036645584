import { idList } from '../../server/live/rules/format.js';
import { defineLiveRule } from '../../server/live/rules/types.js';

interface SiteHistory {
  /** Live-task counts, one per evaluation, newest last. */
  samples: number[];
  open: boolean;
}

interface Growth {
  from: number;
  to: number;
  evaluations: number;
}

export default defineLiveRule({
  meta: {
    id: 'task-growth',
    kind: 'live',
    category: 'correctness',
    defaultSeverity: 'warning',
    fixable: false,
    summary: 'The number of live tasks spawned at one site keeps growing: tasks are spawned faster than they finish.',
    docs: {
      whatItFinds:
        'Spawn sites whose count of live (not completed) tasks grew at every one of the last `live.task-growth-evaluations` (default 5) evaluations, evaluations being at least a second apart on the app clock, and is at least `live.task-growth-floor` (default 50). Once reported, the finding stays while the count does not drop, and closes when it does.',
      whyBad:
        'Each live task holds its future, its captured state and a slot in the scheduler. A count that only grows is a leak: tasks that wait for something that never comes (a lost reply, a peer that went away) pile up until memory runs out, and the runtime spends more and more time on them.',
      example: 'loop {\n    let (socket, _) = listener.accept().await?;\n    tokio::spawn(async move {\n        let _ = serve(socket).await; // waits forever on idle clients\n    });\n}',
      useInstead: 'loop {\n    let (socket, _) = listener.accept().await?;\n    tokio::spawn(async move {\n        let _ = tokio::time::timeout(IDLE_LIMIT, serve(socket)).await;\n    });\n}',
      notes: 'Short-lived tasks that come and go (churn) do not count: only the number alive at each evaluation matters.',
    },
  },
  evaluate(ctx) {
    const n = Math.max(1, Math.floor(ctx.thresholds.taskGrowthEvaluations));
    const floor = ctx.thresholds.taskGrowthFloor;
    const history = ctx.state(() => new Map<string, SiteHistory>());
    const sites = ctx.liveTasksBySite();
    for (const key of sites.keys()) if (!history.has(key)) history.set(key, { samples: [], open: false });
    for (const [key, h] of history) {
      const tasks = sites.get(key) ?? [];
      h.samples.push(tasks.length);
      if (h.samples.length > n + 1) h.samples.shift();
      const s = h.samples;
      const last = s[s.length - 1]!;
      if (h.open) {
        h.open = s.length < 2 || last >= s[s.length - 2]!;
      } else if (s.length === n + 1 && last >= floor) {
        h.open = s.every((v, i) => i === 0 || v > s[i - 1]!);
      }
      if (tasks.length === 0) {
        if (!h.open && s.every((v) => v === 0)) history.delete(key);
        continue;
      }
      if (!h.open) continue;
      const growth: Growth = { from: s[0]!, to: last, evaluations: s.length - 1 };
      for (const t of tasks) ctx.flag(t, growth);
    }
  },
  describe(site) {
    const g = site.flags[0]!.detail as Growth;
    const tasks = site.flags.map((f) => f.task);
    return {
      message: `The number of live tasks spawned here keeps growing (${g.from} → ${g.to} over the last ${g.evaluations} evaluations; ids ${idList(tasks)}): tasks are spawned faster than they finish, so memory and scheduler work grow until something gives.`,
    };
  },
});
