import { describe, expect, test } from 'vitest';
import { decodeTaskDetails, decodeUpdate, readRecording, taskState } from '../../server/live/index.js';
import { fixture } from './fake-console.js';
import { CAPTURES, checkFacts, detailFiles, manifest, replayFiles } from './fixture-facts.js';

describe('fixture captures decoded from files', () => {
  for (const capture of CAPTURES) {
    test(`${capture}: README facts`, () => {
      checkFacts(capture, replayFiles(capture));
    });
  }

  test('lost-waker: frame sizes, field naming and details stream shape', () => {
    const frames = readRecording(fixture('lost-waker.updates.bin'));
    expect(frames).toHaveLength(29);
    const empty = frames.filter((f) => f.length === 20);
    expect(empty).toHaveLength(14);
    for (const f of empty) {
      const u = decodeUpdate(f);
      expect(u.now).toBeDefined();
      expect(u.taskUpdate).toEqual({ newTasks: [], statsUpdate: new Map(), droppedEvents: 0 });
      expect(u.resourceUpdate?.newResources).toEqual([]);
      expect(u.asyncOpUpdate?.newAsyncOps).toEqual([]);
    }
    for (const f of frames) {
      for (const t of decodeUpdate(f).taskUpdate?.newTasks ?? []) {
        for (const field of t.fields) {
          expect(field.strName).toBeDefined();
          expect(field.nameIdx).toBeUndefined();
        }
      }
    }
    const details = readRecording(fixture('lost-waker.details-2251799813685249.bin')).map(decodeTaskDetails);
    expect(details).toHaveLength(17);
    for (const d of details) {
      expect(d.taskId).toBe('2251799813685249');
      expect(d.pollTimes?.legacy).toBe(false);
      expect(d.pollTimes?.maxValue).toBe(1_000_000_000);
      expect(d.scheduledTimes).toBeDefined();
      expect(Buffer.from(d.pollTimes!.raw.subarray(0, 4)).toString('hex')).toBe('1c849313');
    }
  });

  test('blocking: a task inside a long poll is running, with busy excluding the open poll', () => {
    const frames = readRecording(fixture('blocking.updates.bin')).map(decodeUpdate);
    for (const id of ['2251799813685249', '2251799813685251']) {
      const withStats = frames.flatMap((u, i) => (u.taskUpdate?.statsUpdate.has(id) ? [i] : []));
      const first = frames[withStats[0]!]!.taskUpdate!.statsUpdate.get(id)!;
      expect(withStats[0]).toBe(4);
      expect(first.pollStats).toMatchObject({ polls: 1, busyNs: 0 });
      expect(first.pollStats?.lastPollStarted).toBeDefined();
      expect(first.pollStats?.lastPollEnded).toBeUndefined();
      expect(taskState({ kind: 'task', stats: first })).toBe('running');
      // The next stats only come once the poll has ended.
      const next = frames[withStats[1]!]!.taskUpdate!.statsUpdate.get(id)!;
      expect(next.pollStats?.lastPollEnded).toBeDefined();
    }
  });

  test('pause-resume: the update after resume carries the backlog', () => {
    const frames = readRecording(fixture('pause-resume.updates.bin'));
    expect(frames[13]!.length).toBe(72774);
    expect(frames[14]!.length).toBe(11293);
  });

  test('exit: 17 update frames', () => {
    expect(readRecording(fixture('exit.updates.bin'))).toHaveLength(17);
  });

  test('every details file decodes and belongs to its task', () => {
    for (const capture of CAPTURES) {
      for (const [id, file] of detailFiles(manifest(capture))) {
        for (const frame of readRecording(fixture(file))) {
          const d = decodeTaskDetails(frame);
          expect(d.taskId).toBe(id);
          expect(d.pollTimes?.legacy).toBe(false);
        }
      }
    }
  });
});
