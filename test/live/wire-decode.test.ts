import { readdirSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { readRecording } from '../../server/live/recording.js';
import { decodeTaskDetails, decodeUpdate, encodeTaskDetails, encodeUpdate, nsToTimestamp } from '../../server/live/wire.js';
import { fixture } from './fake-console.js';
import { decodeTaskDetailsReference, decodeUpdateReference } from './wire-reference.js';

// The direct decoder must give exactly what the toObject-based one gave:
// same keys present, same value types (bigint vs number, Buffer bytes), same ids.
const dir = fixture('.');
const files = readdirSync(dir).sort();
const updateFiles = files.filter((f) => f.endsWith('.updates.bin'));
const detailFiles = files.filter((f) => /\.details-\d+\.bin$/.test(f));

describe('direct wire decoding matches the toObject reference on every captured frame', () => {
  test('the captures are there', () => {
    expect(updateFiles.length).toBeGreaterThanOrEqual(10);
    expect(detailFiles.length).toBeGreaterThanOrEqual(10);
  });

  for (const file of updateFiles) {
    test(`${file}: Update frames`, () => {
      const frames = readRecording(fixture(file));
      expect(frames.length).toBeGreaterThan(0);
      for (const [i, frame] of frames.entries()) {
        expect(decodeUpdate(frame), `frame ${i}`).toStrictEqual(decodeUpdateReference(frame));
      }
    });
  }

  for (const file of detailFiles) {
    test(`${file}: TaskDetails frames`, () => {
      const frames = readRecording(fixture(file));
      expect(frames.length).toBeGreaterThan(0);
      for (const [i, frame] of frames.entries()) {
        expect(decodeTaskDetails(frame), `frame ${i}`).toStrictEqual(decodeTaskDetailsReference(frame));
      }
    });
  }
});

describe('direct wire decoding matches the reference on values the captures do not hold', () => {
  const ts = nsToTimestamp(1_795_598_000_123_456_789n);

  test('ids beyond 2^53 and 2^63, negative i64, unknown enums, presence of optional scalars', () => {
    const bytes = encodeUpdate({
      now: ts,
      new_metadata: {
        metadata: [
          { id: { id: '18446744073709551615' }, metadata: { name: 'm', target: 't', kind: 7, level: 9, field_names: ['a', 'b'], location: { line: 0 } } },
          { id: { id: '0' }, metadata: { kind: 'EVENT', level: 'TRACE' } },
          { metadata: { name: 'no id' } },
          { id: { id: '3' } },
        ],
      },
      task_update: {
        new_tasks: [
          {
            id: { id: '9007199254740993' },
            kind: 5,
            fields: [
              { str_name: 'a', i64_val: '-9223372036854775808' },
              { name_idx: '9007199254740993', u64_val: '18446744073709551615', metadata_id: { id: '4' } },
              { str_name: 'b', bool_val: false },
              { str_name: 'c', str_val: '' },
              { str_name: 'd', i64_val: '-5' },
              {},
            ],
            parents: [{ id: '1' }, {}, { id: '4611686018427387904' }],
            location: { file: '', column: 0 },
          },
          { kind: 'BLOCKING', metadata: {} },
        ],
        stats_update: {
          '0': {},
          '1': { dropped_at: { seconds: '-1', nanos: -5 }, wakes: '9007199254740993', scheduled_time: { seconds: '-2', nanos: 7 } },
          '4294967296': { poll_stats: {} },
          '9007199254740993': { last_wake: { seconds: '9223372036854775807', nanos: 999999999 }, poll_stats: { polls: '3', last_poll_ended: {} } },
          '18446744073709551615': { created_at: ts, self_wakes: '18446744073709551615', poll_stats: { busy_time: { seconds: '1', nanos: 2 }, first_poll: ts } },
        },
        dropped_events: '12',
      },
      resource_update: {
        new_resources: [
          { id: { id: '2' }, concrete_type: 'Sleep', kind: { known: 'TIMER' }, is_internal: true, parent_resource_id: {} },
          { kind: { known: 3 } },
          { kind: { other: '' } },
          { kind: {} },
        ],
        stats_update: {
          '2': { attributes: [{ field: { str_name: 'permits', u64_val: '0' }, unit: '' }, {}, { unit: 'ms' }] },
          '3': {},
        },
        new_poll_ops: [{ name: 'poll', is_ready: true, task_id: { id: '9' }, async_op_id: {} }, {}],
        dropped_events: '0',
      },
      async_op_update: {
        new_async_ops: [{ id: { id: '5' }, source: 'Semaphore::acquire', resource_id: { id: '2' } }, {}],
        stats_update: { '5': { task_id: { id: '9' }, attributes: [{ field: { str_name: 'x', debug_val: 'y' } }] }, '6': { task_id: {} } },
      },
    });
    const direct = decodeUpdate(bytes);
    expect(direct).toStrictEqual(decodeUpdateReference(bytes));
    // Spot checks so a shared mistake in both paths would still show.
    expect([...direct.taskUpdate!.statsUpdate.keys()].sort()).toEqual(['0', '1', '18446744073709551615', '4294967296', '9007199254740993']);
    expect(direct.taskUpdate!.newTasks[0]!.fields[0]!.value).toEqual({ kind: 'i64', value: -9223372036854775808n });
    expect(direct.taskUpdate!.newTasks[0]!.kind).toBe('5');
    expect(direct.newMetadata[0]).toMatchObject({ id: '18446744073709551615', kind: 'SPAN', level: 'ERROR', location: { line: 0 } });
    expect(direct.taskUpdate!.statsUpdate.get('9007199254740993')!.lastWake).toBe(9223372036854775807_999_999_999n);
    expect(direct.resourceUpdate!.newResources[1]!.kind).toEqual({ known: '3' });
  });

  test('empty Update, and the empty-stream frames', () => {
    for (const bytes of [new Uint8Array(0), encodeUpdate({ task_update: {}, resource_update: {}, async_op_update: {}, new_metadata: {} })]) {
      expect(decodeUpdate(bytes)).toStrictEqual(decodeUpdateReference(bytes));
    }
  });

  test('TaskDetails: legacy bytes, histogram fields present at zero, absent', () => {
    const cases = [
      encodeTaskDetails({ task_id: { id: '7' }, now: ts, legacy_histogram: Buffer.from([1, 2, 3]) }),
      encodeTaskDetails({ task_id: {}, histogram: { raw_histogram: Buffer.from([9]), max_value: '0', high_outliers: '2', highest_outlier: '0' } }),
      encodeTaskDetails({ histogram: {}, scheduled_times_histogram: { max_value: '1000000000' } }),
      encodeTaskDetails({}),
    ];
    for (const bytes of cases) expect(decodeTaskDetails(bytes)).toStrictEqual(decodeTaskDetailsReference(bytes));
  });
});
