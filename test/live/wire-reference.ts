/**
 * The wire decoder as it was before the direct conversion: protobufjs `toObject`
 * followed by a loosely typed walk. Kept only as the reference the fast decoder
 * in server/live/wire.ts is compared against, frame by frame, on the captures.
 */
import protobuf from 'protobufjs';
import {
  schema,
  WireDecodeError,
  type SpanId,
  type WireAsyncOp,
  type WireAsyncOpStats,
  type WireAttribute,
  type WireDurationHistogram,
  type WireField,
  type WireLocation,
  type WireMetadata,
  type WirePollOp,
  type WirePollStats,
  type WireResource,
  type WireResourceStats,
  type WireTask,
  type WireTaskDetails,
  type WireTaskStats,
  type WireUpdate,
} from '../../server/live/wire.js';

const TO_OBJECT: protobuf.IConversionOptions = { longs: String, enums: String, defaults: false, oneofs: false };

// ---------------------------------------------------------------- decoding

/** Shape of protobufjs `toObject` output; only read through the helpers below. */
type Raw = { readonly [key: string]: unknown };

function obj(v: unknown): Raw | undefined {
  return typeof v === 'object' && v !== null ? (v as Raw) : undefined;
}
function arr(v: unknown): Raw[] {
  return Array.isArray(v) ? v.filter((x): x is Raw => typeof x === 'object' && x !== null) : [];
}
function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
function num(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return Number(v);
  return 0;
}
function optNum(v: unknown): number | undefined {
  return v === undefined || v === null ? undefined : num(v);
}
function u64(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  return undefined;
}
function id(v: unknown): SpanId | undefined {
  return u64(obj(v)?.['id']) ?? (obj(v) ? '0' : undefined);
}

/** google.protobuf.Timestamp → ns since epoch (bigint: ns since 1970 exceed 2^53). */
function timestampNs(v: unknown): bigint | undefined {
  const t = obj(v);
  if (!t) return undefined;
  return BigInt(u64(t['seconds']) ?? '0') * 1_000_000_000n + BigInt(num(t['nanos']));
}

/** google.protobuf.Duration → ns as a number (durations stay far below 2^53 ns ≈ 104 days). */
function durationNs(v: unknown): number | undefined {
  const d = obj(v);
  if (!d) return undefined;
  return num(d['seconds']) * 1e9 + num(d['nanos']);
}

function mapKey(key: string): SpanId {
  // protobufjs keys 64-bit maps by an 8-byte binary "hash" string.
  if (key.length === 8 && !/^\d+$/.test(key)) {
    return protobuf.util.LongBits.fromHash(key).toLong(true).toString();
  }
  return key;
}

function statsMap<T>(v: unknown, conv: (r: Raw) => T): Map<SpanId, T> {
  const out = new Map<SpanId, T>();
  const m = obj(v);
  if (!m) return out;
  for (const [k, val] of Object.entries(m)) {
    const r = obj(val);
    if (r) out.set(mapKey(k), conv(r));
  }
  return out;
}

function location(v: unknown): WireLocation | undefined {
  const l = obj(v);
  if (!l) return undefined;
  const out: WireLocation = {};
  const file = str(l['file']);
  if (file !== undefined) out.file = file;
  const mod = str(l['module_path']);
  if (mod !== undefined) out.modulePath = mod;
  if (l['line'] !== undefined) out.line = num(l['line']);
  if (l['column'] !== undefined) out.column = num(l['column']);
  return out;
}

function field(f: Raw): WireField {
  const out: WireField = {};
  const name = str(f['str_name']);
  if (name !== undefined) out.strName = name;
  if (f['name_idx'] !== undefined) out.nameIdx = num(f['name_idx']);
  const meta = id(f['metadata_id']);
  if (meta !== undefined) out.metadataId = meta;
  if (f['debug_val'] !== undefined) out.value = { kind: 'debug', value: str(f['debug_val']) ?? '' };
  else if (f['str_val'] !== undefined) out.value = { kind: 'str', value: str(f['str_val']) ?? '' };
  else if (f['u64_val'] !== undefined) out.value = { kind: 'u64', value: BigInt(u64(f['u64_val']) ?? '0') };
  else if (f['i64_val'] !== undefined) out.value = { kind: 'i64', value: BigInt(u64(f['i64_val']) ?? '0') };
  else if (f['bool_val'] !== undefined) out.value = { kind: 'bool', value: f['bool_val'] === true };
  return out;
}

function attributes(v: unknown): WireAttribute[] {
  return arr(v).map((a) => {
    const out: WireAttribute = { field: field(obj(a['field']) ?? {}) };
    const unit = str(a['unit']);
    if (unit !== undefined) out.unit = unit;
    return out;
  });
}

function pollStats(v: unknown): WirePollStats | undefined {
  const p = obj(v);
  if (!p) return undefined;
  const out: WirePollStats = { polls: num(p['polls']), busyNs: durationNs(p['busy_time']) ?? 0 };
  const first = timestampNs(p['first_poll']);
  if (first !== undefined) out.firstPoll = first;
  const started = timestampNs(p['last_poll_started']);
  if (started !== undefined) out.lastPollStarted = started;
  const ended = timestampNs(p['last_poll_ended']);
  if (ended !== undefined) out.lastPollEnded = ended;
  return out;
}

function setOpt<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) target[key] = value;
}

function task(t: Raw): WireTask {
  const out: WireTask = {
    id: id(t['id']) ?? '0',
    kind: str(t['kind']) ?? String(t['kind'] ?? 'SPAWN'),
    fields: arr(t['fields']).map(field),
    parents: arr(t['parents']).map((p) => u64(p['id']) ?? '0'),
  };
  setOpt(out, 'metadataId', id(t['metadata']));
  setOpt(out, 'location', location(t['location']));
  return out;
}

function taskStats(s: Raw): WireTaskStats {
  const out: WireTaskStats = {
    wakes: num(s['wakes']),
    wakerClones: num(s['waker_clones']),
    wakerDrops: num(s['waker_drops']),
    selfWakes: num(s['self_wakes']),
  };
  setOpt(out, 'createdAt', timestampNs(s['created_at']));
  setOpt(out, 'droppedAt', timestampNs(s['dropped_at']));
  setOpt(out, 'lastWake', timestampNs(s['last_wake']));
  setOpt(out, 'pollStats', pollStats(s['poll_stats']));
  setOpt(out, 'scheduledNs', durationNs(s['scheduled_time']));
  return out;
}

function resource(r: Raw): WireResource {
  const out: WireResource = {
    id: id(r['id']) ?? '0',
    concreteType: str(r['concrete_type']) ?? '',
    isInternal: r['is_internal'] === true,
  };
  setOpt(out, 'metadataId', id(r['metadata']));
  const kind = obj(r['kind']);
  if (kind) {
    if (kind['known'] !== undefined) out.kind = { known: String(kind['known']) };
    else if (kind['other'] !== undefined) out.kind = { other: str(kind['other']) ?? '' };
  }
  setOpt(out, 'location', location(r['location']));
  setOpt(out, 'parentResourceId', id(r['parent_resource_id']));
  return out;
}

function resourceStats(s: Raw): WireResourceStats {
  const out: WireResourceStats = { attributes: attributes(s['attributes']) };
  setOpt(out, 'createdAt', timestampNs(s['created_at']));
  setOpt(out, 'droppedAt', timestampNs(s['dropped_at']));
  return out;
}

function pollOp(p: Raw): WirePollOp {
  const out: WirePollOp = { name: str(p['name']) ?? '', isReady: p['is_ready'] === true };
  setOpt(out, 'metadataId', id(p['metadata']));
  setOpt(out, 'resourceId', id(p['resource_id']));
  setOpt(out, 'taskId', id(p['task_id']));
  setOpt(out, 'asyncOpId', id(p['async_op_id']));
  return out;
}

function asyncOp(a: Raw): WireAsyncOp {
  const out: WireAsyncOp = { id: id(a['id']) ?? '0', source: str(a['source']) ?? '' };
  setOpt(out, 'metadataId', id(a['metadata']));
  setOpt(out, 'parentAsyncOpId', id(a['parent_async_op_id']));
  setOpt(out, 'resourceId', id(a['resource_id']));
  return out;
}

function asyncOpStats(s: Raw): WireAsyncOpStats {
  const out: WireAsyncOpStats = { attributes: attributes(s['attributes']) };
  setOpt(out, 'createdAt', timestampNs(s['created_at']));
  setOpt(out, 'droppedAt', timestampNs(s['dropped_at']));
  setOpt(out, 'taskId', id(s['task_id']));
  setOpt(out, 'pollStats', pollStats(s['poll_stats']));
  return out;
}

function metadata(m: Raw): WireMetadata | undefined {
  const meta = obj(m['metadata']);
  const mid = id(m['id']);
  if (!meta || mid === undefined) return undefined;
  const out: WireMetadata = {
    id: mid,
    name: str(meta['name']) ?? '',
    target: str(meta['target']) ?? '',
    modulePath: str(meta['module_path']) ?? '',
    kind: str(meta['kind']) ?? 'SPAN',
    level: str(meta['level']) ?? 'ERROR',
    fieldNames: Array.isArray(meta['field_names']) ? meta['field_names'].map(String) : [],
  };
  setOpt(out, 'location', location(meta['location']));
  return out;
}

function toBytes(v: unknown): Uint8Array {
  return v instanceof Uint8Array ? v : new Uint8Array(0);
}

function durationHistogram(v: unknown): WireDurationHistogram | undefined {
  const h = obj(v);
  if (!h) return undefined;
  const out: WireDurationHistogram = {
    raw: toBytes(h['raw_histogram']),
    highOutliers: num(h['high_outliers']),
    legacy: false,
  };
  setOpt(out, 'maxValue', optNum(h['max_value']));
  setOpt(out, 'highestOutlier', optNum(h['highest_outlier']));
  return out;
}

function decodeRaw(type: protobuf.Type, bytes: Uint8Array): Raw {
  let message: protobuf.Message;
  try {
    message = type.decode(bytes);
  } catch (e) {
    throw new WireDecodeError(type.fullName.replace(/^\./, ''), bytes.length, e);
  }
  return type.toObject(message, TO_OBJECT) as Raw;
}

export function decodeUpdateReference(bytes: Uint8Array): WireUpdate {
  const u = decodeRaw(schema().update, bytes);
  const out: WireUpdate = {
    newMetadata: arr(obj(u['new_metadata'])?.['metadata']).flatMap((m) => metadata(m) ?? []),
  };
  setOpt(out, 'now', timestampNs(u['now']));
  const tu = obj(u['task_update']);
  if (tu) {
    out.taskUpdate = {
      newTasks: arr(tu['new_tasks']).map(task),
      statsUpdate: statsMap(tu['stats_update'], taskStats),
      droppedEvents: num(tu['dropped_events']),
    };
  }
  const ru = obj(u['resource_update']);
  if (ru) {
    out.resourceUpdate = {
      newResources: arr(ru['new_resources']).map(resource),
      statsUpdate: statsMap(ru['stats_update'], resourceStats),
      newPollOps: arr(ru['new_poll_ops']).map(pollOp),
      droppedEvents: num(ru['dropped_events']),
    };
  }
  const au = obj(u['async_op_update']);
  if (au) {
    out.asyncOpUpdate = {
      newAsyncOps: arr(au['new_async_ops']).map(asyncOp),
      statsUpdate: statsMap(au['stats_update'], asyncOpStats),
      droppedEvents: num(au['dropped_events']),
    };
  }
  return out;
}

export function decodeTaskDetailsReference(bytes: Uint8Array): WireTaskDetails {
  const d = decodeRaw(schema().taskDetails, bytes);
  const out: WireTaskDetails = {};
  setOpt(out, 'taskId', id(d['task_id']));
  setOpt(out, 'now', timestampNs(d['now']));
  if (d['legacy_histogram'] !== undefined) {
    out.pollTimes = { raw: toBytes(d['legacy_histogram']), highOutliers: 0, legacy: true };
  } else {
    setOpt(out, 'pollTimes', durationHistogram(d['histogram']));
  }
  setOpt(out, 'scheduledTimes', durationHistogram(d['scheduled_times_histogram']));
  return out;
}
