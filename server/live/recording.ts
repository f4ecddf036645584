/**
 * Capture format shared with the fixtures: each frame is a 4-byte big-endian
 * length followed by one protobuf message exactly as it came off gRPC.
 */
import { createReadStream, readFileSync, statSync, type WriteStream, createWriteStream } from 'node:fs';
import type { Readable, Writable } from 'node:stream';

/** Refuses absurd lengths so a corrupt header cannot make us buffer gigabytes. */
export const MAX_FRAME_BYTES = 1 << 30;

export class RecordingError extends Error {
  constructor(
    message: string,
    readonly frameIndex: number,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'RecordingError';
  }
}

/** Splits a whole recording held in memory. */
export function splitFrames(data: Uint8Array, source = 'recording'): Uint8Array[] {
  const frames: Uint8Array[] = [];
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let off = 0;
  while (off < data.length) {
    if (data.length - off < 4) {
      throw new RecordingError(
        `${source}: truncated frame header at byte ${off} (frame ${frames.length}): ${data.length - off} of 4 bytes`,
        frames.length,
        off,
      );
    }
    const len = view.getUint32(off);
    if (len > MAX_FRAME_BYTES) {
      throw new RecordingError(`${source}: frame ${frames.length} at byte ${off} claims ${len} bytes`, frames.length, off);
    }
    if (off + 4 + len > data.length) {
      throw new RecordingError(
        `${source}: truncated frame ${frames.length} at byte ${off}: header says ${len} bytes, ${data.length - off - 4} present`,
        frames.length,
        off,
      );
    }
    frames.push(data.subarray(off + 4, off + 4 + len));
    off += 4 + len;
  }
  return frames;
}

export function readRecording(path: string): Uint8Array[] {
  return splitFrames(readFileSync(path), path);
}

/**
 * Frames of a recording file, streamed. Anything that is not a regular file is refused up front
 * (a directory would fail obscurely, a FIFO would wait for a writer forever).
 */
export function recordingFrames(path: string): AsyncGenerator<Uint8Array> {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw new RecordingError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`, 0, 0);
  }
  if (st.isDirectory()) throw new RecordingError(`cannot read ${path}: it is a directory`, 0, 0);
  if (!st.isFile()) throw new RecordingError(`cannot read ${path}: not a regular file`, 0, 0);
  return readFrames(path);
}

/** Streams frames without loading the file; a truncated tail rejects with RecordingError. */
export async function* readFrames(input: Readable | string): AsyncGenerator<Uint8Array> {
  const stream = typeof input === 'string' ? createReadStream(input) : input;
  const source = typeof input === 'string' ? input : 'stream';
  let pending: Buffer = Buffer.alloc(0);
  let index = 0;
  let consumed = 0;
  for await (const chunk of stream) {
    const buf: Buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    pending = pending.length === 0 ? buf : Buffer.concat([pending, buf]);
    for (;;) {
      if (pending.length < 4) break;
      const len = pending.readUInt32BE(0);
      if (len > MAX_FRAME_BYTES) {
        throw new RecordingError(`${source}: frame ${index} at byte ${consumed} claims ${len} bytes`, index, consumed);
      }
      if (pending.length < 4 + len) break;
      yield pending.subarray(4, 4 + len);
      pending = pending.subarray(4 + len);
      consumed += 4 + len;
      index++;
    }
  }
  if (pending.length > 0) {
    throw new RecordingError(
      `${source}: truncated frame ${index} at byte ${consumed} (${pending.length} trailing bytes)`,
      index,
      consumed,
    );
  }
}

export function encodeFrame(message: Uint8Array): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(message.length, 0);
  return Buffer.concat([header, message]);
}

export function encodeFrames(messages: Iterable<Uint8Array>): Buffer {
  const parts: Buffer[] = [];
  for (const m of messages) parts.push(encodeFrame(m));
  return Buffer.concat(parts);
}

/** Appends frames to a file or stream, e.g. to record a live session for later replay. */
export class RecordingWriter {
  private readonly out: Writable;
  private readonly owned: boolean;

  constructor(target: string | Writable) {
    if (typeof target === 'string') {
      this.out = createWriteStream(target) as WriteStream;
      this.owned = true;
    } else {
      this.out = target;
      this.owned = false;
    }
  }

  write(message: Uint8Array): boolean {
    return this.out.write(encodeFrame(message));
  }

  close(): Promise<void> {
    if (!this.owned) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.out.once('error', reject);
      this.out.end(() => resolve());
    });
  }
}
