import { basename } from 'node:path';
import { conflicts, indexLockGraph, type OrderedPair, type Place } from '../../server/analysis/lock-facts.js';
import { defineRule } from '../../server/analysis/rule.js';

export default defineRule({
  meta: {
    id: 'lock-order-inversion',
    kind: 'static',
    category: 'correctness',
    defaultSeverity: 'warning',
    fixable: false,
    summary: 'Two code paths take the same two locks in opposite orders, so running them at once can deadlock.',
    docs: {
      whatItFinds:
        'Two places that each hold one lock while waiting for a second, in opposite orders: one path holds `A` and locks `B`, another holds `B` and locks `A`. Locks are `std::sync`, `parking_lot` and `tokio::sync` `Mutex`/`RwLock`s named by where they live — a struct field (`Bank.accounts`, for `self.accounts` in any method of `Bank`) or a static. A guard counts as held while it is bound to a variable (until the end of its block or `drop(guard)`) or while it is a temporary of the statement, `match` or `if let`/`while let` scrutinee. Calls made while a guard is held are followed into workspace fns, in any file, to find the locks they take. Each path gets its own finding, pointing at the other path.',
      whyBad:
        'When both paths run at the same time, each gets its first lock and then waits forever for the lock the other holds. Nothing panics and nothing is logged: the tasks (or threads) involved just stop, every later task that needs either lock queues up behind them, and the service hangs. With `tokio::sync` locks the tasks sit in `lock().await` forever; with `std` or `parking_lot` locks the worker threads themselves block, which can stall the whole runtime. The bug only shows up under concurrent load, so tests rarely catch it.',
      example:
        'struct Bank {\n    accounts: tokio::sync::Mutex<Vec<u64>>,\n    audit: tokio::sync::Mutex<Vec<String>>,\n}\n\nimpl Bank {\n    async fn transfer(&self) {\n        let accounts = self.accounts.lock().await;\n        self.log_audit().await; // takes self.audit while accounts is held\n    }\n\n    async fn log_audit(&self) {\n        self.audit.lock().await.push("entry".into());\n    }\n\n    async fn report(&self) {\n        let audit = self.audit.lock().await;\n        let accounts = self.accounts.lock().await; // opposite order\n    }\n}',
      useInstead:
        'struct Bank {\n    accounts: tokio::sync::Mutex<Vec<u64>>,\n    audit: tokio::sync::Mutex<Vec<String>>,\n}\n\nimpl Bank {\n    async fn transfer(&self) {\n        let accounts = self.accounts.lock().await;\n        self.log_audit().await;\n    }\n\n    async fn log_audit(&self) {\n        self.audit.lock().await.push("entry".into());\n    }\n\n    // One global order: accounts before audit, everywhere.\n    async fn report(&self) {\n        let accounts = self.accounts.lock().await;\n        let audit = self.audit.lock().await;\n    }\n}',
      notes:
        'Fix it by choosing one order for every pair of locks and keeping it in every path, by releasing the first guard before taking the second (copy what you need out of it), or by putting both values behind one lock. Two shared (`read`) acquisitions of an `RwLock` do not conflict, so read-read pairs are not reported. `try_lock` never waits and is not reported as a second acquisition. Locks held in local variables or passed as parameters have no stable name and are not tracked; neither are calls through trait objects or closures, calls whose receiver type is unknown, or free fns whose name is defined more than once in the workspace.',
    },
  },
  nodeTypes: ['call_expression'],
  check(ctx) {
    const graph = indexLockGraph(ctx.index, ctx.knowledge);
    const reported = new Set<string>();
    for (const pair of graph.pairsIn(ctx.path)) {
      const key = `${pair.bodyKey}\u0000${pair.first}\u0000${pair.second}`;
      if (reported.has(key)) continue;
      const other = graph
        .pairsOrdered(pair.second, pair.first)
        .filter((o) => conflicts(pair.firstMode, o.secondMode) && conflicts(o.firstMode, pair.secondMode))
        .sort(byPlace)[0];
      if (!other) continue;
      reported.add(key);
      const line = (p: Place) => p.span.start.line + 1;
      const how =
        pair.via.length === 0
          ? `\`${pair.at.text}\` waits for \`${pair.second}\``
          : `\`${pair.at.text}\` goes on to lock \`${pair.second}\` (in \`${pair.via[pair.via.length - 1]!.label}\`)`;
      const where = other.file === ctx.path ? `line ${line(other.held)}` : `${basename(other.file)} line ${line(other.held)}`;
      ctx.report({
        span: pair.at.span,
        message: `${how} while \`${pair.first}\` is held (taken on line ${line(pair.held)}), but ${other.label === pair.label && other.file === pair.file ? 'this same code' : `\`${other.label}\``} takes them in the opposite order (${where}): when both run at once each waits for the lock the other holds and both hang forever.`,
        related: [
          { span: pair.held.span, file: rel(ctx.path, pair.held), message: `\`${pair.first}\` is taken here first` },
          ...pair.via.map((v, i) => ({
            span: v.span,
            file: rel(ctx.path, v),
            message: i === pair.via.length - 1 ? `\`${pair.second}\` is taken here, in \`${v.label}\`` : `which calls this, in \`${v.label}\``,
          })),
          { span: other.held.span, file: rel(ctx.path, other), message: `the other order: \`${other.first}\` is taken here first, in \`${other.label}\`` },
          { span: other.at.span, file: rel(ctx.path, other.at), message: other.via.length === 0 ? `then \`${other.second}\` is taken here while it is held` : `then this call takes \`${other.second}\` while it is held` },
          ...other.via.map((v, i) => ({
            span: v.span,
            file: rel(ctx.path, v),
            message: i === other.via.length - 1 ? `\`${other.second}\` is taken here, in \`${v.label}\`` : `which calls this, in \`${v.label}\``,
          })),
        ],
      });
    }
  },
});

/** `file` for a related location: omitted when it is the finding's own file. */
function rel(self: string, p: { file: string }): string | undefined {
  return p.file === self ? undefined : p.file;
}

function byPlace(a: OrderedPair, b: OrderedPair): number {
  return a.file < b.file ? -1 : a.file > b.file ? 1 : a.at.span.start.offset - b.at.span.start.offset;
}
