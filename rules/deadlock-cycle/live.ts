import type { LiveResource } from '../../server/live/model.js';
import { lead, ms } from '../../server/live/rules/format.js';
import { taskRef } from '../../server/live/rules/resource-text.js';
import { describeResource } from '../../server/live/rules/resources.js';
import { defineLiveRule, type LiveRelated } from '../../server/live/rules/types.js';
import type { SpanId } from '../../server/live/wire.js';

interface Edge {
  to: SpanId;
  root: LiveResource;
}

interface Cycle {
  /** Tasks in wait order: steps[i].task waits on steps[i].root, held by steps[i+1].task. */
  steps: Array<{ task: SpanId; root: LiveResource }>;
  sinceNs: number;
}

/** One simple cycle through `start` inside `members`, following the first edges that close it. */
function cycleFrom(start: SpanId, edges: Map<SpanId, Edge[]>, members: Set<SpanId>): Array<{ task: SpanId; root: LiveResource }> | undefined {
  const path: Array<{ task: SpanId; root: LiveResource }> = [];
  const onPath = new Set<SpanId>();
  const visit = (t: SpanId): boolean => {
    onPath.add(t);
    for (const e of edges.get(t) ?? []) {
      if (!members.has(e.to)) continue;
      path.push({ task: t, root: e.root });
      if (e.to === start) return true;
      if (!onPath.has(e.to) && visit(e.to)) return true;
      path.pop();
    }
    onPath.delete(t);
    return false;
  };
  return visit(start) ? path : undefined;
}

/** Strongly connected components (Tarjan), iterative enough for a few thousand waiters. */
function components(nodes: SpanId[], edges: Map<SpanId, Edge[]>): SpanId[][] {
  let index = 0;
  const idx = new Map<SpanId, number>();
  const low = new Map<SpanId, number>();
  const stack: SpanId[] = [];
  const on = new Set<SpanId>();
  const out: SpanId[][] = [];
  const strong = (v: SpanId): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const e of edges.get(v) ?? []) {
      if (!idx.has(e.to)) {
        strong(e.to);
        low.set(v, Math.min(low.get(v)!, low.get(e.to)!));
      } else if (on.has(e.to)) low.set(v, Math.min(low.get(v)!, idx.get(e.to)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: SpanId[] = [];
      let w: SpanId;
      do {
        w = stack.pop()!;
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      out.push(comp);
    }
  };
  for (const v of nodes) if (!idx.has(v)) strong(v);
  return out;
}

export default defineLiveRule({
  meta: {
    id: 'deadlock-cycle',
    kind: 'live',
    category: 'correctness',
    defaultSeverity: 'error',
    fixable: false,
    summary: 'Tasks wait on locks or semaphores held by each other in a cycle: none of them can ever continue.',
    docs: {
      whatItFinds:
        "A cycle in the who-waits-on-whom graph built from the app's resources and async ops, that has lasted for `live.deadlock-ms` (default 2000 ms): each task in it has a pending `Mutex::lock`, `RwLock` or `Semaphore::acquire` on a resource that is exhausted, and that resource is held by the next task in the cycle. The holder is the task whose acquisition of the resource completed last while it stayed locked. The finding is reported on the spawn site of every task in the cycle, with the resources and their creation sites as related information.",
      whyBad:
        'A lock cycle is a deadlock: each task waits for a lock the next one will only release after it gets its own. The tasks stay parked forever, holding their locks, and every other task that needs one of those locks joins them.',
      example: '// task A\nlet _a = a.lock().await;\nlet _b = b.lock().await;\n\n// task B\nlet _b = b.lock().await;\nlet _a = a.lock().await;',
      useInstead: '// both tasks take the locks in the same order\nlet _a = a.lock().await;\nlet _b = b.lock().await;',
      notes:
        "A wait whose holder cannot be known (the lock was taken before awaitlens connected) cannot close a cycle; `stuck-on-resource` reports it and says the holder is unknown. The static rule `lock-order-inversion` finds opposite lock orders in the source.",
    },
  },
  evaluate(ctx) {
    const edges = new Map<SpanId, Edge[]>();
    for (const [taskId, waits] of ctx.resources.allPendingWaits()) {
      const list: Edge[] = [];
      for (const w of waits) for (const h of ctx.resources.holders(ctx.model, w.root)) list.push({ to: h.taskId, root: w.root });
      if (list.length > 0) edges.set(taskId, list);
    }
    const seen = ctx.state(() => new Map<string, bigint>());
    const current = new Set<string>();
    for (const comp of components([...edges.keys()].sort(), edges)) {
      const members = new Set(comp);
      const selfLoop = comp.length === 1 && (edges.get(comp[0]!) ?? []).some((e) => e.to === comp[0]);
      if (comp.length < 2 && !selfLoop) continue;
      const start = [...comp].sort()[0]!;
      const steps = cycleFrom(start, edges, members);
      if (!steps) continue;
      const signature = steps.map((s) => `${s.task}>${s.root.spanId}`).join(',');
      current.add(signature);
      const first = seen.get(signature) ?? ctx.now;
      seen.set(signature, first);
      const sinceNs = Number(ctx.now - first);
      if (sinceNs < ctx.thresholds.deadlockMs * 1e6) continue;
      const cycle: Cycle = { steps, sinceNs };
      for (const s of steps) {
        const t = ctx.model.taskById(s.task);
        if (t) ctx.flag(t, cycle);
      }
    }
    for (const k of [...seen.keys()]) if (!current.has(k)) seen.delete(k);
  },
  describe(site, ctx) {
    const cycle = site.flags[0]!.detail as Cycle;
    const chain = cycle.steps
      .map((s, i) => {
        const next = cycle.steps[(i + 1) % cycle.steps.length]!;
        const who = i === 0 ? taskRef(ctx.model.taskById(s.task), s.task) : 'which';
        return `${who} waits for ${describeResource(s.root)}, held by ${taskRef(ctx.model.taskById(next.task), next.task)}`;
      })
      .join(', ');
    const related: LiveRelated[] = [];
    const roots = new Set<string>();
    for (const s of cycle.steps) {
      if (!roots.has(s.root.spanId) && s.root.location?.file) related.push({ location: s.root.location, message: `${describeResource(s.root).replace(/^the /, 'The ')}, part of the cycle.` });
      roots.add(s.root.spanId);
      const t = ctx.model.taskById(s.task);
      if (t?.location && `${t.location.file}:${t.location.line}:${t.location.column}` !== site.siteKey) {
        related.push({ location: t.location, message: `${taskRef(t, s.task).replace(/^task/, 'Task')} is part of the cycle.` });
      }
    }
    return {
      message: `${lead(site, 'is part of a deadlock', 'are part of a deadlock')} that has lasted ${ms(cycle.sinceNs)}: ${chain}, so none of these tasks can ever continue.`,
      related,
    };
  },
});
