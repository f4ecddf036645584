/** Public surface of the live runtime layer (the only layer that speaks gRPC). */
export { ConsoleClient, type ConsoleClientOptions, type ConnectionState, type LiveError } from './connection.js';
export { resolveConsoleTarget, DEFAULT_CONSOLE_ADDRESS, type ConsoleTarget } from './address.js';
export { Backoff, systemClock, type BackoffOptions, type Clock } from './clock.js';
export {
  ConsoleModel,
  attribute,
  type ApplyResult,
  type ConsoleModelOptions,
  type LiveAsyncOp,
  type LiveAttribute,
  type LiveResource,
  type LiveTask,
  type ModelCounters,
  type TaskDetailsState,
} from './model.js';
export { DEFAULT_MAX_COMPLETED, DEFAULT_RETENTION_MS, type RetentionOptions } from './entity-store.js';
export * from './task-metrics.js';
export { fieldText, parseSpawnLocation, unquote, type ResolvedField } from './fields.js';
export {
  decodeHdrHistogram,
  encodeHdrHistogramV2,
  summarizeDurationHistogram,
  summarizeHistogram,
  HdrHistogram,
  HistogramDecodeError,
  type HistogramSummary,
} from './histogram.js';
export { SourceMapper, parseRemap, looksLikeDependency, type PathRemap, type ResolvedLocation } from './source-map.js';
export { spawnSites, groupBySite, siteKey, type SpawnSite } from './sites.js';
export { readRecording, readFrames, splitFrames, encodeFrames, RecordingWriter, RecordingError } from './recording.js';
export {
  decodeUpdate,
  decodeTaskDetails,
  decodeState,
  encodeUpdate,
  encodeTaskDetails,
  nsToTimestamp,
  WireDecodeError,
  type FieldValue,
  type SpanId,
  type WireLocation,
  type WireUpdate,
  type WireTaskDetails,
} from './wire.js';
