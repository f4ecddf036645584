/**
 * HdrHistogram V2 serialization (as written by the Rust `hdrhistogram` crate
 * used by console-subscriber) and the percentile summary the UI shows.
 *
 * Bucket layout follows HdrHistogram: a value v is recorded in a slot whose
 * "equivalence range" is [lowestEquivalent(v), highestEquivalent(v)]; every
 * answer here is reported as the highest equivalent value of its slot, like
 * `value_at_quantile` in the Rust crate.
 */
import { inflateSync } from 'node:zlib';
import type { WireDurationHistogram } from './wire.js';

export const V2_COOKIE = 0x1c849313;
export const V2_COMPRESSED_COOKIE = 0x1c849314;
const HEADER_BYTES = 40;

export class HistogramDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HistogramDecodeError';
  }
}

/** Bucket geometry derived from (lowest trackable, significant figures). */
export class HdrLayout {
  readonly unitMagnitude: number;
  readonly subBucketHalfCountMagnitude: number;
  readonly subBucketHalfCount: number;
  readonly subBucketCount: number;
  readonly bucketCount: number;
  readonly countsLength: number;

  constructor(
    readonly lowest: number,
    readonly highest: number,
    readonly significantFigures: number,
  ) {
    if (significantFigures < 0 || significantFigures > 5) {
      throw new HistogramDecodeError(`significant figures out of range: ${significantFigures}`);
    }
    if (lowest < 1) throw new HistogramDecodeError(`lowest trackable value must be >= 1, got ${lowest}`);
    const largestSingleUnit = 2 * 10 ** significantFigures;
    const subBucketCountMagnitude = Math.ceil(Math.log2(largestSingleUnit));
    this.subBucketHalfCountMagnitude = Math.max(subBucketCountMagnitude, 1) - 1;
    this.unitMagnitude = Math.floor(Math.log2(lowest));
    this.subBucketCount = 2 ** (this.subBucketHalfCountMagnitude + 1);
    this.subBucketHalfCount = this.subBucketCount / 2;
    // Same loop as buckets_to_cover(): enough doublings to reach `highest`.
    let smallestUntrackable = BigInt(this.subBucketCount) << BigInt(this.unitMagnitude);
    let buckets = 1;
    const high = BigInt(Math.max(highest, 2 * lowest));
    while (smallestUntrackable <= high) {
      if (smallestUntrackable > 0x7fff_ffff_ffff_ffffn) {
        buckets++;
        break;
      }
      smallestUntrackable <<= 1n;
      buckets++;
    }
    this.bucketCount = buckets;
    this.countsLength = (buckets + 1) * this.subBucketHalfCount;
  }

  private split(index: number): { bucket: number; sub: number } {
    let bucket = Math.floor(index / this.subBucketHalfCount) - 1;
    let sub = (index % this.subBucketHalfCount) + this.subBucketHalfCount;
    if (bucket < 0) {
      sub -= this.subBucketHalfCount;
      bucket = 0;
    }
    return { bucket, sub };
  }

  /** Lowest value recorded in counts slot `index`. */
  valueFromIndex(index: number): number {
    const { bucket, sub } = this.split(index);
    return sub * 2 ** (bucket + this.unitMagnitude);
  }

  /** Highest value that lands in counts slot `index`. */
  highestEquivalentOfIndex(index: number): number {
    const { bucket } = this.split(index);
    return this.valueFromIndex(index) + 2 ** (bucket + this.unitMagnitude) - 1;
  }

  indexForValue(value: number): number {
    const v = BigInt(Math.max(0, Math.floor(value)));
    const mask = BigInt(this.subBucketCount - 1) << BigInt(this.unitMagnitude);
    const bitLength = (v | mask).toString(2).length;
    const bucket = bitLength - this.unitMagnitude - this.subBucketHalfCountMagnitude - 1;
    const sub = Number(v >> BigInt(bucket + this.unitMagnitude));
    return (bucket + 1) * this.subBucketHalfCount + (sub - this.subBucketHalfCount);
  }
}

export interface HdrHeader {
  cookie: number;
  payloadLength: number;
  normalizingIndexOffset: number;
  significantFigures: number;
  lowest: number;
  highest: number;
  integerToDoubleRatio: number;
}

/** A decoded histogram: sparse (index, count) pairs over a layout. */
export class HdrHistogram {
  readonly totalCount: number;

  constructor(
    readonly header: HdrHeader,
    readonly layout: HdrLayout,
    /** Ascending slot indexes with non-zero counts. */
    readonly slots: ReadonlyArray<{ index: number; count: number }>,
  ) {
    this.totalCount = slots.reduce((n, s) => n + s.count, 0);
  }

  /** p in [0, 100]. Returns 0 for an empty histogram. */
  valueAtPercentile(p: number): number {
    if (this.totalCount === 0) return 0;
    const clamped = Math.min(Math.max(p, 0), 100);
    // p*total is an exact integer for integral p, so the ceil is not fooled by float error.
    const target = Math.max(1, Math.ceil((clamped * this.totalCount) / 100));
    let seen = 0;
    for (const s of this.slots) {
      seen += s.count;
      if (seen >= target) {
        return clamped === 0 ? this.layout.valueFromIndex(s.index) : this.layout.highestEquivalentOfIndex(s.index);
      }
    }
    return this.max;
  }

  get min(): number {
    const first = this.slots[0];
    return first ? this.layout.valueFromIndex(first.index) : 0;
  }

  get max(): number {
    const last = this.slots[this.slots.length - 1];
    return last ? this.layout.highestEquivalentOfIndex(last.index) : 0;
  }

  /** Mean using each slot's median-equivalent value, like HdrHistogram's mean(). */
  get mean(): number {
    if (this.totalCount === 0) return 0;
    let sum = 0;
    for (const s of this.slots) {
      const lo = this.layout.valueFromIndex(s.index);
      const hi = this.layout.highestEquivalentOfIndex(s.index);
      sum += (lo + Math.floor((hi - lo + 1) / 2)) * s.count;
    }
    return sum / this.totalCount;
  }

  /** Non-empty slots as value ranges, for drawing distributions. */
  buckets(): Array<{ low: number; high: number; count: number }> {
    return this.slots.map((s) => ({
      low: this.layout.valueFromIndex(s.index),
      high: this.layout.highestEquivalentOfIndex(s.index),
      count: s.count,
    }));
  }
}

function readVarint(buf: Uint8Array, pos: number): { value: number; next: number } {
  // LEB128-64b9B: 8 bytes of 7 bits, then a 9th byte carrying a full 8 bits.
  let value = 0n;
  let shift = 0n;
  for (let i = 0; i < 9; i++) {
    if (pos + i >= buf.length) throw new HistogramDecodeError(`truncated varint at payload byte ${pos}`);
    const b = buf[pos + i]!;
    if (i === 8) {
      value |= BigInt(b) << shift;
      return { value: zigZag(value), next: pos + 9 };
    }
    value |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return { value: zigZag(value), next: pos + i + 1 };
    shift += 7n;
  }
  throw new HistogramDecodeError('unreachable varint state');
}

function zigZag(v: bigint): number {
  const n = (v >> 1n) ^ -(v & 1n);
  return Number(BigInt.asIntN(64, n));
}

export function decodeHdrHistogram(bytes: Uint8Array): HdrHistogram {
  if (bytes.length < 8) throw new HistogramDecodeError(`histogram too short (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const cookie = view.getUint32(0);
  if (cookie === V2_COMPRESSED_COOKIE) {
    const len = view.getUint32(4);
    if (8 + len > bytes.length) throw new HistogramDecodeError('truncated compressed histogram');
    return decodeHdrHistogram(inflateSync(bytes.subarray(8, 8 + len)));
  }
  if (cookie !== V2_COOKIE) {
    throw new HistogramDecodeError(`not an HdrHistogram V2 blob (cookie 0x${cookie.toString(16)})`);
  }
  if (bytes.length < HEADER_BYTES) throw new HistogramDecodeError(`truncated histogram header (${bytes.length} bytes)`);
  const header: HdrHeader = {
    cookie,
    payloadLength: view.getUint32(4),
    normalizingIndexOffset: view.getInt32(8),
    significantFigures: view.getUint32(12),
    lowest: Number(view.getBigUint64(16)),
    highest: Number(view.getBigUint64(24)),
    integerToDoubleRatio: view.getFloat64(32),
  };
  if (HEADER_BYTES + header.payloadLength > bytes.length) {
    throw new HistogramDecodeError(
      `histogram payload truncated: header says ${header.payloadLength} bytes, ${bytes.length - HEADER_BYTES} present`,
    );
  }
  const layout = new HdrLayout(header.lowest, header.highest, header.significantFigures);
  const payload = bytes.subarray(HEADER_BYTES, HEADER_BYTES + header.payloadLength);
  const slots: Array<{ index: number; count: number }> = [];
  let index = 0;
  let pos = 0;
  while (pos < payload.length) {
    const { value, next } = readVarint(payload, pos);
    pos = next;
    if (value < 0) {
      index += -value;
    } else {
      if (index >= layout.countsLength) {
        throw new HistogramDecodeError(`count for slot ${index} beyond histogram length ${layout.countsLength}`);
      }
      if (value > 0) slots.push({ index, count: value });
      index++;
    }
  }
  return new HdrHistogram(header, layout, slots);
}

/** What hovers and lenses show for a duration histogram; all values in ns. */
export interface HistogramSummary {
  count: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  /** Largest observed value: highest_outlier when polls exceeded the clamp, else the raw max. */
  max: number;
  mean: number;
  /** Samples above `clampMax`; they are recorded in the raw data as `clampMax`. */
  highOutliers: number;
  highestOutlier?: number;
  clampMax?: number;
}

export function summarizeHistogram(h: HdrHistogram, extra?: Pick<WireDurationHistogram, 'maxValue' | 'highOutliers' | 'highestOutlier'>): HistogramSummary {
  const summary: HistogramSummary = {
    count: h.totalCount,
    min: h.min,
    p50: h.valueAtPercentile(50),
    p90: h.valueAtPercentile(90),
    p99: h.valueAtPercentile(99),
    max: h.max,
    mean: h.mean,
    highOutliers: extra?.highOutliers ?? 0,
  };
  if (extra?.maxValue !== undefined) summary.clampMax = extra.maxValue;
  if (extra?.highestOutlier !== undefined) {
    summary.highestOutlier = extra.highestOutlier;
    summary.max = Math.max(summary.max, extra.highestOutlier);
  }
  return summary;
}

export function summarizeDurationHistogram(w: WireDurationHistogram): HistogramSummary {
  return summarizeHistogram(decodeHdrHistogram(w.raw), w);
}

// ---------------------------------------------------------------- encoding

function writeVarint(out: number[], n: number): void {
  let v = BigInt.asUintN(64, (BigInt(n) << 1n) ^ (BigInt(n) >> 63n));
  for (let i = 0; i < 8; i++) {
    if (v < 0x80n) {
      out.push(Number(v));
      return;
    }
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v & 0xffn));
}

/**
 * Builds an uncompressed V2 blob from recorded values (value → count), the
 * way the Rust serializer does: zero runs longer than one slot become one
 * negative count, and the payload stops at the highest non-zero slot.
 */
export function encodeHdrHistogramV2(
  values: Iterable<readonly [number, number]>,
  opts: { lowest?: number; highest?: number; significantFigures?: number } = {},
): Uint8Array {
  const layout = new HdrLayout(opts.lowest ?? 1, opts.highest ?? 60_000_000_000, opts.significantFigures ?? 2);
  const counts = new Map<number, number>();
  let last = -1;
  for (const [value, count] of values) {
    const idx = layout.indexForValue(value);
    if (idx >= layout.countsLength) throw new Error(`value ${value} exceeds highest trackable ${layout.highest}`);
    counts.set(idx, (counts.get(idx) ?? 0) + count);
    if (count > 0) last = Math.max(last, idx);
  }
  const payload: number[] = [];
  let i = 0;
  while (i <= last) {
    const c = counts.get(i) ?? 0;
    i++;
    if (c === 0) {
      let zeros = 1;
      while (i <= last && (counts.get(i) ?? 0) === 0) {
        zeros++;
        i++;
      }
      writeVarint(payload, zeros > 1 ? -zeros : 0);
    } else {
      writeVarint(payload, c);
    }
  }
  const out = new Uint8Array(HEADER_BYTES + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, V2_COOKIE);
  view.setUint32(4, payload.length);
  view.setInt32(8, 0);
  view.setUint32(12, layout.significantFigures);
  view.setBigUint64(16, BigInt(layout.lowest));
  view.setBigUint64(24, BigInt(layout.highest));
  view.setFloat64(32, 1);
  out.set(payload, HEADER_BYTES);
  return out;
}
