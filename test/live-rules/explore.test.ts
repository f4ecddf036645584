import { test } from 'vitest';
import { runCapture } from './helpers.js';
for (const name of ['lost-waker', 'self-wake', 'blocking', 'mutex-contention', 'self-held-sender', 'semaphore-starvation', 'churn', 'churn-with-details', 'exit', 'pause-resume']) {
  test(name, () => {
    const r = runCapture(name);
    for (const e of r.events) console.log(name, e.at.toFixed(0), e.kind, e.finding.rule, e.finding.siteKey, e.finding.taskIds.join(','), e.kind === 'close' ? e.reason : '', e.kind !== 'close' ? e.finding.message : '');
  });
}
