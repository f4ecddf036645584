/**
 * Schema loading and typed decoding of the tokio-console wire protocol.
 *
 * protobufjs' decoded messages carry 64-bit values as `Long`s and key 64-bit
 * map entries by an 8-char "long hash", so everything is normalised here into
 * the `Wire*` shapes below: ids are decimal strings, timestamps are bigint ns
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

// ---------------------------------------------------------------- decoding

/*
 * Conversion reads protobufjs' decoded message objects directly instead of
 * going through `toObject`: that pass alone cost more than the decode itself
 * (every u64 became a decimal string via a generic Long division, then was
 * parsed back). The rules that keep the output identical to the `toObject`
 * path (see test/live/wire-reference.ts):
 *
 * - A field was on the wire iff it is an own property of the message; unset
 *   fields read through to prototype defaults (`null` for messages, zero
 *   Longs, '', an empty Uint8Array). Where presence changes the output
 *   (optional scalars, oneof members, `max_value`) it is tested with `has`.
 *   Counters read the prototype zero when unset, which gives the same 0.
 * - u64/i64 fields are protobufjs `Long`s (or plain numbers when the `long`
 *   package is absent); `longNum`/`longDec` read their two 32-bit words.
 * - Enums become their name, or the number as a string when unknown.
 */

/** A protobufjs 64-bit value: a `Long` (low/high words) or a number without the `long` package. */
type LongLike = number | { readonly low: number; readonly high: number; readonly unsigned: boolean };

/** Decoded message objects are read only through the typed views below. */
interface IdMsg { readonly id: LongLike }
interface TimestampMsg { readonly seconds: LongLike; readonly nanos: number }
type DurationMsg = TimestampMsg;
interface LocationMsg { readonly file: string; readonly module_path: string; readonly line: number; readonly column: number }
interface FieldMsg {
  readonly str_name: string;
  readonly name_idx: LongLike;
  readonly debug_val: string;
  readonly str_val: string;
  readonly u64_val: LongLike;
  readonly i64_val: LongLike;
  readonly bool_val: boolean;
  readonly metadata_id: IdMsg | null;
}
interface AttributeMsg { readonly field: FieldMsg | null; readonly unit: string }
interface PollStatsMsg {
  readonly polls: LongLike;
  readonly first_poll: TimestampMsg | null;
  readonly last_poll_started: TimestampMsg | null;
  readonly last_poll_ended: TimestampMsg | null;
  readonly busy_time: DurationMsg | null;
}
interface TaskMsg {
  readonly id: IdMsg | null;
  readonly metadata: IdMsg | null;
  readonly kind: number;
  readonly fields: readonly FieldMsg[];
  readonly parents: readonly IdMsg[];
  readonly location: LocationMsg | null;
}
interface TaskStatsMsg {
  readonly created_at: TimestampMsg | null;
  readonly dropped_at: TimestampMsg | null;
  readonly wakes: LongLike;
  readonly waker_clones: LongLike;
  readonly waker_drops: LongLike;
  readonly last_wake: TimestampMsg | null;
  readonly poll_stats: PollStatsMsg | null;
  readonly self_wakes: LongLike;
  readonly scheduled_time: DurationMsg | null;
}
interface TaskUpdateMsg {
  readonly new_tasks: readonly TaskMsg[];
  readonly stats_update: { readonly [key: string]: TaskStatsMsg };
  readonly dropped_events: LongLike;
}
interface ResourceKindMsg { readonly known: number; readonly other: string }
interface ResourceMsg {
  readonly id: IdMsg | null;
  readonly metadata: IdMsg | null;
  readonly concrete_type: string;
  readonly kind: ResourceKindMsg | null;
  readonly location: LocationMsg | null;
  readonly parent_resource_id: IdMsg | null;
  readonly is_internal: boolean;
}
interface ResourceStatsMsg {
  readonly created_at: TimestampMsg | null;
  readonly dropped_at: TimestampMsg | null;
  readonly attributes: readonly AttributeMsg[];
}
interface PollOpMsg {
  readonly metadata: IdMsg | null;
  readonly resource_id: IdMsg | null;
  readonly name: string;
  readonly task_id: IdMsg | null;
  readonly async_op_id: IdMsg | null;
  readonly is_ready: boolean;
}
interface ResourceUpdateMsg {
  readonly new_resources: readonly ResourceMsg[];
  readonly stats_update: { readonly [key: string]: ResourceStatsMsg };
  readonly new_poll_ops: readonly PollOpMsg[];
  readonly dropped_events: LongLike;
}
interface AsyncOpMsg {
  readonly id: IdMsg | null;
  readonly metadata: IdMsg | null;
  readonly source: string;
  readonly parent_async_op_id: IdMsg | null;
  readonly resource_id: IdMsg | null;
}
interface AsyncOpStatsMsg {
  readonly created_at: TimestampMsg | null;
  readonly dropped_at: TimestampMsg | null;
  readonly task_id: IdMsg | null;
  readonly poll_stats: PollStatsMsg | null;
  readonly attributes: readonly AttributeMsg[];
}
interface AsyncOpUpdateMsg {
  readonly new_async_ops: readonly AsyncOpMsg[];
  readonly stats_update: { readonly [key: string]: AsyncOpStatsMsg };
  readonly dropped_events: LongLike;
}
interface MetadataMsg {
  readonly name: string;
  readonly target: string;
  readonly module_path: string;
  readonly location: LocationMsg | null;
  readonly kind: number;
  readonly level: number;
  readonly field_names: readonly string[];
}
interface NewMetadataMsg { readonly id: IdMsg | null; readonly metadata: MetadataMsg | null }
interface UpdateMsg {
  readonly now: TimestampMsg | null;
  readonly task_update: TaskUpdateMsg | null;
  readonly resource_update: ResourceUpdateMsg | null;
  readonly async_op_update: AsyncOpUpdateMsg | null;
  readonly new_metadata: { readonly metadata: readonly NewMetadataMsg[] } | null;
}
interface DurationHistogramMsg {
  readonly raw_histogram: Uint8Array;
  readonly max_value: LongLike;
  readonly high_outliers: LongLike;
  readonly highest_outlier: LongLike;
}
interface TaskDetailsMsg {
  readonly task_id: IdMsg | null;
  readonly now: TimestampMsg | null;
  readonly legacy_histogram: Uint8Array;
  readonly histogram: DurationHistogramMsg | null;
  readonly scheduled_times_histogram: DurationHistogramMsg | null;
}

const hasOwn = Object.prototype.hasOwnProperty;
function has(m: object, key: string): boolean {
  return hasOwn.call(m, key);
}

const TWO_32 = 4294967296;

/** The value as a number, rounded once like `Number(decimal)` when beyond 2^53. */
function longNum(v: LongLike): number {
  if (typeof v === 'number') return v;
  return (v.unsigned ? v.high >>> 0 : v.high | 0) * TWO_32 + (v.low >>> 0);
}

/** Decimal string, as `Long#toString` gives it (signedness from the Long). */
function longDec(v: LongLike): string {
  if (typeof v === 'number') return String(v);
  const hi = v.unsigned ? v.high >>> 0 : v.high | 0;
  const n = hi * TWO_32 + (v.low >>> 0);
  if (Number.isSafeInteger(n)) return String(n);
  return ((BigInt(hi) << 32n) + BigInt(v.low >>> 0)).toString();
}

function longBig(v: LongLike): bigint {
  if (typeof v === 'number') return BigInt(v);
  const n = longNum(v);
  if (Number.isSafeInteger(n)) return BigInt(n);
  return (BigInt(v.unsigned ? v.high >>> 0 : v.high | 0) << 32n) + BigInt(v.low >>> 0);
}

function idOf(m: IdMsg | null): SpanId | undefined {
  return m === null ? undefined : longDec(m.id);
}

// Timestamps of one Update cluster within a few seconds; reusing the scaled
// seconds saves a BigInt multiply per timestamp.
let lastSeconds = 0;
let lastSecondsNs = 0n;

function tsNs(t: TimestampMsg): bigint {
  const s = longNum(t.seconds);
  const nanos = t.nanos;
  if (Number.isSafeInteger(s)) {
    if (s !== lastSeconds) {
      lastSeconds = s;
      lastSecondsNs = BigInt(s) * 1_000_000_000n;
    }
    return nanos === 0 ? lastSecondsNs : lastSecondsNs + BigInt(nanos);
  }
  return longBig(t.seconds) * 1_000_000_000n + BigInt(nanos);
}

function durNs(d: DurationMsg): number {
  return longNum(d.seconds) * 1e9 + d.nanos;
}

/** Wire value → number, for the loose `{seconds, nanos}` helpers below. */
function looseNum(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return Number(v);
  if (typeof v === 'object' && v !== null && 'low' in v && 'high' in v) return longNum(v as LongLike);
  return 0;
}

/** google.protobuf.Timestamp (seconds as number, decimal string or Long) → ns since epoch. */
export function timestampNs(v: unknown): bigint | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const { seconds, nanos } = v as { seconds?: unknown; nanos?: unknown };
  const s = typeof seconds === 'string' ? BigInt(seconds) : typeof seconds === 'object' && seconds !== null ? longBig(seconds as LongLike) : BigInt(looseNum(seconds));
  return s * 1_000_000_000n + BigInt(looseNum(nanos));
}

/** google.protobuf.Duration → ns as a number (durations stay far below 2^53 ns ≈ 104 days). */
export function durationNs(v: unknown): number | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const { seconds, nanos } = v as { seconds?: unknown; nanos?: unknown };
  return looseNum(seconds) * 1e9 + looseNum(nanos);
}

/**
 * protobufjs keys `map<uint64, …>` by `longToHash`: 8 chars holding the low
 * then high word, little-endian. Without the `long` package keys are numbers,
 * stringified in decimal.
 */
function hashKeyDec(key: string): SpanId {
  const lo = (key.charCodeAt(0) | (key.charCodeAt(1) << 8) | (key.charCodeAt(2) << 16) | (key.charCodeAt(3) << 24)) >>> 0;
  const hi = (key.charCodeAt(4) | (key.charCodeAt(5) << 8) | (key.charCodeAt(6) << 16) | (key.charCodeAt(7) << 24)) >>> 0;
  if (hi < 0x200000) return String(hi * TWO_32 + lo);
  return ((BigInt(hi) << 32n) + BigInt(lo)).toString();
}

function statsMap<M, T>(m: { readonly [key: string]: M }, conv: (s: M) => T): Map<SpanId, T> {
  const out = new Map<SpanId, T>();
  const keys = Object.keys(m);
  const hashed = protobuf.util.Long !== undefined && protobuf.util.Long !== null;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const v = m[k];
    // A map entry without a value decodes to null; the toObject path dropped those too.
    if (v === null || v === undefined) continue;
    out.set(hashed && k.length === 8 ? hashKeyDec(k) : k, conv(v));
  }
  return out;
}

function location(l: LocationMsg | null): WireLocation | undefined {
  if (l === null) return undefined;
  const out: WireLocation = {};
  if (has(l, 'file')) out.file = l.file;
  if (has(l, 'module_path')) out.modulePath = l.module_path;
  if (has(l, 'line')) out.line = l.line;
  if (has(l, 'column')) out.column = l.column;
  return out;
}

function field(f: FieldMsg): WireField {
  const out: WireField = {};
  if (has(f, 'str_name')) out.strName = f.str_name;
  if (has(f, 'name_idx')) out.nameIdx = longNum(f.name_idx);
  if (f.metadata_id !== null) out.metadataId = longDec(f.metadata_id.id);
  if (has(f, 'debug_val')) out.value = { kind: 'debug', value: f.debug_val };
  else if (has(f, 'str_val')) out.value = { kind: 'str', value: f.str_val };
  else if (has(f, 'u64_val')) out.value = { kind: 'u64', value: longBig(f.u64_val) };
  else if (has(f, 'i64_val')) out.value = { kind: 'i64', value: longBig(f.i64_val) };
  else if (has(f, 'bool_val')) out.value = { kind: 'bool', value: f.bool_val === true };
  return out;
}

function attributes(list: readonly AttributeMsg[]): WireAttribute[] {
  const out: WireAttribute[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const a = list[i]!;
    const attr: WireAttribute = { field: a.field === null ? {} : field(a.field) };
    if (has(a, 'unit')) attr.unit = a.unit;
    out[i] = attr;
  }
  return out;
}

function pollStats(p: PollStatsMsg | null): WirePollStats | undefined {
  if (p === null) return undefined;
  const out: WirePollStats = { polls: longNum(p.polls), busyNs: p.busy_time === null ? 0 : durNs(p.busy_time) };
  if (p.first_poll !== null) out.firstPoll = tsNs(p.first_poll);
  if (p.last_poll_started !== null) out.lastPollStarted = tsNs(p.last_poll_started);
  if (p.last_poll_ended !== null) out.lastPollEnded = tsNs(p.last_poll_ended);
  return out;
}

/** Name of a known enum value, else the number in decimal (unknown values from newer apps). */
function enumName(e: protobuf.Enum, v: number): string {
  const name = e.valuesById[v];
  return name === undefined ? String(v) : name;
}

interface Enums {
  taskKind: protobuf.Enum;
  resourceKnown: protobuf.Enum;
  metaKind: protobuf.Enum;
  metaLevel: protobuf.Enum;
  temporality: protobuf.Enum;
}

let cachedEnums: Enums | undefined;
function enums(): Enums {
  if (cachedEnums) return cachedEnums;
  const root = schema().root;
  cachedEnums = {
    taskKind: root.lookupEnum('rs.tokio.console.tasks.Task.Kind'),
    resourceKnown: root.lookupEnum('rs.tokio.console.resources.Resource.Kind.Known'),
    metaKind: root.lookupEnum('rs.tokio.console.common.Metadata.Kind'),
    metaLevel: root.lookupEnum('rs.tokio.console.common.Metadata.Level'),
    temporality: root.lookupEnum('rs.tokio.console.instrument.Temporality'),
  };
  return cachedEnums;
}

function task(t: TaskMsg): WireTask {
  const fields: WireField[] = new Array(t.fields.length);
  for (let i = 0; i < fields.length; i++) fields[i] = field(t.fields[i]!);
  const parents: SpanId[] = new Array(t.parents.length);
  for (let i = 0; i < parents.length; i++) parents[i] = longDec(t.parents[i]!.id);
  const out: WireTask = {
    id: idOf(t.id) ?? '0',
    kind: has(t, 'kind') ? enumName(enums().taskKind, t.kind) : 'SPAWN',
    fields,
    parents,
  };
  if (t.metadata !== null) out.metadataId = longDec(t.metadata.id);
  if (t.location !== null) out.location = location(t.location)!;
  return out;
}

function taskStats(s: TaskStatsMsg): WireTaskStats {
  const out: WireTaskStats = {
    wakes: longNum(s.wakes),
    wakerClones: longNum(s.waker_clones),
    wakerDrops: longNum(s.waker_drops),
    selfWakes: longNum(s.self_wakes),
  };
  if (s.created_at !== null) out.createdAt = tsNs(s.created_at);
  if (s.dropped_at !== null) out.droppedAt = tsNs(s.dropped_at);
  if (s.last_wake !== null) out.lastWake = tsNs(s.last_wake);
  if (s.poll_stats !== null) out.pollStats = pollStats(s.poll_stats)!;
  if (s.scheduled_time !== null) out.scheduledNs = durNs(s.scheduled_time);
  return out;
}

function resource(r: ResourceMsg): WireResource {
  const out: WireResource = {
    id: idOf(r.id) ?? '0',
    concreteType: r.concrete_type,
    isInternal: r.is_internal === true,
  };
  if (r.metadata !== null) out.metadataId = longDec(r.metadata.id);
  const kind = r.kind;
  if (kind !== null) {
    if (has(kind, 'known')) out.kind = { known: enumName(enums().resourceKnown, kind.known) };
    else if (has(kind, 'other')) out.kind = { other: kind.other };
  }
  if (r.location !== null) out.location = location(r.location)!;
  if (r.parent_resource_id !== null) out.parentResourceId = longDec(r.parent_resource_id.id);
  return out;
}

function resourceStats(s: ResourceStatsMsg): WireResourceStats {
  const out: WireResourceStats = { attributes: attributes(s.attributes) };
  if (s.created_at !== null) out.createdAt = tsNs(s.created_at);
  if (s.dropped_at !== null) out.droppedAt = tsNs(s.dropped_at);
  return out;
}

function pollOp(p: PollOpMsg): WirePollOp {
  const out: WirePollOp = { name: p.name, isReady: p.is_ready === true };
  if (p.metadata !== null) out.metadataId = longDec(p.metadata.id);
  if (p.resource_id !== null) out.resourceId = longDec(p.resource_id.id);
  if (p.task_id !== null) out.taskId = longDec(p.task_id.id);
  if (p.async_op_id !== null) out.asyncOpId = longDec(p.async_op_id.id);
  return out;
}

function asyncOp(a: AsyncOpMsg): WireAsyncOp {
  const out: WireAsyncOp = { id: idOf(a.id) ?? '0', source: a.source };
  if (a.metadata !== null) out.metadataId = longDec(a.metadata.id);
  if (a.parent_async_op_id !== null) out.parentAsyncOpId = longDec(a.parent_async_op_id.id);
  if (a.resource_id !== null) out.resourceId = longDec(a.resource_id.id);
  return out;
}

function asyncOpStats(s: AsyncOpStatsMsg): WireAsyncOpStats {
  const out: WireAsyncOpStats = { attributes: attributes(s.attributes) };
  if (s.created_at !== null) out.createdAt = tsNs(s.created_at);
  if (s.dropped_at !== null) out.droppedAt = tsNs(s.dropped_at);
  if (s.task_id !== null) out.taskId = longDec(s.task_id.id);
  if (s.poll_stats !== null) out.pollStats = pollStats(s.poll_stats)!;
  return out;
}

/** Known enum name, else `fallback`: the toObject path mapped unknown kinds/levels to the default. */
function knownOr(e: protobuf.Enum, m: object, key: string, v: number, fallback: string): string {
  if (!has(m, key)) return fallback;
  const name = e.valuesById[v];
  return name === undefined ? fallback : name;
}

function metadata(m: NewMetadataMsg): WireMetadata | undefined {
  const meta = m.metadata;
  if (meta === null || m.id === null) return undefined;
  const e = enums();
  const out: WireMetadata = {
    id: longDec(m.id.id),
    name: meta.name,
    target: meta.target,
    modulePath: meta.module_path,
    kind: knownOr(e.metaKind, meta, 'kind', meta.kind, 'SPAN'),
    level: knownOr(e.metaLevel, meta, 'level', meta.level, 'ERROR'),
    fieldNames: meta.field_names.slice(),
  };
  if (meta.location !== null) out.location = location(meta.location)!;
  return out;
}

const NO_BYTES = (): Uint8Array => new Uint8Array(0);

function durationHistogram(h: DurationHistogramMsg | null): WireDurationHistogram | undefined {
  if (h === null) return undefined;
  const out: WireDurationHistogram = {
    raw: has(h, 'raw_histogram') ? h.raw_histogram : NO_BYTES(),
    highOutliers: longNum(h.high_outliers),
    legacy: false,
  };
  if (has(h, 'max_value')) out.maxValue = longNum(h.max_value);
  if (has(h, 'highest_outlier')) out.highestOutlier = longNum(h.highest_outlier);
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

function decodeMessage<M>(type: protobuf.Type, bytes: Uint8Array): M {
  try {
    return type.decode(bytes) as unknown as M;
  } catch (e) {
    throw new WireDecodeError(type.fullName.replace(/^\./, ''), bytes.length, e);
  }
}

export function decodeUpdate(bytes: Uint8Array): WireUpdate {
  const u = decodeMessage<UpdateMsg>(schema().update, bytes);
  const newMetadata: WireMetadata[] = [];
  if (u.new_metadata !== null) {
    for (const m of u.new_metadata.metadata) {
      const meta = metadata(m);
      if (meta !== undefined) newMetadata.push(meta);
    }
  }
  const out: WireUpdate = { newMetadata };
  if (u.now !== null) out.now = tsNs(u.now);
  const tu = u.task_update;
  if (tu !== null) {
    out.taskUpdate = {
      newTasks: tu.new_tasks.map(task),
      statsUpdate: statsMap(tu.stats_update, taskStats),
      droppedEvents: longNum(tu.dropped_events),
    };
  }
  const ru = u.resource_update;
  if (ru !== null) {
    out.resourceUpdate = {
      newResources: ru.new_resources.map(resource),
      statsUpdate: statsMap(ru.stats_update, resourceStats),
      newPollOps: ru.new_poll_ops.map(pollOp),
      droppedEvents: longNum(ru.dropped_events),
    };
  }
  const au = u.async_op_update;
  if (au !== null) {
    out.asyncOpUpdate = {
      newAsyncOps: au.new_async_ops.map(asyncOp),
      statsUpdate: statsMap(au.stats_update, asyncOpStats),
      droppedEvents: longNum(au.dropped_events),
    };
  }
  return out;
}

export function decodeTaskDetails(bytes: Uint8Array): WireTaskDetails {
  const d = decodeMessage<TaskDetailsMsg>(schema().taskDetails, bytes);
  const out: WireTaskDetails = {};
  if (d.task_id !== null) out.taskId = longDec(d.task_id.id);
  if (d.now !== null) out.now = tsNs(d.now);
  if (has(d, 'legacy_histogram')) {
    out.pollTimes = { raw: d.legacy_histogram, highOutliers: 0, legacy: true };
  } else if (d.histogram !== null) {
    out.pollTimes = durationHistogram(d.histogram)!;
  }
  if (d.scheduled_times_histogram !== null) out.scheduledTimes = durationHistogram(d.scheduled_times_histogram)!;
  return out;
}

export function decodeState(bytes: Uint8Array): WireState {
  const s = decodeMessage<{ readonly temporality: number }>(schema().state, bytes);
  return { temporality: has(s, 'temporality') ? enumName(enums().temporality, s.temporality) : 'LIVE' };
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
