// A bounded channel (internal semaphore, no location) whose receiver takes one message every
// 500 ms; `producer` (src/main.rs:60:5) waits ~490 ms for each slot.
import type { Scenario } from '../../../server/live/rules/scenario.js';

export const SITES = { producer: 'src/main.rs:60:5', consumer: 'src/main.rs:66:5' };

export default function slowReceiver(s: Scenario, untilMs = 8000): void {
  s.resource(8, { concreteType: 'Semaphore', internal: true }, { permits: 0 });
  const producer = s.task(9, { name: 'producer', site: SITES.producer, tid: 1 });
  const consumer = s.task(10, { name: 'consumer', site: SITES.consumer, tid: 2 });
  s.frame(0);
  let opId = 500;
  for (let t = 0; t < untilMs; t += 500) {
    s.op(opId++, { source: 'Acquire::new', resource: '8' }, { created: t + 5, task: '9', attributes: { permits_requested: 1, permits_obtained: 0 } })
      .poll(t + 5)
      .drop(t + 495, { permits_obtained: 1 });
    producer.poll(t + 5).poll(t + 495);
    consumer.poll(t + 490);
    s.frame(t + 250);
    s.frame(t + 500);
  }
}
