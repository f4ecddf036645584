// Task `a` (src/main.rs:20:5) takes lock A then waits for B; task `b` (src/main.rs:30:5) takes B
// then waits for A. Both acquisitions are seen, so both holders are known.
import type { Scenario } from '../../../server/live/rules/scenario.js';

export const SITES = { a: 'src/main.rs:20:5', b: 'src/main.rs:30:5', lockA: 'src/main.rs:10:13', lockB: 'src/main.rs:11:13' };

export default function twoTaskCycle(s: Scenario, untilMs = 6000): void {
  const a = s.task(1, { name: 'a', site: SITES.a, tid: 1 });
  const b = s.task(2, { name: 'b', site: SITES.b, tid: 2 });
  const lockA = s.resource(100, { concreteType: 'Mutex', site: SITES.lockA }, { locked: false });
  const lockB = s.resource(200, { concreteType: 'Mutex', site: SITES.lockB }, { locked: false });
  s.frame(0);
  a.poll(100);
  b.poll(100);
  // Both take their first lock.
  s.op(101, { source: 'Mutex::lock', resource: '100' }, { created: 100, task: '1' }).poll(100).drop(100);
  s.op(201, { source: 'Mutex::lock', resource: '200' }, { created: 100, task: '2' }).poll(100).drop(100);
  lockA.set({ locked: true });
  lockB.set({ locked: true });
  // ...then each waits for the other's.
  s.op(102, { source: 'Mutex::lock', resource: '200' }, { created: 150, task: '1' }).poll(150);
  s.op(202, { source: 'Mutex::lock', resource: '100' }, { created: 150, task: '2' }).poll(150);
  a.set({ wakerClones: 1 }).poll(150);
  b.set({ wakerClones: 1 }).poll(150);
  for (let t = 250; t <= untilMs; t += 250) s.frame(t);
}
