// `conn` tasks (src/main.rs:80:9) are spawned 20 per second and never finish; `ok` tasks
// (src/main.rs:90:9) are spawned 20 per second and each finishes within a second (steady churn).
import type { Scenario } from '../../../server/live/rules/scenario.js';

export const SITES = { leak: 'src/main.rs:80:9', churn: 'src/main.rs:90:9' };

export default function growing(s: Scenario, seconds = 10, stopGrowingAt = Infinity): void {
  let id = 1;
  for (let sec = 0; sec < seconds; sec++) {
    const base = sec * 1000;
    for (let i = 0; i < 20; i++) {
      if (sec < stopGrowingAt) s.task(id++, { name: 'conn', site: SITES.leak }, base).poll(base + i).set({ wakerClones: 1 });
      const ok = s.task(id++, { name: 'ok', site: SITES.churn }, base).poll(base + i);
      ok.poll(base + 600 + i).drop(base + 600 + i);
    }
    if (sec >= stopGrowingAt && sec === stopGrowingAt) {
      // The leak is fixed: half of the stuck connections finish.
      let nth = 0;
      for (let t = 1; t < id; t++) {
        const h = s.taskById(t)!;
        if (h.spec.name === 'conn' && nth++ % 2 === 0) h.drop(base + 10);
      }
    }
    s.frame(base + 500);
    s.frame(base + 1000);
  }
}
