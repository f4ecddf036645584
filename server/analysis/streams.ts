// Unbuffered byte streams (knowledge/streams.toml): types where every read or write call goes to
// the OS. Loaded once, like the rest of the knowledge.
import { readFileSync } from 'node:fs';
import { parse as parseToml } from 'smol-toml';
import { fromRoot } from '../paths.js';

export interface StreamType {
  path: string;
  buffer: 'tokio' | 'std';
}

let streams: Map<string, StreamType> | undefined;

function load(): Map<string, StreamType> {
  const raw = parseToml(readFileSync(fromRoot('knowledge', 'streams.toml'), 'utf8')).stream;
  const out = new Map<string, StreamType>();
  for (const entry of Array.isArray(raw) ? raw : []) {
    const r = entry as Record<string, unknown>;
    if (typeof r.path !== 'string' || (r.buffer !== 'tokio' && r.buffer !== 'std')) throw new Error('knowledge: stream entries need a path and buffer = "tokio" | "std"');
    out.set(r.path, { path: r.path, buffer: r.buffer });
  }
  return out;
}

/** The unbuffered stream type `type` (a resolved path) names, if any. */
export function unbufferedStream(type: string): StreamType | undefined {
  return (streams ??= load()).get(type);
}
