/**
 * Schema loading and typed decoding of the tokio-console wire protocol.
 *
 * protobufjs' `toObject` output is loosely typed and keys 64-bit map entries
 * by an 8-char "long hash", so everything is normalised here into the
 * `Wire*` shapes below: ids are decimal strings, timestamps are bigint ns
 * since the epoch, durations and counters are plain numbers.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

// ---------------------------------------------------------------- public types

/** Decimal string of a u64 span / metadata id; never a JS number (ids exceed 2^53). */
export type SpanId = string;

export type FieldValue =
  | { kind: 'debug'; value: string }
  | { kind: 'str'; value: string }
  | { kind: 'u64'; value: bigint }
  | { kind: 'i64'; value: bigint }
  | { kind: 'bool'; value: boolean };

export interface WireField {
  strName?: string;
  nameIdx?: number;
  metadataId?: SpanId;
  value?: FieldValue;
}

export interface WireLocation {
  file?: string;
  modulePath?: string;
  line?: number;
  column?: number;
}

export interface WirePollStats {
  polls: number;
  firstPoll?: bigint;
  lastPollStarted?: bigint;
  lastPollEnded?: bigint;
  /** Completed polls only, in ns. */
  busyNs: number;
}

export interface WireTask {
  id: SpanId;
  metadataId?: SpanId;
  kind: 'SPAWN' | 'BLOCKING' | string;
  fields: WireField[];
  parents: SpanId[];
  location?: WireLocation;
}

export interface WireTaskStats {
  createdAt?: bigint;
  droppedAt?: bigint;
  wakes: number;
  wakerClones: number;
  wakerDrops: number;
  lastWake?: bigint;
  pollStats?: WirePollStats;
  selfWakes: number;
  /** Only sent by console-subscriber >= 0.2. */
  scheduledNs?: number;
}

export interface WireTaskUpdate {
  newTasks: WireTask[];
  statsUpdate: Map<SpanId, WireTaskStats>;
  droppedEvents: number;
}

export type WireResourceKind = { known: string } | { other: string };

export interface WireResource {
  id: SpanId;
  metadataId?: SpanId;
  concreteType: string;
  kind?: WireResourceKind;
  location?: WireLocation;
  parentResourceId?: SpanId;
  isInternal: boolean;
}

export interface WireAttribute {
  field: WireField;
  unit?: string;
}

export interface WireResourceStats {
  createdAt?: bigint;
  droppedAt?: bigint;
  attributes: WireAttribute[];
}

export interface WirePollOp {
  metadataId?: SpanId;
  resourceId?: SpanId;
  name: string;
  taskId?: SpanId;
  asyncOpId?: SpanId;
  isReady: boolean;
}

export interface WireResourceUpdate {
  newResources: WireResource[];
  statsUpdate: Map<SpanId, WireResourceStats>;
  newPollOps: WirePollOp[];
  droppedEvents: number;
}

export interface WireAsyncOp {
  id: SpanId;
  metadataId?: SpanId;
  source: string;
  parentAsyncOpId?: SpanId;
  resourceId?: SpanId;
}

export interface WireAsyncOpStats {
  createdAt?: bigint;
  droppedAt?: bigint;
  taskId?: SpanId;
  pollStats?: WirePollStats;
  attributes: WireAttribute[];
}

export interface WireAsyncOpUpdate {
  newAsyncOps: WireAsyncOp[];
  statsUpdate: Map<SpanId, WireAsyncOpStats>;
  droppedEvents: number;
}

export interface WireMetadata {
  id: SpanId;
  name: string;
  target: string;
  modulePath: string;
  location?: WireLocation;
  kind: string;
  level: string;
  fieldNames: string[];
}

export interface WireUpdate {
  /** App wall clock, ns since epoch. */
  now?: bigint;
  taskUpdate?: WireTaskUpdate;
  resourceUpdate?: WireResourceUpdate;
  asyncOpUpdate?: WireAsyncOpUpdate;
  newMetadata: WireMetadata[];
}

export interface WireDurationHistogram {
  raw: Uint8Array;
  /** Clamp limit in ns; undefined for legacy (bare) histograms. */
  maxValue?: number;
  highOutliers: number;
  highestOutlier?: number;
  /** True when this came from the pre-0.1.9 `legacy_histogram` bytes field. */
  legacy: boolean;
}

export interface WireTaskDetails {
  taskId?: SpanId;
  now?: bigint;
  pollTimes?: WireDurationHistogram;
  scheduledTimes?: WireDurationHistogram;
}

export type Temporality = 'LIVE' | 'PAUSED' | string;

export interface WireState {
  temporality: Temporality;
}

// ---------------------------------------------------------------- schema

export const SERVICE_NAME = 'rs.tokio.console.instrument.Instrument';

export const METHOD_PATHS = {
  watchUpdates: `/${SERVICE_NAME}/WatchUpdates`,
  watchTaskDetails: `/${SERVICE_NAME}/WatchTaskDetails`,
  watchState: `/${SERVICE_NAME}/WatchState`,
  pause: `/${SERVICE_NAME}/Pause`,
  resume: `/${SERVICE_NAME}/Resume`,
} as const;

/** Finds the repo's `proto/` folder both from sources (server/live) and from dist/server/live. */
export function protoDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'proto');
    if (existsSync(join(candidate, 'instrument.proto'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error('awaitlens: cannot find the proto/ directory with instrument.proto');
}

export interface Schema {
  root: protobuf.Root;
  update: protobuf.Type;
  taskDetails: protobuf.Type;
  taskDetailsRequest: protobuf.Type;
  instrumentRequest: protobuf.Type;
  state: protobuf.Type;
}

let cached: Schema | undefined;

export function schema(): Schema {
  if (cached) return cached;
  const dir = protoDir();
  const root = new protobuf.Root();
  // google/protobuf/* are bundled with protobufjs; resolve ours from proto/.
  root.resolvePath = (_origin, target) => (target.startsWith('google/protobuf/') ? target : join(dir, target));
  root.loadSync(['instrument.proto', 'trace.proto'], { keepCase: true });
  root.resolveAll();
  cached = {
    root,
    update: root.lookupType('rs.tokio.console.instrument.Update'),
    taskDetails: root.lookupType('rs.tokio.console.tasks.TaskDetails'),
    taskDetailsRequest: root.lookupType('rs.tokio.console.instrument.TaskDetailsRequest'),
    instrumentRequest: root.lookupType('rs.tokio.console.instrument.InstrumentRequest'),
    state: root.lookupType('rs.tokio.console.instrument.State'),
  };
  return cached;
}

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
export function timestampNs(v: unknown): bigint | undefined {
  const t = obj(v);
  if (!t) return undefined;
  return BigInt(u64(t['seconds']) ?? '0') * 1_000_000_000n + BigInt(num(t['nanos']));
}

/** google.protobuf.Duration → ns as a number (durations stay far below 2^53 ns ≈ 104 days). */
export function durationNs(v: unknown): number | undefined {
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

/** Thrown for bytes that are not a valid message of the expected type. */
export class WireDecodeError extends Error {
  constructor(
    readonly messageType: string,
    readonly byteLength: number,
    cause: unknown,
  ) {
    super(`cannot decode ${messageType} (${byteLength} bytes): ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'WireDecodeError';
  }
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

export function decodeUpdate(bytes: Uint8Array): WireUpdate {
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

export function decodeTaskDetails(bytes: Uint8Array): WireTaskDetails {
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

export function decodeState(bytes: Uint8Array): WireState {
  const s = decodeRaw(schema().state, bytes);
  return { temporality: str(s['temporality']) ?? String(s['temporality'] ?? 'LIVE') };
}

export function encodeTaskDetailsRequest(taskId: SpanId): Uint8Array {
  const t = schema().taskDetailsRequest;
  return t.encode(t.fromObject({ id: { id: taskId } })).finish();
}

/**
 * Encodes a plain protobufjs-style (snake_case) object. Used to synthesise
 * streams in tests and tools; u64 values may be given as decimal strings.
 */
export function encodeMessage(type: protobuf.Type, value: { [key: string]: unknown }): Uint8Array {
  return type.encode(type.fromObject(value)).finish();
}

export function encodeUpdate(value: { [key: string]: unknown }): Uint8Array {
  return encodeMessage(schema().update, value);
}

export function encodeTaskDetails(value: { [key: string]: unknown }): Uint8Array {
  return encodeMessage(schema().taskDetails, value);
}

/** Inverse of timestampNs, for synthesising messages. */
export function nsToTimestamp(ns: bigint): { seconds: string; nanos: number } {
  return { seconds: (ns / 1_000_000_000n).toString(), nanos: Number(ns % 1_000_000_000n) };
}
