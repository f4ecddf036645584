// The captured console streams (console-subscriber 0.1.10, tokio 1.24) replayed through the model
// and every live rule: what each scenario must raise, at which spawn site, and what stays quiet.
import { describe, expect, test } from 'vitest';
import { readRecording } from '../../server/live/recording.js';
import { config, fixture, opened, runCapture, type Run } from './helpers.js';

const openAtEnd = (r: Run): string[] => r.engine.open().map((f) => `${f.rule} ${f.siteKey} [${f.taskIds.join(',')}]`);

describe('captured scenarios', () => {
  test('lost-waker: the lost task at :99, not the sleep loop at :103', () => {
    const r = runCapture('lost-waker');
    expect(opened(r)).toEqual(['lost-waker src/main.rs:99:5']);
    expect(openAtEnd(r)).toEqual(['lost-waker src/main.rs:99:5 [11]']);
    const f = r.engine.open()[0]!;
    expect(f.message).toBe(
      'The task spawned here (`lost-waker`, id 11) has lost its waker: it returned `Poll::Pending` and nothing holds a clone of its `Waker`, so it will never be polled again and whatever waits for it hangs.',
    );
    expect(f.taskIds).toEqual(['11']);
  });

  test('exit: the same finding, on the shorter run', () => {
    expect(opened(runCapture('exit'))).toEqual(['lost-waker src/main.rs:99:5']);
  });

  test('self-wake: self-wakes at :112, yield_now at :121 is quiet', () => {
    const r = runCapture('self-wake');
    expect(opened(r)).toEqual(['self-wakes src/main.rs:112:5']);
    expect(r.engine.open()[0]!.message).toBe(
      'The task spawned here (`self-wake`, id 10) wakes itself for 99 % of its wake-ups (92400 of 93323), above the 50 % limit: every self wake puts the task straight back on the run queue, so it spins through polls instead of waiting for an event.',
    );
    expect(opened(runCapture('pause-resume'))).toEqual(['self-wakes src/main.rs:112:5']);
  });

  test('blocking: long-poll and never-yielded at :133 and :138; never-yielded closes when the poll ends', () => {
    const r = runCapture('blocking');
    expect(opened(r).sort()).toEqual(['long-poll src/main.rs:133:5', 'long-poll src/main.rs:138:5', 'never-yielded src/main.rs:133:5', 'never-yielded src/main.rs:138:5']);
    const closed = r.events.filter((e) => e.kind === 'close').map((e) => `${e.finding.rule} ${e.finding.siteKey}`);
    expect(closed.sort()).toEqual(['never-yielded src/main.rs:133:5', 'never-yielded src/main.rs:138:5']);
    const msgs = Object.fromEntries(r.engine.open().map((f) => [f.siteKey, f.message]));
    expect(msgs['src/main.rs:133:5']).toBe(
      'The task spawned here (`blocking-sleep`, id 10) blocks its worker thread inside `poll` (mean poll 2.0 s over 1 poll; limit 10 ms): while a poll runs, no other task on that worker makes progress.',
    );
    const ny = r.events.find((e) => e.kind === 'open' && e.finding.rule === 'never-yielded')!;
    expect(ny.finding.message).toBe(
      'The task spawned here (`blocking-sleep`, id 10) has not yielded since its first poll started for 1.3 s (limit 1.0 s): the poll is still running, so it holds a worker thread and the tasks queued on that worker cannot run.',
    );
  });

  test('blocking with task details: long-poll reads the histogram (clamped at 1 s, outlier as max)', () => {
    const r = runCapture('blocking', {
      details: [
        { taskId: '2251799813685249', frames: readRecording(fixture('blocking.details-2251799813685249.bin')) },
        { taskId: '2251799813685251', frames: readRecording(fixture('blocking.details-2251799813685251.bin')) },
      ],
    });
    const f = r.engine.open().find((x) => x.rule === 'long-poll' && x.siteKey === 'src/main.rs:133:5')!;
    expect(f.message).toContain('(p99 poll ');
    expect(f.message).toContain('longest 2.0 s; limit 10 ms)');
  });

  test('mutex-contention: waiters at :164 are starved on the Mutex created at :150:26, held longest by the holder', () => {
    const r = runCapture('mutex-contention');
    expect(opened(r)).toEqual(['starved-on-resource src/main.rs:164:9']);
    const f = r.engine.open()[0]!;
    expect(f.message).toMatch(
      /^5 of 5 tasks spawned here \(ids 11, 12, 13, 14, 15\) spend up to 9\d % of their time waiting for the `Mutex` created at src\/main\.rs:150:26; the tasks holding it longest are task 10 \(`mutex-holder`, spawned at src\/main\.rs:153:5\) for [\d.]+ s, /,
    );
    expect(f.related.map((x) => `${x.location?.line}:${x.location?.column}`)).toEqual(['150:26', '153:5']);
  });

  test('mutex-contention: the waits last ~4 s, so stuck-on-resource needs a lower threshold than the 5 s default', () => {
    const r = runCapture('mutex-contention', { config: config({ stuckIdleMs: 3000 }) });
    const stuck = r.events.find((e) => e.kind === 'open' && e.finding.rule === 'stuck-on-resource')!;
    expect(stuck.finding.siteKey).toBe('src/main.rs:164:9');
    expect(stuck.finding.message).toMatch(
      /^5 of 5 tasks spawned here \(ids 11, 12, 13, 14, 15\) have been waiting for up to 3\.\d s on the `Mutex` created at src\/main\.rs:150:26, which 5 tasks wait for in total; it is held by task 10 \(`mutex-holder`, spawned at src\/main\.rs:153:5\), so these tasks make no progress until it is released\.$/,
    );
    // Never on the holder.
    expect(r.events.some((e) => e.finding.rule === 'stuck-on-resource' && e.finding.siteKey === 'src/main.rs:153:5')).toBe(false);
  });

  test('semaphore-starvation: waiters at :196 on the Semaphore at :186:24, full-sender at :202 on the channel capacity', () => {
    const r = runCapture('semaphore-starvation');
    expect(opened(r).sort()).toEqual(['stuck-on-resource src/main.rs:196:9', 'stuck-on-resource src/main.rs:202:5']);
    const by = Object.fromEntries(r.engine.open().map((f) => [f.siteKey, f]));
    expect(by['src/main.rs:196:9']!.message).toBe(
      '4 of 4 tasks spawned here (ids 12, 13, 14, 15) have been waiting for up to 5.9 s on the `Semaphore` created at src/main.rs:186:24, which 4 tasks wait for in total; its permits were last taken by task 10 (`sem-holder`, spawned at src/main.rs:189:5), so these tasks make no progress until it is released.',
    );
    expect(by['src/main.rs:196:9']!.taskIds).toEqual(['12', '13', '14', '15']);
    expect(by['src/main.rs:202:5']!.message).toBe(
      "The task spawned here (`full-sender`, id 16) has been waiting for 5.9 s on a bounded channel's capacity, which 1 task waits for in total; a slot frees up only when the receiver takes a message, so these tasks make no progress until it is released.",
    );
  });

  test('self-held-sender and churn stay quiet (no task-growth on churn)', () => {
    expect(opened(runCapture('self-held-sender'))).toEqual([]);
    expect(opened(runCapture('churn'))).toEqual([]);
    expect(opened(runCapture('churn-with-details'))).toEqual([]);
  });
});
