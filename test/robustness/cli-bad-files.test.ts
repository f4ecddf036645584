// `awaitlens check` on files that cannot be analysed: each is reported as skipped with a reason,
// the rest is checked, the exit code depends on the findings only, and nothing blocks or throws.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { main } from '../../server/cli/cli.js';
import { readSource } from '../../server/workspace/read-source.js';

const FINDING = 'async fn g() {}\nasync fn f() {\n    g();\n}\n';

function tree(): string {
  const root = mkdtempSync(join(tmpdir(), 'awaitlens-bad-'));
  writeFileSync(join(root, 'awaitlens.toml'), '[files]\nmax-bytes = 200\n');
  writeFileSync(join(root, 'good.rs'), FINDING);
  writeFileSync(join(root, 'empty.rs'), '');
  writeFileSync(join(root, 'latin1.rs'), Buffer.from([0x2f, 0x2f, 0x20, 0xe9, 0x0a]));
  writeFileSync(join(root, 'nul.rs'), Buffer.from('fn f() {}\0\n'));
  writeFileSync(join(root, 'big.rs'), `// ${'x'.repeat(300)}\n`);
  mkdirSync(join(root, 'x.rs'));
  writeFileSync(join(root, 'x.rs', 'inner.rs'), 'fn inner() {}\n');
  symlinkSync(join(root, 'missing.rs'), join(root, 'dangling.rs'));
  execFileSync('mkfifo', [join(root, 'pipe.rs')]);
  return root;
}

async function check(args: string[], cwd: string) {
  let stdout = '';
  let stderr = '';
  const code = await main(['check', ...args], { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), cwd, env: {}, stdoutIsTTY: false });
  return { code, stdout, stderr };
}

describe('check on unreadable, binary, huge and odd files', () => {
  test('a folder: bad files skipped with their reason, the good ones checked', async () => {
    const root = tree();
    const r = await check(['--no-color', '.'], root);
    expect(r.stderr.split('\n').sort()).toEqual(
      [
        '',
        'big.rs: skipped: file is 304 B, over the 200 B limit',
        'dangling.rs: skipped: not a regular file (a broken symbolic link)',
        'latin1.rs: skipped: file is not valid UTF-8',
        'nul.rs: skipped: file looks binary (contains NUL bytes)',
        'pipe.rs: skipped: not a regular file (a FIFO)',
      ].sort(),
    );
    expect(r.stdout).toContain('good.rs:3:5');
    expect(r.stdout).not.toMatch(/\bat \S+\.ts:\d+/);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toMatch(/ in 3 files$/);
    expect(r.code).toBe(1);
  });

  test('json lists the skipped files; skipped files alone do not fail the run', async () => {
    const root = tree();
    const r = await check(['--format', 'json', 'big.rs', 'nul.rs', 'latin1.rs', 'empty.rs'], root);
    const out = JSON.parse(r.stdout);
    expect(out.skipped).toEqual([
      { file: 'big.rs', reason: 'file is 304 B, over the 200 B limit' },
      { file: 'latin1.rs', reason: 'file is not valid UTF-8' },
      { file: 'nul.rs', reason: 'file looks binary (contains NUL bytes)' },
    ]);
    expect(out.diagnostics).toEqual([]);
    expect(r.code).toBe(0);
  });

  test('a FIFO named on the command line is skipped, not read (which would block)', async () => {
    const root = tree();
    const r = await check(['pipe.rs', 'good.rs'], root);
    expect(r.stderr).toBe('pipe.rs: skipped: not a regular file (a FIFO)\n');
    expect(r.code).toBe(1);
  });

  test('a dangling symlink named on the command line is a usage error (exit 2), one line', async () => {
    const root = tree();
    const r = await check(['dangling.rs'], root);
    expect(r.stderr).toBe('awaitlens: dangling.rs: no such file or directory\n');
    expect(r.code).toBe(2);
  });

  test('readSource refuses what is not a regular file without opening it', () => {
    const root = tree();
    expect(readSource(join(root, 'pipe.rs'), 1 << 20)).toEqual({ ok: false, reason: 'not a regular file (a FIFO)' });
    expect(readSource(join(root, 'x.rs'), 1 << 20)).toEqual({ ok: false, reason: 'is a directory' });
    expect(readSource(join(root, 'dangling.rs'), 1 << 20)).toEqual({ ok: false, reason: 'cannot read: ENOENT' });
    expect(readSource(join(root, 'empty.rs'), 1 << 20)).toEqual({ ok: true, text: '' });
  });
});
