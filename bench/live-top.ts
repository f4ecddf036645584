// `awaitlens top` redraw cost at 10 000 tasks: aggregation per site plus rendering one frame.
// Run: npx tsc -p tsconfig.build.json (or tsconfig.json --outDir) and node dist/bench/live-top.js.
// The budget is 50 ms per redraw; this is measured here, never asserted in tests.
import { performance } from 'node:perf_hooks';
import { ConsoleModel } from '../server/live/model.js';
import { INITIAL_VIEW, renderTop, siteRows } from '../server/live/cli/top-view.js';
import { Scenario } from '../server/live/rules/scenario.js';
import { decodeUpdate } from '../server/live/wire.js';

const TASKS = Number(process.env.TASKS ?? 10_000);
const SITES = Number(process.env.SITES ?? 300);
const s = new Scenario();
for (let i = 0; i < TASKS; i++) {
  s.task(i + 1, { name: `worker-${i % 7}`, site: `src/server.rs:${10 + (i % SITES)}:9` }).poll(i % 1000, (i % 13) + 0.5).set({ wakerClones: 1, wakes: i % 50 });
}
s.frame(2000);
const model = new ConsoleModel();
model.apply(decodeUpdate(s.frames[0]!));

const times: number[] = [];
for (let i = 0; i < 50; i++) {
  const t0 = performance.now();
  const rows = siteRows(model, []);
  renderTop(rows, { ...INITIAL_VIEW, sort: (['busy', 'scheduled', 'wakes', 'tasks'] as const)[i % 4] }, model, { columns: 160, rows: 50, status: 'bench' });
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
const p = (q: number): string => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(2);
console.log(`top redraw, ${TASKS} tasks at ${SITES} sites: median ${p(0.5)} ms, p95 ${p(0.95)} ms, max ${p(1)} ms (budget 50 ms)`);
