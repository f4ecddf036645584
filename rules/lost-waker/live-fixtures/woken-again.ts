// `stalled` (src/main.rs:120:5) loses its waker for two seconds, then a clone is registered again
// and it is woken: the finding must close.
import type { Scenario } from '../../../server/live/rules/scenario.js';

export default function wokenAgain(s: Scenario): void {
  const t = s.task(1, { name: 'stalled', site: 'src/main.rs:120:5', tid: 7 });
  t.poll(0);
  for (let ms = 0; ms <= 2000; ms += 250) s.frame(ms);
  t.set({ wakerClones: 1 }).wake(2100).poll(2110);
  for (let ms = 2250; ms <= 4000; ms += 250) s.frame(ms);
}
