/**
 * Interpretation of span fields: name resolution (str_name or an index into
 * the span's metadata) and the well-known task fields tokio emits.
 */
import type { FieldValue, SpanId, WireField, WireLocation, WireMetadata } from './wire.js';

export interface ResolvedField {
  name: string;
  value: FieldValue;
}

export type MetadataLookup = (id: SpanId) => WireMetadata | undefined;

/** Returns undefined for fields tokio-console would also skip (no name, no value, bad index). */
export function resolveField(f: WireField, lookup: MetadataLookup, ownerMetadataId?: SpanId): ResolvedField | undefined {
  if (!f.value) return undefined;
  let name = f.strName;
  if (name === undefined && f.nameIdx !== undefined) {
    const meta = lookup(f.metadataId ?? ownerMetadataId ?? '');
    name = meta?.fieldNames[f.nameIdx];
  }
  if (name === undefined) return undefined;
  return { name, value: f.value };
}

export function fieldText(v: FieldValue): string {
  switch (v.kind) {
    case 'debug':
    case 'str':
      return v.value;
    case 'u64':
    case 'i64':
      return v.value.toString();
    case 'bool':
      return v.value ? 'true' : 'false';
  }
}

/** Debug-formatted strings may arrive quoted (`"name"`) depending on the tokio version. */
export function unquote(s: string): string {
  if (s.length >= 2 && s.startsWith('"') && s.endsWith('"')) {
    return s.slice(1, -1).replace(/\\"/g, '"').replace(/\\\\/g, '\\');
  }
  return s;
}

function asCount(v: FieldValue): number | undefined {
  if (v.kind === 'u64' || v.kind === 'i64') return Number(v.value);
  if (v.kind === 'debug' || v.kind === 'str') {
    const n = Number(unquote(v.value));
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** Parses tokio < 1.21's `spawn.location` field, "path/to/file.rs:LINE:COL". */
export function parseSpawnLocation(text: string): WireLocation | undefined {
  const m = /^(.*?):(\d+):(\d+)$/.exec(unquote(text.trim()));
  if (!m || !m[1]) return undefined;
  return { file: m[1], line: Number(m[2]), column: Number(m[3]) };
}

export interface TaskFieldFacts {
  name?: string;
  /** `task`, `local`, `blocking`, `block_on`, or whatever the runtime sent. */
  kind?: string;
  /** tokio::task::Id (u64) as a decimal string; unrelated to the span id. */
  tokioTaskId?: string;
  sizeBytes?: number;
  originalSizeBytes?: number;
  spawnLocation?: WireLocation;
}

export function taskFieldFacts(fields: readonly ResolvedField[]): TaskFieldFacts {
  const out: TaskFieldFacts = {};
  for (const f of fields) {
    switch (f.name) {
      case 'task.name': {
        const name = unquote(fieldText(f.value));
        if (name !== '') out.name = name;
        break;
      }
      case 'kind':
        out.kind = unquote(fieldText(f.value));
        break;
      case 'task.id':
        out.tokioTaskId = unquote(fieldText(f.value));
        break;
      case 'size.bytes': {
        const n = asCount(f.value);
        if (n !== undefined) out.sizeBytes = n;
        break;
      }
      case 'original_size.bytes': {
        const n = asCount(f.value);
        if (n !== undefined) out.originalSizeBytes = n;
        break;
      }
      case 'spawn.location': {
        const loc = parseSpawnLocation(fieldText(f.value));
        if (loc) out.spawnLocation = loc;
        break;
      }
    }
  }
  return out;
}
