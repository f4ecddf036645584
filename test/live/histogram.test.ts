import { deflateSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import {
  decodeHdrHistogram,
  decodeTaskDetails,
  encodeHdrHistogramV2,
  HistogramDecodeError,
  readRecording,
  summarizeDurationHistogram,
  summarizeHistogram,
} from '../../server/live/index.js';
import { fixture } from './fake-console.js';

describe('HdrHistogram V2', () => {
  test('values below 256 are exact at 2 significant figures', () => {
    const h = decodeHdrHistogram(encodeHdrHistogramV2(Array.from({ length: 100 }, (_, i) => [i + 1, 1] as const)));
    expect(h.header).toMatchObject({ cookie: 0x1c849313, significantFigures: 2, lowest: 1, normalizingIndexOffset: 0 });
    expect([h.totalCount, h.min, h.valueAtPercentile(50), h.valueAtPercentile(90), h.valueAtPercentile(99), h.max]).toEqual([
      100, 1, 50, 90, 99, 100,
    ]);
  });

  test('larger values report the top of their equivalence range', () => {
    // 1000 → bucket 2 (unit 4): [1000, 1003]; 1e6 → bucket 12 (unit 4096): [999424, 1003519].
    const h = decodeHdrHistogram(encodeHdrHistogramV2([[1000, 50], [1_000_000, 50]]));
    expect(h.valueAtPercentile(50)).toBe(1003);
    expect(h.valueAtPercentile(51)).toBe(1_003_519);
    expect(h.valueAtPercentile(0)).toBe(1000);
    expect(h.min).toBe(1000);
    expect(h.max).toBe(1_003_519);
    expect(h.buckets()).toEqual([
      { low: 1000, high: 1003, count: 50 },
      { low: 999_424, high: 1_003_519, count: 50 },
    ]);
  });

  test('p99 lands on the 99th sample; max on the last slot', () => {
    // 500 → bucket 1 (unit 2): [500, 501].
    const h = decodeHdrHistogram(encodeHdrHistogramV2([[10, 99], [500, 1]]));
    expect(h.valueAtPercentile(99)).toBe(10);
    expect(h.valueAtPercentile(100)).toBe(501);
    expect(summarizeHistogram(h)).toMatchObject({ count: 100, p50: 10, p90: 10, p99: 10, max: 501 });
  });

  test('single zero slots and zero runs decode to the right indexes', () => {
    const h = decodeHdrHistogram(encodeHdrHistogramV2([[1, 1], [3, 2], [200, 3]]));
    expect(h.buckets().map((b) => [b.low, b.count])).toEqual([[1, 1], [3, 2], [200, 3]]);
  });

  test('9-byte varints carry a full 8 bits in the last byte', () => {
    const base = encodeHdrHistogramV2([[1, 1]]);
    // Non-canonical 9-byte zig-zag(-1) = skip one slot, then count 7 at value 1.
    const payload = [0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 14];
    const blob = new Uint8Array(40 + payload.length);
    blob.set(base.subarray(0, 40));
    new DataView(blob.buffer).setUint32(4, payload.length);
    blob.set(payload, 40);
    const h = decodeHdrHistogram(blob);
    expect(h.buckets()).toEqual([{ low: 1, high: 1, count: 7 }]);
  });

  test('compressed V2 blobs are inflated', () => {
    const raw = encodeHdrHistogramV2([[42, 3]]);
    const z = deflateSync(raw);
    const blob = Buffer.alloc(8 + z.length);
    blob.writeUInt32BE(0x1c849314, 0);
    blob.writeUInt32BE(z.length, 4);
    z.copy(blob, 8);
    expect(decodeHdrHistogram(blob).valueAtPercentile(50)).toBe(42);
  });

  test('bad input raises HistogramDecodeError', () => {
    expect(() => decodeHdrHistogram(new Uint8Array([1, 2, 3]))).toThrow(HistogramDecodeError);
    expect(() => decodeHdrHistogram(new Uint8Array(40))).toThrow(/cookie/);
    const blob = encodeHdrHistogramV2([[5, 1]]);
    expect(() => decodeHdrHistogram(blob.subarray(0, blob.length - 1))).toThrow(/truncated/);
  });

  test('empty histograms summarise to zeros', () => {
    expect(summarizeHistogram(decodeHdrHistogram(encodeHdrHistogramV2([])))).toMatchObject({ count: 0, p50: 0, max: 0 });
  });

  test('outliers: max reports highest_outlier, counts stay raw', () => {
    const raw = encodeHdrHistogramV2([[1_000_000_000, 1], [20_000, 9]], { highest: 1_000_000_000 });
    const s = summarizeDurationHistogram({ raw, maxValue: 1_000_000_000, highOutliers: 1, highestOutlier: 2_000_225_968, legacy: false });
    expect(s).toMatchObject({ count: 10, highOutliers: 1, highestOutlier: 2_000_225_968, max: 2_000_225_968, clampMax: 1_000_000_000 });
    // 20000 → bucket 7 (unit 128), sub-bucket 156: [19968, 20095].
    expect(s.p50).toBe(20_095);
  });

  test('fixture: blocking-sleep and cpu-spin polls clamp at 1 s with one outlier', () => {
    for (const [id, outlier] of [
      ['2251799813685249', 2000225968],
      ['2251799813685251', 1500091169],
    ] as const) {
      const frames = readRecording(fixture(`blocking.details-${id}.bin`)).map(decodeTaskDetails);
      const last = frames[frames.length - 1]!;
      const s = summarizeDurationHistogram(last.pollTimes!);
      expect(s).toMatchObject({ count: 1, highOutliers: 1, highestOutlier: outlier, max: outlier, clampMax: 1e9 });
      // The clamped sample sits in the slot holding 1e9.
      expect(s.p50).toBeGreaterThanOrEqual(1e9);
      expect(s.p50).toBeLessThan(1.005e9);
    }
  });

  test('fixture: self-wake poll histograms are consistent', () => {
    const frames = readRecording(fixture('self-wake.details-2251799813685249.bin')).map(decodeTaskDetails);
    const s = summarizeDurationHistogram(frames[frames.length - 1]!.pollTimes!);
    expect(s.count).toBeGreaterThan(1000);
    expect(s.min).toBeLessThanOrEqual(s.p50);
    expect(s.p50).toBeLessThanOrEqual(s.p90);
    expect(s.p90).toBeLessThanOrEqual(s.p99);
    expect(s.p99).toBeLessThanOrEqual(s.max);
    expect(s.highOutliers).toBe(0);
  });
});
