// Reading a source file is where bad input arrives: unreadable, binary, non-UTF-8 or huge files
// are reported and skipped, never analysed half-way.
import { readFileSync, statSync, type Stats } from 'node:fs';

export type SourceRead = { ok: true; text: string } | { ok: false; reason: string };

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

export function decodeSource(bytes: Uint8Array, maxBytes: number): SourceRead {
  if (bytes.length > maxBytes) return { ok: false, reason: `file is ${formatBytes(bytes.length)}, over the ${formatBytes(maxBytes)} limit` };
  if (bytes.includes(0)) return { ok: false, reason: 'file looks binary (contains NUL bytes)' };
  try {
    return { ok: true, text: decoder.decode(bytes) };
  } catch {
    return { ok: false, reason: 'file is not valid UTF-8' };
  }
}

export function readSource(path: string, maxBytes: number): SourceRead {
  try {
    const st = statSync(path);
    // Reading a FIFO blocks until a writer comes (forever, for an editor's file watcher event).
    if (!st.isFile()) return { ok: false, reason: st.isDirectory() ? 'is a directory' : notRegular(st) };
    const size = st.size;
    if (size > maxBytes) return { ok: false, reason: `file is ${formatBytes(size)}, over the ${formatBytes(maxBytes)} limit` };
    return decodeSource(readFileSync(path), maxBytes);
  } catch (e) {
    return { ok: false, reason: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
  }
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

/** Why a path that is neither a file nor a directory is skipped. */
export function notRegular(st: Stats | undefined): string {
  if (!st) return 'not a regular file (a broken symbolic link)';
  const what = st.isFIFO() ? 'a FIFO' : st.isSocket() ? 'a socket' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : undefined;
  return what ? `not a regular file (${what})` : 'not a regular file';
}
