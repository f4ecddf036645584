// A Mutex at src/main.rs:70:17 was locked before the stream started (no acquisition seen);
// `waiter` (src/main.rs:72:5) has been parked on it since.
import type { Scenario } from '../../../server/live/rules/scenario.js';

export default function unknownHolder(s: Scenario, untilMs = 7000): void {
  s.resource(1, { concreteType: 'Mutex', site: 'src/main.rs:70:17' }, { locked: true });
  const w = s.task(5, { name: 'waiter', site: 'src/main.rs:72:5', tid: 3 });
  w.poll(0).set({ wakerClones: 1 });
  s.op(9, { source: 'Mutex::lock', resource: '1' }, { created: 0, task: '5' }).poll(0);
  for (let t = 0; t <= untilMs; t += 250) s.frame(t);
}
