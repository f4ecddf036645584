import { lead } from '../../server/live/rules/format.js';
import { defineLiveRule } from '../../server/live/rules/types.js';

export default defineLiveRule({
  meta: {
    id: 'large-future',
    kind: 'live',
    category: 'performance',
    defaultSeverity: 'info',
    fixable: false,
    summary: "A spawned task's future is 1 KiB or larger, so every spawn copies and allocates a big state machine.",
    docs: {
      whatItFinds:
        "Tasks whose future size (the `size.bytes` field tokio records at spawn, tokio 1.41 and later) is at least `live.large-future-bytes` (default 1024). Same condition as tokio-console's large-future warning. Tasks started with `spawn_blocking` or `block_on` are skipped.",
      whyBad:
        'A future holds every local variable that lives across an `.await`. A large one is moved (copied) several times on its way into the runtime and allocated for every spawned task, and deep nesting of large futures can overflow the stack before tokio gets to box it.',
      example: 'tokio::spawn(async move {\n    let mut buf = [0u8; 64 * 1024]; // lives across the await below\n    let n = socket.read(&mut buf).await?;\n    handle(&buf[..n]).await\n});',
      useInstead: 'tokio::spawn(async move {\n    let mut buf = vec![0u8; 64 * 1024]; // on the heap, the future holds a pointer\n    let n = socket.read(&mut buf).await?;\n    handle(&buf[..n]).await\n});',
      notes: 'Older tokio versions do not record future sizes; then this rule stays quiet.',
    },
  },
  evaluate(ctx) {
    const limit = ctx.thresholds.largeFutureBytes;
    for (const task of ctx.model.tasks()) {
      const w = ctx.model.warningInputs(task);
      if (w.isBlocking || w.sizeBytes === undefined || w.sizeBytes < limit) continue;
      ctx.flag(task, { size: w.sizeBytes });
    }
  },
  describe(site, ctx) {
    const size = Math.max(...site.flags.map((f) => (f.detail as { size: number }).size));
    const what = site.flags.length === 1 ? `is a ${size}-byte future` : `are futures of up to ${size} bytes`;
    return {
      message: `${lead(site, what, what)} (limit ${ctx.thresholds.largeFutureBytes} bytes): the whole state machine is copied and allocated at every spawn, and whatever lives across its \`.await\`s (usually a large buffer) makes it that big.`,
    };
  },
});
