import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, describe, expect, test } from 'vitest';
import { encodeFrames, readFrames, readRecording, RecordingError, RecordingWriter, splitFrames } from '../../server/live/index.js';
import { fixture } from './fake-console.js';

const dir = mkdtempSync(join(tmpdir(), 'awaitlens-rec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function collect(it: AsyncIterable<Uint8Array>): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const f of it) out.push(Buffer.from(f));
  return out;
}

describe('recording format', () => {
  const frames = [Buffer.from([]), Buffer.from('hello'), Buffer.alloc(70_000, 7)];

  test('round trip in memory and through a file', async () => {
    const bytes = encodeFrames(frames);
    expect(splitFrames(bytes).map((f) => Buffer.from(f))).toEqual(frames);
    const path = join(dir, 'a.bin');
    const w = new RecordingWriter(path);
    for (const f of frames) w.write(f);
    await w.close();
    expect(readFileSync(path)).toEqual(bytes);
    expect(await collect(readFrames(path))).toEqual(frames);
  });

  test('streaming reader copes with frames split across chunks', async () => {
    const bytes = encodeFrames(frames);
    const oneByteChunks = Readable.from((function* () {
      for (const b of bytes) yield Buffer.from([b]);
    })());
    expect(await collect(readFrames(oneByteChunks))).toEqual(frames);
  });

  test('truncated tails are clear errors, not crashes', async () => {
    const bytes = encodeFrames(frames);
    for (const cut of [bytes.length - 1, 4 + 0 + 4 + 5 + 2, 1]) {
      expect(() => splitFrames(bytes.subarray(0, cut), 'cut.bin')).toThrow(RecordingError);
      const s = new PassThrough();
      s.end(bytes.subarray(0, cut));
      await expect(collect(readFrames(s))).rejects.toThrow(/truncated frame/);
    }
    try {
      splitFrames(bytes.subarray(0, bytes.length - 1), 'cut.bin');
    } catch (e) {
      expect(e).toMatchObject({ frameIndex: 2, offset: 4 + 4 + 5 });
      expect((e as Error).message).toMatch(/cut\.bin: truncated frame 2 at byte 13/);
    }
  });

  test('fixture files split into whole frames', async () => {
    expect(readRecording(fixture('lost-waker.updates.bin'))).toHaveLength(29);
    expect(await collect(readFrames(fixture('exit.updates.bin')))).toHaveLength(17);
  });
});
