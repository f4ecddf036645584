// `awaitlens top` redraw cost at 10,000 tasks: per-site aggregation plus rendering one frame,
// measured against the 50 ms budget (here, never asserted in tests). Part of `npm run bench`;
// alone: `node dist/bench/live-top.js` after a build (TASKS / SITES override the sizes).
import { pathToFileURL } from 'node:url';
import { ConsoleModel } from '../server/live/model.js';
import { INITIAL_VIEW, renderTop, siteRows } from '../server/live/cli/top-view.js';
import { Scenario } from '../server/live/rules/scenario.js';
import { decodeUpdate } from '../server/live/wire.js';
import { median, percentile, type Section } from './util.js';

export async function bench(): Promise<Section[]> {
  const tasks = Number(process.env.TASKS ?? 10_000);
  const sites = Number(process.env.SITES ?? 300);
  const s = new Scenario();
  for (let i = 0; i < tasks; i++) {
    s.task(i + 1, { name: `worker-${i % 7}`, site: `src/server.rs:${10 + (i % sites)}:9` }).poll(i % 1000, (i % 13) + 0.5).set({ wakerClones: 1, wakes: i % 50 });
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
  return [
    {
      title: `\`awaitlens top\` redraw (${tasks.toLocaleString('en')} tasks at ${sites} spawn sites, 160×50 terminal, 50 frames)`,
      rows: [
        ['median redraw (aggregate + render)', `${median(times).toFixed(2)} ms`],
        ['p95 / max', `${percentile(times, 95).toFixed(2)} / ${Math.max(...times).toFixed(2)} ms`],
        ['budget', `50 ms — ${Math.max(...times) < 50 ? 'met' : 'not met'}`],
      ],
    },
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const s of await bench()) console.log(s.title, s.rows);
}
