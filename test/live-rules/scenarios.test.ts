// Scripted console streams (encoded with encodeUpdate) for what the captures cannot show.
import { describe, expect, test } from 'vitest';
import { Scenario } from '../../server/live/rules/scenario.js';
import { liveRuleById } from '../../rules/live-index.js';
import twoTaskCycle, { SITES as CYCLE } from '../../rules/deadlock-cycle/live-fixtures/two-task-cycle.js';
import starvedSemaphore from '../../rules/starved-on-resource/live-fixtures/starved-semaphore.js';
import slowReceiver from '../../rules/starved-on-resource/live-fixtures/slow-receiver.js';
import unknownHolder from '../../rules/stuck-on-resource/live-fixtures/unknown-holder.js';
import growing from '../../rules/task-growth/live-fixtures/growing.js';
import sizes from '../../rules/large-future/live-fixtures/sizes.js';
import queued from '../../rules/scheduling-delay/live-fixtures/queued.js';
import wokenAgain from '../../rules/lost-waker/live-fixtures/woken-again.js';
import { config, opened, runFrames, type Run } from './helpers.js';

function run(build: (s: Scenario) => void, ruleIds?: string[], cfg = config()): Run {
  const s = new Scenario();
  build(s);
  const rules = ruleIds?.map((id) => liveRuleById(id)!);
  return runFrames(s.frames, { config: cfg, ...(rules ? { rules } : {}) });
}

const log = (r: Run): string[] => r.events.filter((e) => e.kind !== 'update').map((e) => `${e.at} ${e.kind} ${e.finding.rule} ${e.finding.siteKey}`);

describe('deadlock-cycle', () => {
  test('a two-task lock cycle is reported on both spawn sites once it has lasted 2 s', () => {
    const r = run((s) => twoTaskCycle(s));
    expect(opened(r).sort()).toEqual([`deadlock-cycle ${CYCLE.a}`, `deadlock-cycle ${CYCLE.b}`, `stuck-on-resource ${CYCLE.a}`, `stuck-on-resource ${CYCLE.b}`]);
    const first = r.events.find((e) => e.kind === 'open')!;
    expect(first.at).toBeGreaterThanOrEqual(2000);
    const a = r.engine.open().find((f) => f.siteKey === CYCLE.a)!;
    expect(a.message).toMatch(
      /^The task spawned here \(`a`, id 1\) is part of a deadlock that has lasted [\d.]+ s: task 1 \(`a`, spawned at src\/main\.rs:20:5\) waits for the `Mutex` created at src\/main\.rs:11:13, held by task 2 \(`b`, spawned at src\/main\.rs:30:5\), which waits for the `Mutex` created at src\/main\.rs:10:13, held by task 1 \(`a`, spawned at src\/main\.rs:20:5\), so none of these tasks can ever continue\.$/,
    );
    expect(a.related.map((x) => `${x.location?.file}:${x.location?.line}:${x.location?.column} ${x.message}`)).toEqual([
      'src/main.rs:11:13 The `Mutex` created at src/main.rs:11:13, part of the cycle.',
      'src/main.rs:10:13 The `Mutex` created at src/main.rs:10:13, part of the cycle.',
      'src/main.rs:30:5 Task 2 (`b`, spawned at src/main.rs:30:5) is part of the cycle.',
    ]);
    // stuck-on-resource also sees both waiters once they have idled 5 s, naming the holder.
    const stuck = r.engine.open().find((f) => f.rule === 'stuck-on-resource' && f.siteKey === CYCLE.a)!;
    expect(stuck.message).toContain('it is held by task 2 (`b`, spawned at src/main.rs:30:5)');
  });

  test('a cycle shorter than the threshold is not reported', () => {
    expect(opened(run((s) => twoTaskCycle(s, 1500), ['deadlock-cycle']))).toEqual([]);
  });
});

describe('starved-on-resource', () => {
  test('workers that wait ~90 % of the time on a semaphore; the hog holds it longest', () => {
    const r = run((s) => starvedSemaphore(s), ['starved-on-resource']);
    expect(opened(r)).toEqual(['starved-on-resource src/main.rs:50:9']);
    const f = r.engine.open()[0]!;
    expect(f.message).toMatch(
      /^3 of 3 tasks spawned here \(ids 2, 3, 4\) spend up to 9\d % of their time waiting for the `Semaphore` created at src\/main\.rs:40:15; the tasks holding it longest are task 1 \(`hog`, spawned at src\/main\.rs:42:5\) for [\d.]+ s/,
    );
  });

  test('a slow receiver starves the sender on the channel capacity', () => {
    const r = run((s) => slowReceiver(s), ['starved-on-resource', 'stuck-on-resource']);
    expect(opened(r)).toEqual(['starved-on-resource src/main.rs:60:5']);
    expect(r.engine.open()[0]!.message).toMatch(
      /^The task spawned here \(`producer`, id 1\) spends 9\d % of its time waiting for a bounded channel's capacity; the receiver does not keep up, so senders queue for free slots, /,
    );
  });
});

describe('stuck-on-resource', () => {
  test('says so when the holder cannot be known', () => {
    const r = run((s) => unknownHolder(s), ['stuck-on-resource', 'deadlock-cycle']);
    expect(opened(r)).toEqual(['stuck-on-resource src/main.rs:72:5']);
    expect(r.engine.open()[0]!.message).toBe(
      'The task spawned here (`waiter`, id 3) has been waiting for 7.0 s on the `Mutex` created at src/main.rs:70:17, which 1 task waits for in total; which task holds it is not known (it was taken before awaitlens connected, or its acquisition was not seen), so these tasks make no progress until it is released.',
    );
  });
});

describe('task-growth', () => {
  test('fires on the ever-growing site, not on steady churn', () => {
    const r = run((s) => growing(s), ['task-growth']);
    expect(opened(r)).toEqual(['task-growth src/main.rs:80:9']);
    expect(r.engine.open()[0]!.message).toMatch(/^The number of live tasks spawned here keeps growing \(\d+ → 200 over the last 5 evaluations; ids 1, 3, 5, 7, 9, …\)/);
  });

  test('closes when the count drops', () => {
    const r = run((s) => growing(s, 12, 9), ['task-growth']);
    expect(log(r).map((l) => l.split(' ').slice(1).join(' '))).toEqual(['open task-growth src/main.rs:80:9', 'close task-growth src/main.rs:80:9']);
  });

  test('stays quiet below the floor', () => {
    expect(opened(run((s) => growing(s), ['task-growth'], config({ taskGrowthFloor: 1000 })))).toEqual([]);
  });
});

describe('large-future and auto-boxed-future', () => {
  test('sizes from the task fields', () => {
    const r = run((s) => sizes(s), ['large-future', 'auto-boxed-future']);
    expect(r.engine.open().map((f) => `${f.rule} ${f.siteKey}: ${f.message}`)).toEqual([
      'auto-boxed-future src/main.rs:9:5: The task spawned here (`boxed`, id 2) was boxed by the runtime at spawn (originally 20000 bytes, 8 bytes once boxed): the future was too large to move on the stack, so every spawn copies it and allocates it on the heap.',
      'large-future src/main.rs:5:5: The task spawned here (`big`, id 1) is a 4096-byte future (limit 1024 bytes): the whole state machine is copied and allocated at every spawn, and whatever lives across its `.await`s (usually a large buffer) makes it that big.',
    ]);
  });
});

describe('scheduling-delay', () => {
  test('fires on a task polled 120 ms after each wake, closes when the delay goes away', () => {
    const r = run((s) => queued(s, 9000, 3000), ['scheduling-delay']);
    expect(log(r).map((l) => l.split(' ').slice(1).join(' '))).toEqual(['open scheduling-delay src/main.rs:100:9', 'close scheduling-delay src/main.rs:100:9']);
    const open = r.events.find((e) => e.kind === 'open')!;
    expect(open.finding.message).toBe(
      'The task spawned here (`handler`, id 1) waits too long to be polled after a wake-up (mean delay 120 ms over 5 wakes, 60 % of its life spent waiting to run; limit 50 ms): the runtime\'s workers are busy or blocked, so ready work sits in the run queue.',
    );
  });
});

describe('main-off-runtime (live)', () => {
  test('a block_on task that spends 40 % of its life scheduled', () => {
    const s = new Scenario();
    const main = s.task(1, { name: 'main', site: 'src/main.rs:3:1', kind: 'block_on', tid: 1 }).set({ scheduledMs: 0, wakerClones: 1 });
    const worker = s.task(2, { name: 'worker', site: 'src/main.rs:8:9', tid: 2 }).set({ scheduledMs: 0, wakerClones: 1 });
    for (let t = 0; t < 4000; t += 100) {
      main.wake(t).poll(t + 40).set({ scheduledMs: (main.state.scheduledMs ?? 0) + 40 });
      worker.wake(t).poll(t + 1).set({ scheduledMs: (worker.state.scheduledMs ?? 0) + 1 });
      s.frame(t + 100);
    }
    const r = runFrames(s.frames, { rules: [liveRuleById('main-off-runtime')!], config: config() });
    expect(r.engine.open().map((f) => `${f.rule} ${f.siteKey} ${f.severity}`)).toEqual(['main-off-runtime src/main.rs:3:1 hint']);
    expect(r.engine.open()[0]!.message).toMatch(/^The `block_on` task started here \(the `#\[tokio::main\]` body\) spent 40 % of its 4\.0 s life \(1\.6 s\) waiting to be polled after wake-ups \(limit 20 %\)/);
  });
});

describe('engine', () => {
  test('a lost waker closes when the task is woken again', () => {
    const r = run((s) => wokenAgain(s), ['lost-waker']);
    expect(log(r)).toEqual(['0 open lost-waker src/main.rs:120:5', '3000 close lost-waker src/main.rs:120:5']);
  });

  test('evaluates at most once per second of app clock', () => {
    const r = run((s) => wokenAgain(s), ['lost-waker']);
    const s = new Scenario();
    wokenAgain(s);
    // 17 frames 250 ms apart: evaluations at 0, 1000, 2000, 3000, 4000 (+ the final forced one).
    let evaluations = 0;
    const rule = liveRuleById('lost-waker')!;
    const counting = { ...rule, evaluate: (ctx: Parameters<typeof rule.evaluate>[0]) => (evaluations++, rule.evaluate(ctx)) };
    runFrames(s.frames, { rules: [counting], config: config() });
    expect(evaluations).toBe(6);
    expect(r.events.length).toBe(2);
  });

  test('a rule set to off in the config produces nothing; severity comes from the config', () => {
    const s = new Scenario();
    wokenAgain(s);
    expect(runFrames(s.frames, { config: config({}, { 'lost-waker': 'off' }) }).events).toEqual([]);
    const r = runFrames(s.frames, { config: config({}, { 'lost-waker': 'error' }) });
    expect(r.events[0]!.finding.severity).toBe('error');
  });
});
