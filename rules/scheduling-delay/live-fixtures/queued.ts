// `handler` (src/main.rs:100:9) is woken every 200 ms and polled 120 ms later (console-subscriber
// ≥ 0.2 reports scheduled_time); `fast` (src/main.rs:110:9) is polled 1 ms after each wake.
import type { Scenario } from '../../../server/live/rules/scenario.js';

export default function queued(s: Scenario, untilMs = 4000, slowUntilMs = Infinity): void {
  const slow = s.task(1, { name: 'handler', site: 'src/main.rs:100:9', tid: 1 }).set({ scheduledMs: 0, wakerClones: 1 });
  const fast = s.task(2, { name: 'fast', site: 'src/main.rs:110:9', tid: 2 }).set({ scheduledMs: 0, wakerClones: 1 });
  slow.poll(0);
  fast.poll(0);
  s.frame(0);
  for (let t = 200; t <= untilMs; t += 200) {
    const delay = t <= slowUntilMs ? 120 : 1;
    slow.wake(t - 100).poll(t - 100 + delay).set({ scheduledMs: (slow.state.scheduledMs ?? 0) + delay });
    fast.wake(t - 100).poll(t - 99).set({ scheduledMs: (fast.state.scheduledMs ?? 0) + 1 });
    s.frame(t);
  }
}
