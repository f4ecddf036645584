// Neovim (headless, 0.7 API) against the real `awaitlens lsp --stdio`: what Neovim itself shows
// after opening the example crate, hovering, applying a quickfix, resolving and applying a silence
// action through Neovim's own code-action path, and typing. nvim-e2e.lua drives Neovim and writes
// what it received; this file only asserts on that report.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureBuilt, inCI, MSG, plantedBugs, probeEditor, ROOT, readReport, runEditor, scratchCrate, serverCommand, type EditorRun } from './harness.js';

interface NvimDiag {
  lnum: number;
  col: number;
  end_lnum: number;
  end_col: number;
  severity: number;
  source: string;
  code: string;
  message: string;
  href: string | null;
  related: number;
}

interface Report {
  steps: string[];
  step: string;
  error?: string;
  nvim_version: string;
  has_vim_lsp_start: boolean;
  progress: string[];
  publishes: Array<{ file: string; version: number | null; count: number }>;
  requests: string[];
  server_capabilities: Record<string, any>;
  initial: Record<string, NvimDiag[]>;
  settled: boolean;
  hover: { contents: { kind: string; value: string }; range: { start: { line: number; character: number }; end: { line: number; character: number } } };
  code_action_range: unknown;
  actions: Array<{ title: string; kind: string; isPreferred: boolean; edit: boolean; data: boolean; command: string | null }>;
  after_quickfix_line: string;
  after_quickfix: NvimDiag[];
  offered: string[];
  silence_unresolved: { edit: boolean; data: boolean };
  after_silence: NvimDiag[];
  after_blocking: NvimDiag[];
  after_drop: NvimDiag[];
  final_text: string;
  saved: boolean;
  exit: { code: number; signal: number };
}

const nvim = probeEditor('nvim');
if (nvim.missing && !inCI) console.warn(`skipping the Neovim end-to-end test: ${nvim.missing} (apt-get install neovim)`);

// 1-based `line:col-line:col rule: message`; Neovim's columns are byte offsets (ASCII sources here).
const show = (d: NvimDiag) => `${d.lnum + 1}:${d.col + 1}-${d.end_lnum + 1}:${d.end_col + 1} ${d.code}: ${d.message}`;

interface CliDiag {
  file: string;
  rule: string;
  message: string;
  range: { start: { line: number; column: number }; end: { line: number; column: number } };
}

describe.skipIf(!!nvim.missing && !inCI)('Neovim + awaitlens lsp', () => {
  let crate = '';
  let run: EditorRun;
  let report: Report;
  let cli: CliDiag[] = [];

  beforeAll(async () => {
    if (nvim.missing) throw new Error(`${nvim.missing}; CI must install it (apt-get install -y neovim)`);
    await ensureBuilt();
    crate = scratchCrate();
    // The editor must show what the command line finds in the same crate.
    const check = spawnSync(process.execPath, [join(ROOT, 'bin/awaitlens.js'), 'check', '.', '--format', 'json'], { cwd: crate, encoding: 'utf8' });
    cli = (JSON.parse(check.stdout) as { diagnostics: CliDiag[] }).diagnostics;
    const expectByFile: Record<string, string[]> = {};
    for (const name of ['conn.rs', 'main.rs', 'pubsub.rs', 'replica.rs', 'store.rs']) expectByFile[name] = [];
    for (const d of cli) expectByFile[d.file.replace(/^src\//, '')]?.push(`${d.range.start.line} ${d.rule}`);
    const out = join(dirname(crate), 'nvim-report.json');
    run = await runEditor(
      'nvim',
      ['--headless', '-u', 'NONE', '-i', 'NONE', '-n', '-c', `luafile ${join(__dirname, 'nvim-e2e.lua')}`],
      {
        AWAITLENS_CMD: JSON.stringify(serverCommand()),
        AWAITLENS_ROOT: crate,
        AWAITLENS_OUT: out,
        AWAITLENS_WAIT: '20000',
        AWAITLENS_EXPECT: JSON.stringify(expectByFile),
      },
      150_000,
      crate,
    );
    report = readReport<Report>(out, 'Neovim', run);
  }, 240_000);

  afterAll(() => {
    if (crate) rmSync(dirname(crate), { recursive: true, force: true });
  });

  test('the script ran every step and Neovim exited cleanly', () => {
    expect(report.error, `failed in step '${report.step}'; nvim stderr:\n${run.stderr}`).toBeUndefined();
    expect(run.timedOut).toBe(false);
    expect(run.code).toBe(0);
    expect(report.steps.at(-1)).toBe('done');
    expect(report.nvim_version).toMatch(/^0\.\d+\.\d+$/);
  });

  test('initialize: incremental sync, hover, resolvable quick fixes, UTF-16 for a client that names no encoding', () => {
    const caps = report.server_capabilities;
    expect(caps.positionEncoding).toBe('utf-16');
    expect(caps.textDocumentSync).toEqual({ openClose: true, change: 2, save: false });
    expect(caps.hoverProvider).toBe(true);
    expect(caps.codeActionProvider).toEqual({ codeActionKinds: ['quickfix', 'source'], resolveProvider: true });
    // Neovim advertises window.workDoneProgress, so indexing is reported and ends.
    expect(report.progress[0]).toBe('begin');
    expect(report.progress).toContain('end');
  });

  // What `awaitlens check` finds in one file, rendered like `show`.
  const cliFor = (name: string) =>
    cli.filter((d) => d.file === `src/${name}`).map((d) => `${d.range.start.line}:${d.range.start.column}-${d.range.end.line}:${d.range.end.column} ${d.rule}: ${d.message}`);

  test.each(['conn.rs', 'main.rs', 'pubsub.rs', 'replica.rs'])('%s shows exactly what `awaitlens check` finds, all planted bugs', (name) => {
    const list = report.initial[name]!;
    expect(list.map(show)).toEqual(cliFor(name));
    const planted = plantedBugs();
    for (const d of list) {
      expect(planted.get(name), `${name}:${d.lnum + 1} ${d.code} is not a planted bug`).toContain(`${d.lnum + 1} ${d.code}`);
      expect(d.source).toBe('awaitlens');
      expect(d.href).toBe(`https://github.com/awaitlens/awaitlens/blob/main/rules/${d.code}/README.md`);
    }
    expect(list.map((d) => `${d.lnum + 1} ${d.code}`)).toEqual(planted.get(name) ?? []);
  });

  test('store.rs: the findings that need no other file match `awaitlens check`', () => {
    const local = (l: string[]) => l.filter((x) => !x.includes(' lock-order-inversion: '));
    expect(local(report.initial['store.rs']!.map(show))).toEqual(local(cliFor('store.rs')));
  });

  // A document opened before indexing finishes must get the findings that need other files'
  // facts (lock-order-inversion needs field types) once the index completes, without an edit.
  test('store.rs shows both lock-order-inversion findings once indexing is done', () => {
    expect(report.settled).toBe(true);
    expect(report.initial['store.rs']!.map(show)).toEqual(cliFor('store.rs'));
  });

  test('the replica.rs findings, spelled out', () => {
    // The file this test edits, spelled out: rule, range and message as Neovim holds them.
    expect(report.initial['replica.rs']!.map(show)).toEqual([
      `45:29-45:38 self-held-sender: ${MSG.selfHeld}`,
      `71:13-71:40 unawaited-future: ${MSG.unawaited}`,
      `79:5-79:25 unbuffered-io: ${MSG.unbuffered}`,
      `91:19-91:45 select-cancel-unsafe: ${MSG.select}`,
    ]);
    expect(report.initial['replica.rs']!.map((d) => [d.code, d.severity, d.related])).toEqual([
      ['self-held-sender', 2, 1],
      ['unawaited-future', 2, 0],
      ['unbuffered-io', 2, 3],
      ['select-cancel-unsafe', 2, 0],
    ]);
  });

  test('hover on the unawaited sleep explains the rule and covers the diagnostic range', () => {
    expect(report.hover.range).toEqual({ start: { line: 70, character: 12 }, end: { line: 70, character: 39 } });
    expect(report.hover.contents.kind).toBe('markdown');
    const text = report.hover.contents.value;
    expect(text.startsWith('**awaitlens: `unawaited-future`** — A future is created and dropped without being awaited, so its work never happens.')).toBe(true);
    expect(text).toContain('**Fix:** Add `.await` (quick fix available).');
    expect(text).toContain('[Documentation for unawaited-future](https://github.com/awaitlens/awaitlens/blob/main/rules/unawaited-future/README.md)');
  });

  test('code actions at the cursor: the fix (preferred, with its edit), a silence to resolve, the docs', () => {
    // Neovim asks with an empty range at the cursor plus the line's diagnostics.
    expect(report.code_action_range).toEqual({ start: { line: 70, character: 20 }, end: { line: 70, character: 20 } });
    expect(report.actions).toEqual([
      { title: 'Add `.await`', kind: 'quickfix', isPreferred: true, edit: true, data: false, command: null },
      { title: 'Silence unawaited-future on this line', kind: 'quickfix', isPreferred: false, edit: false, data: true, command: null },
      { title: 'Open documentation for unawaited-future', kind: 'quickfix', isPreferred: false, edit: false, data: false, command: 'awaitlens.openDocs' },
    ]);
  });

  test('applying the quickfix adds `.await` and the finding goes away; the others stay', () => {
    expect(report.after_quickfix_line).toBe('            tokio::time::sleep(backoff).await; //~ unawaited-future');
    expect(report.after_quickfix.map(show)).toEqual([
      `45:29-45:38 self-held-sender: ${MSG.selfHeld}`,
      `79:5-79:25 unbuffered-io: ${MSG.unbuffered}`,
      `91:19-91:45 select-cancel-unsafe: ${MSG.select}`,
    ]);
  });

  test("Neovim's own code-action path resolves the silence action and applies it", () => {
    expect(report.offered).toEqual(['Silence unbuffered-io on this line', 'Open documentation for unbuffered-io']);
    expect(report.silence_unresolved).toEqual({ edit: false, data: true });
    expect(report.requests).toEqual(['textDocument/hover', 'textDocument/codeAction', 'textDocument/codeAction', 'codeAction/resolve']);
    const lines = report.final_text.split('\n');
    // Line 79 of the original, moved down by the two lines typed later above it.
    expect(lines.slice(80, 82)).toEqual(['    // awaitlens: allow(unbuffered-io)', '    tcp.write_all(MAGIC).await?; //~ unbuffered-io']);
    expect(report.after_silence.map(show)).toEqual([`45:29-45:38 self-held-sender: ${MSG.selfHeld}`, `92:19-92:45 select-cancel-unsafe: ${MSG.select}`]);
  });

  test('typing: a new blocking call is reported, dropping the sender clears self-held-sender', () => {
    expect(report.after_blocking.map(show)).toEqual([
      `28:5-28:50 blocking-in-async: ${MSG.blocking}`,
      `46:29-46:38 self-held-sender: ${MSG.selfHeld}`,
      `93:19-93:45 select-cancel-unsafe: ${MSG.select}`,
    ]);
    expect(report.after_drop.map(show)).toEqual([`28:5-28:50 blocking-in-async: ${MSG.blocking}`, `94:19-94:45 select-cancel-unsafe: ${MSG.select}`]);
    // Nothing was saved: the server worked from the incremental changes alone.
    expect(report.saved).toBe(false);
    expect(readFileSync(join(crate, 'src/replica.rs'), 'utf8')).toBe(readFileSync(join(ROOT, 'examples/stuck-server/src/replica.rs'), 'utf8'));
  });

  test('shutdown: the server exits with 0 after shutdown/exit', () => {
    expect(report.exit).toEqual({ code: 0, signal: 0 });
  });
});
