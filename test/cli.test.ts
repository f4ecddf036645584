// The `awaitlens` command line: `main()` in-process for exact output, and a few child processes
// for the bin wrapper and real exit codes.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { main } from '../server/cli/cli.js';
import type { CliIo } from '../server/cli/io.js';
import { formatText } from '../server/cli/format-text.js';
import type { CliReport } from '../server/cli/diagnostics.js';
import { LineIndex } from '../server/analysis/line-index.js';
import { allRuleMetas } from '../server/meta/registry.js';
import { distIsFresh } from './dist-freshness.js';

// Static and live rule ids alike may be configured.
const KNOWN_RULES = [...new Set((await allRuleMetas()).map((m) => m.id))].sort().join(', ');

const ROOT = resolve(__dirname, '..');
const FIX = join(ROOT, 'test/fixtures/cli');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(args: string[], opts: { cwd?: string; env?: Record<string, string>; tty?: boolean } = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    cwd: opts.cwd ?? FIX,
    env: opts.env ?? {},
    stdoutIsTTY: opts.tty ?? false,
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

const MSG = (what: string, ctx = '') =>
  `\`${what}\` returns a future that is dropped here without being polled, so its work never runs; add \`.await\`${ctx} or pass it to \`tokio::spawn\`.`;

const BUG_TEXT = `bug/src/lib.rs:7:21: warning[unawaited-future] ${MSG('save()')}
7 |     let crab = "🦀"; save(order);
  |                     ^^^^^^^^^^^
  = help: Add \`.await\`

bug/src/lib.rs:8:13: warning[unawaited-future] ${MSG('save()')}
8 |     let _ = save(order + 1);
  |             ^^^^^^^^^^^^^^^
  = help: Add \`.await\`

bug/src/lib.rs:13:5: warning[unawaited-future] ${MSG('save()', ' inside an async context')}
13 |     save(3);
   |     ^^^^^^^

3 problems (3 warnings) in 1 file
`;

describe('awaitlens check: text', () => {
  test('prints each finding with its code frame, fix titles and a summary; exit 1', async () => {
    const r = await run(['check', 'bug']);
    expect(r.stdout).toBe(BUG_TEXT);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
  });

  test('a clean crate: summary only, exit 0', async () => {
    const r = await run(['check', 'clean']);
    expect(r).toEqual({ code: 0, stdout: 'no problems in 1 file\n', stderr: '' });
  });

  test('paths are relative to the working directory', async () => {
    const r = await run(['check', 'src'], { cwd: join(FIX, 'bug') });
    expect(r.stdout.split('\n')[0]).toBe(`src/lib.rs:7:21: warning[unawaited-future] ${MSG('save()')}`);
    const up = await run(['check', '../bug/src/lib.rs'], { cwd: join(FIX, 'clean') });
    expect(up.stdout.split('\n')[0]).toBe(`../bug/src/lib.rs:7:21: warning[unawaited-future] ${MSG('save()')}`);
  });

  test('PATH defaults to the working directory', async () => {
    const r = await run(['check'], { cwd: join(FIX, 'clean') });
    expect(r.stdout).toBe('no problems in 1 file\n');
  });

  test('colours only on a terminal, and never with NO_COLOR or --no-color', async () => {
    const tty = await run(['check', 'bug'], { tty: true });
    expect(tty.stdout).toContain('\x1b[1;33mwarning[unawaited-future]\x1b[0m');
    expect((await run(['check', 'bug'], { tty: true, env: { NO_COLOR: '1' } })).stdout).toBe(BUG_TEXT);
    expect((await run(['check', 'bug', '--no-color'], { tty: true })).stdout).toBe(BUG_TEXT);
    expect((await run(['check', 'bug'], { tty: false })).stdout).toBe(BUG_TEXT);
  });

  test('unreadable files are reported on stderr and the run goes on', async () => {
    const r = await run(['check', 'nonutf8', 'bug']);
    expect(r.stderr).toBe('nonutf8/src/latin1.rs: skipped: file is not valid UTF-8\n');
    expect(r.stdout.endsWith('3 problems (3 warnings) in 2 files\n')).toBe(true);
    expect(r.code).toBe(1);
  });

  test('huge files are skipped with their size', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'awaitlens-cli-'));
    try {
      writeFileSync(join(dir, 'huge.rs'), `// ${'x'.repeat(5 * 1024 * 1024)}\n`);
      writeFileSync(join(dir, 'ok.rs'), 'pub fn f() {}\n');
      const r = await run(['check', '.'], { cwd: dir });
      expect(r.stderr).toBe('huge.rs: skipped: file is 5.0 MiB, over the 4.0 MiB limit\n');
      expect(r.stdout).toBe('no problems in 1 file\n');
      expect(r.code).toBe(0);
      writeFileSync(join(dir, 'awaitlens.toml'), '[files]\nmax-bytes = 10\n');
      const small = await run(['check'], { cwd: dir });
      expect(small.stderr).toBe('huge.rs: skipped: file is 5.0 MiB, over the 10 B limit\nok.rs: skipped: file is 14 B, over the 10 B limit\n');
      expect(small.stdout).toBe('no problems in 0 files\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('related locations become notes; multi-line ranges; tabs keep carets aligned', () => {
    const text = 'fn f() {\n\tlet g = m.lock();\n\tstep().await;\n}\n';
    const li = new LineIndex(text);
    const report: CliReport = {
      files: 1,
      skipped: [],
      failures: [],
      lines: () => li,
      diagnostics: [
        {
          file: 'src/a.rs',
          absFile: '/x/src/a.rs',
          rule: 'guard-across-await',
          severity: 'error',
          message: 'held across await',
          range: { start: { line: 2, column: 6 }, end: { line: 2, column: 7 } },
          related: [{ file: 'src/a.rs', range: { start: { line: 3, column: 9 }, end: { line: 3, column: 14 } }, message: 'the `.await`' }],
          fixes: [{ title: 'Drop the guard first', edits: [] }],
        },
        {
          file: 'src/a.rs',
          absFile: '/x/src/a.rs',
          rule: 'r',
          severity: 'info',
          message: 'whole body',
          range: { start: { line: 1, column: 8 }, end: { line: 4, column: 2 } },
          related: [],
          fixes: [],
        },
      ],
    };
    expect(formatText(report, false)).toBe(
      [
        'src/a.rs:2:6: error[guard-across-await] held across await',
        '2 |     let g = m.lock();',
        '  |         ^',
        '  = note: src/a.rs:3:9: the `.await`',
        '  = help: Drop the guard first',
        '',
        'src/a.rs:1:8: info[r] whole body',
        '1 | fn f() {',
        '  |        ^ (continues to line 4)',
        '',
        '2 problems (1 error, 1 info) in 1 file',
        '',
      ].join('\n'),
    );
  });
});

describe('awaitlens check: json', () => {
  test('exact document', async () => {
    const r = await run(['check', 'bug', 'nonutf8/src/latin1.rs', '--format', 'json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    const at = (l1: number, c1: number, l2: number, c2: number) => ({ start: { line: l1, column: c1 }, end: { line: l2, column: c2 } });
    const diag = (range: object, what: string, ctx: string, fixAt?: object) => ({
      file: 'bug/src/lib.rs',
      rule: 'unawaited-future',
      severity: 'warning',
      message: MSG(what, ctx),
      range,
      related: [],
      fixes: fixAt ? [{ title: 'Add `.await`', edits: [{ file: 'bug/src/lib.rs', range: fixAt, newText: '.await' }] }] : [],
    });
    expect(r.stdout.endsWith('\n')).toBe(true);
    expect(JSON.parse(r.stdout)).toEqual({
      version: 1,
      files: 1,
      diagnostics: [
        // Column 21 counts the crab as one code point (it is two UTF-16 units).
        diag(at(7, 21, 7, 32), 'save()', '', at(7, 32, 7, 32)),
        diag(at(8, 13, 8, 28), 'save()', '', at(8, 28, 8, 28)),
        diag(at(13, 5, 13, 12), 'save()', ' inside an async context'),
      ],
      skipped: [{ file: 'nonutf8/src/latin1.rs', reason: 'file is not valid UTF-8' }],
    });
    // Key order is part of the format.
    expect(Object.keys(JSON.parse(r.stdout))).toEqual(['version', 'files', 'diagnostics', 'skipped']);
    expect(Object.keys(JSON.parse(r.stdout).diagnostics[0])).toEqual(['file', 'rule', 'severity', 'message', 'range', 'related', 'fixes']);
  });

  test('clean', async () => {
    const r = await run(['check', 'clean', '--format=json']);
    expect(r).toEqual({ code: 0, stdout: '{"version":1,"files":1,"diagnostics":[],"skipped":[]}\n', stderr: '' });
  });
});

describe('awaitlens check: config and --fail-on', () => {
  test('--config severity override changes the level and the exit code', async () => {
    const err = await run(['check', 'bug', '--config', 'config/error.toml']);
    expect(err.stdout.split('\n')[0]).toBe(`bug/src/lib.rs:7:21: error[unawaited-future] ${MSG('save()')}`);
    expect(err.stdout.endsWith('3 problems (3 errors) in 1 file\n')).toBe(true);
    expect(err.code).toBe(1);
    expect((await run(['check', 'bug', '--config', 'config/error.toml', '--fail-on', 'error'])).code).toBe(1);
  });

  test('"off" silences the rule', async () => {
    const r = await run(['check', 'bug', '--config', 'config/off.toml']);
    expect(r).toEqual({ code: 0, stdout: 'no problems in 1 file\n', stderr: '' });
  });

  test('awaitlens.toml in the first path is found without --config', async () => {
    const r = await run(['check', 'with-config']);
    expect(r.stdout).toBe(
      `with-config/src/lib.rs:4:5: hint[unawaited-future] ${MSG('ping()')}\n4 |     ping();\n  |     ^^^^^^\n  = help: Add \`.await\`\n\n1 problem (1 hint) in 1 file\n`,
    );
    expect(r.code).toBe(0);
    expect((await run(['check', 'with-config', '--fail-on', 'hint'])).code).toBe(1);
    expect((await run(['check', 'with-config', '--fail-on', 'info'])).code).toBe(0);
  });

  test('awaitlens.toml in the working directory wins over the first path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'awaitlens-cli-'));
    try {
      writeFileSync(join(dir, 'awaitlens.toml'), '[rules]\nunawaited-future = "error"\n');
      const r = await run(['check', join(FIX, 'with-config')], { cwd: dir });
      expect(r.stdout).toContain('error[unawaited-future]');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('--fail-on levels', async () => {
    expect((await run(['check', 'bug', '--fail-on', 'warning'])).code).toBe(1);
    expect((await run(['check', 'bug', '--fail-on', 'hint'])).code).toBe(1);
    expect((await run(['check', 'bug', '--fail-on', 'error'])).code).toBe(0);
    expect((await run(['check', 'bug', '--fail-on', 'none'])).code).toBe(0);
    expect((await run(['check', 'clean', '--fail-on', 'hint'])).code).toBe(0);
  });
});

describe('awaitlens: usage errors are one line on stderr, exit 2', () => {
  const cases: Array<[string[], string]> = [
    [['check', 'bug', '--config', 'config/unknown-rule.toml'], `awaitlens: config/unknown-rule.toml: unknown rule 'no-such-rule' in [rules] (known rules: ${KNOWN_RULES})`],
    [['check', 'bug', '--config', 'config/bad-severity.toml'], 'awaitlens: config/bad-severity.toml: rules.unawaited-future must be one of off, hint, info, warning, error'],
    [['check', 'bug', '--config', 'config/nope.toml'], 'awaitlens: cannot read config/nope.toml: ENOENT'],
    [['check', 'missing-dir'], 'awaitlens: missing-dir: no such file or directory'],
    [['check', '--bogus'], "awaitlens: unknown option '--bogus' (see awaitlens check --help)"],
    [['check', '--format'], "awaitlens: option '--format' needs a value (see awaitlens check --help)"],
    [['check', '--format', 'xml'], "awaitlens: --format must be one of text, json, sarif, not 'xml'"],
    [['check', '--fail-on', 'fatal'], "awaitlens: --fail-on must be one of hint, info, warning, error, none, not 'fatal'"],
    [['frobnicate'], "awaitlens: unknown command 'frobnicate' (see awaitlens --help)"],
    [['--frobnicate'], "awaitlens: unknown option '--frobnicate' (see awaitlens --help)"],
  ];
  for (const [args, message] of cases) {
    test(args.join(' '), async () => {
      const r = await run(args);
      expect(r).toEqual({ code: 2, stdout: '', stderr: message + '\n' });
    });
  }

  test('a malformed config names the file', async () => {
    const r = await run(['check', 'bug', '--config', 'config/malformed.toml']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.startsWith('awaitlens: config/malformed.toml: ')).toBe(true);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  test('subcommands of layers missing from this build', async () => {
    const lspMissing = !existsSync(join(ROOT, 'server/lsp/main.ts'));
    if (lspMissing) expect(await run(['lsp'])).toEqual({ code: 2, stdout: '', stderr: "awaitlens: 'lsp' is not available in this build\n" });
    const liveMissing = !existsSync(join(ROOT, 'server/live/cli.ts'));
    if (liveMissing) expect(await run(['top'])).toEqual({ code: 2, stdout: '', stderr: "awaitlens: 'top' is not available in this build\n" });
  });
});

describe('awaitlens: help and version', () => {
  test('--version', async () => {
    const { version } = (await import('../package.json', { with: { type: 'json' } })).default;
    expect(await run(['--version'])).toEqual({ code: 0, stdout: `awaitlens ${version}\n`, stderr: '' });
  });
  test('--help lists the commands; check --help lists every flag', async () => {
    const top = await run(['--help']);
    expect(top.code).toBe(0);
    for (const c of ['check', 'lsp', 'watch', 'record', 'top']) expect(top.stdout).toContain(`awaitlens ${c}`);
    const check = await run(['check', '--help']);
    expect(check.code).toBe(0);
    for (const f of ['--format', '--config', '--fail-on', '--no-color']) expect(check.stdout).toContain(f);
    expect((await run(['help', 'check'])).stdout).toBe(check.stdout);
  });
  test('no command: usage on stderr, exit 2', async () => {
    const r = await run([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Usage:');
  });
});

// The built command, as users run it.
describe('bin/awaitlens.js', () => {
  beforeAll(() => {
    if (!distIsFresh(ROOT, [join(ROOT, 'dist/server/cli/main.js')])) {
      // Type errors in work in progress elsewhere must not stop the emit; the check below does.
      spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore' });
    }
    expect(existsSync(join(ROOT, 'dist/server/cli/main.js'))).toBe(true);
  }, 120_000);

  const bin = (args: string[], cwd = FIX) => spawnSync(process.execPath, [join(ROOT, 'bin/awaitlens.js'), ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '' } });

  test('exit 1 with findings, same text as in-process', () => {
    const r = bin(['check', 'bug']);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe(BUG_TEXT);
  });
  test('exit 0 when clean', () => {
    const r = bin(['check', 'clean']);
    expect([r.status, r.stdout, r.stderr]).toEqual([0, 'no problems in 1 file\n', '']);
  });
  test('exit 2 on a bad flag, without a stack trace', () => {
    const r = bin(['check', '--nope']);
    expect([r.status, r.stdout, r.stderr]).toEqual([2, '', "awaitlens: unknown option '--nope' (see awaitlens check --help)\n"]);
  });
  test('sarif output is complete JSON when piped', () => {
    const out = execFileSync(process.execPath, [join(ROOT, 'bin/awaitlens.js'), 'check', 'clean', '--format', 'sarif'], { cwd: FIX, encoding: 'utf8' });
    expect(JSON.parse(out).version).toBe('2.1.0');
  });
});
