// Semaphore::new(1) at src/main.rs:40:15. `hog` (src/main.rs:42:5) holds the permit for 900 ms of
// every second; three `worker`s (src/main.rs:50:9) each get it for a moment, then queue again.
import type { Scenario } from '../../../server/live/rules/scenario.js';

export const SITES = { sem: 'src/main.rs:40:15', hog: 'src/main.rs:42:5', worker: 'src/main.rs:50:9' };

export default function starvedSemaphore(s: Scenario, untilMs = 8000): void {
  s.resource(1, { concreteType: 'Semaphore', site: SITES.sem }, { permits: 0 });
  const hog = s.task(10, { name: 'hog', site: SITES.hog, tid: 1 });
  const workers = [11, 12, 13].map((id, i) => s.task(id, { name: `worker-${i}`, site: SITES.worker, tid: 2 + i }));
  let opId = 1000;
  const acquire = (task: string, from: number, to: number): void => {
    s.op(opId++, { source: 'Semaphore::acquire', resource: '1' }, { created: from, task, attributes: { permits_requested: 1, permits_obtained: 0 } })
      .poll(from)
      .drop(to, { permits_obtained: 1 });
  };
  s.frame(0);
  for (let sec = 0; sec * 1000 < untilMs; sec++) {
    const base = sec * 1000;
    acquire('10', base, base);
    hog.poll(base);
    // Workers wait while the hog holds it, then each gets ~30 ms.
    workers.forEach((w, i) => {
      acquire(w.id, base + 10, base + 900 + i * 30);
      w.poll(base + 900 + i * 30);
    });
    for (let t = base + 250; t <= base + 1000; t += 250) s.frame(t);
  }
}
