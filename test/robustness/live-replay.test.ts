// `watch --replay` / `top --replay` given files that are not recordings. (A truncated last frame
// is covered in test/live-cli/cli.test.ts.) Each is one clear line on stderr and exit 2.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { run, type LiveDeps } from '../../server/live/cli.js';
import { prng } from './fuzz-helpers.js';

function deps(cwd: string): LiveDeps & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), cwd, env: {}, stdoutIsTTY: false }, signal: new AbortController().signal, out, err };
}

function frame(payload: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(payload.length);
  return Buffer.concat([len, payload]);
}

const dir = mkdtempSync(join(tmpdir(), 'awaitlens-replay-'));
const rand = prng(7);
const files: Record<string, Buffer> = {
  'random.bin': Buffer.from(Array.from({ length: 4096 }, () => Math.floor(rand() * 256))),
  'notes.txt': Buffer.from('These are my notes about the tokio console.\nNot a recording.\n'),
  'empty.bin': Buffer.alloc(0),
  'framed-garbage.bin': frame(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f])),
};
for (const [name, content] of Object.entries(files)) {
  writeFileSync(join(dir, name), content);
}

// The messages name the file.
const EXPECTED: Record<string, { code: number; err: string }> = {
  'random.bin': { code: 2, err: `awaitlens: ${join(dir, 'random.bin')}: truncated frame 0 at byte 0 (4096 trailing bytes)\n` },
  'notes.txt': { code: 2, err: `awaitlens: ${join(dir, 'notes.txt')}: frame 0 at byte 0 claims 1416127859 bytes\n` },
  // Nothing recorded is nothing to report.
  'empty.bin': { code: 0, err: '' },
  'framed-garbage.bin': { code: 2, err: 'awaitlens: frame 0: cannot decode rs.tokio.console.instrument.Update (5 bytes): invalid wire type 7 at offset 5\n' },
};

async function replay(cmd: 'watch' | 'top', name: string) {
  const d = deps(dir);
  const args = cmd === 'watch' ? ['--replay', join(dir, name), '--speed', 'max', '.'] : ['--replay', join(dir, name), '--once', '.'];
  const code = await run(cmd, args, d);
  return { code, err: d.err.join(''), out: d.out.join('') };
}

describe('replaying something that is not a recording', () => {
  for (const cmd of ['watch', 'top'] as const)
    for (const name of Object.keys(files))
      test(`${cmd} --replay ${name}`, async () => {
        const r = await replay(cmd, name);
        expect({ code: r.code, err: r.err }).toEqual(EXPECTED[name]);
        expect(r.err).not.toMatch(/\n\s+at /);
      });

  // A directory (or a FIFO) is refused before anything is read.
  test('a directory given as the recording', async () => {
    mkdirSync(join(dir, 'folder.bin'), { recursive: true });
    for (const cmd of ['watch', 'top'] as const) {
      const r = await replay(cmd, 'folder.bin');
      expect({ code: r.code, err: r.err }).toEqual({ code: 2, err: `awaitlens ${cmd}: cannot read ${join(dir, 'folder.bin')}: it is a directory\n` });
    }
  });
});
