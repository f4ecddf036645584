import { lead } from '../../server/live/rules/format.js';
import { defineLiveRule } from '../../server/live/rules/types.js';

export default defineLiveRule({
  meta: {
    id: 'auto-boxed-future',
    kind: 'live',
    category: 'performance',
    defaultSeverity: 'info',
    fixable: false,
    summary: 'The runtime boxed a spawned future because it was too large to move on the stack.',
    docs: {
      whatItFinds:
        "Tasks whose `size.bytes` differs from `original_size.bytes` (fields tokio 1.41 and later record at spawn): tokio moved the future to the heap because it was larger than its auto-boxing limit. Same condition as tokio-console's auto-boxed-future warning.",
      whyBad:
        'tokio boxes futures above a size limit (16 KiB in release builds, 2 KiB in debug builds) so that spawning them does not overflow the stack. The future is still that large: it was copied at least once before being boxed, it costs a big allocation per spawn, and the size usually comes from buffers or nested futures held across `.await`s.',
      example: 'tokio::spawn(async move {\n    let mut table = [0u64; 4096]; // 32 KiB held across .await\n    fill(&mut table).await;\n});',
      useInstead: 'tokio::spawn(async move {\n    let mut table = vec![0u64; 4096];\n    fill(&mut table).await;\n});',
      notes: 'Older tokio versions do not record future sizes; then this rule stays quiet.',
    },
  },
  evaluate(ctx) {
    for (const task of ctx.model.tasks()) {
      const w = ctx.model.warningInputs(task);
      if (w.sizeBytes === undefined || w.originalSizeBytes === undefined || w.sizeBytes === w.originalSizeBytes) continue;
      ctx.flag(task, { size: w.sizeBytes, original: w.originalSizeBytes });
    }
  },
  describe(site) {
    const d = site.flags.map((f) => f.detail as { size: number; original: number }).reduce((a, b) => (b.original > a.original ? b : a));
    const sizes = site.flags.length === 1 ? `originally ${d.original} bytes, ${d.size} bytes once boxed` : `up to ${d.original} bytes originally`;
    return {
      message: `${lead(site, 'was boxed by the runtime at spawn', 'were boxed by the runtime at spawn')} (${sizes}): the future was too large to move on the stack, so every spawn copies it and allocates it on the heap.`,
    };
  },
});
