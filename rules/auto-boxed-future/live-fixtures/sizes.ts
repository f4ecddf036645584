// tokio ≥ 1.41 records future sizes. `big` (src/main.rs:5:5) is a 4096-byte future; `boxed`
// (src/main.rs:9:5) was 20000 bytes and boxed by the runtime; `small` (src/main.rs:13:5) is 200 bytes;
// `blocking` (src/main.rs:17:5) is a spawn_blocking task of 8192 bytes (skipped by large-future).
import type { Scenario } from '../../../server/live/rules/scenario.js';

export default function sizes(s: Scenario): void {
  s.task(1, { name: 'big', site: 'src/main.rs:5:5', sizeBytes: 4096, originalSizeBytes: 4096 }).poll(0).set({ wakerClones: 1 });
  s.task(2, { name: 'boxed', site: 'src/main.rs:9:5', sizeBytes: 8, originalSizeBytes: 20000 }).poll(0).set({ wakerClones: 1 });
  s.task(3, { name: 'small', site: 'src/main.rs:13:5', sizeBytes: 200, originalSizeBytes: 200 }).poll(0).set({ wakerClones: 1 });
  s.task(4, { name: 'blocking', site: 'src/main.rs:17:5', kind: 'blocking', sizeBytes: 8192, originalSizeBytes: 8192 }).poll(0).set({ wakerClones: 1 });
  s.frame(0);
  s.frame(1000);
}
