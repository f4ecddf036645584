// Neovim (headless, 0.7 API) against the real `awaitlens lsp --stdio` replaying the lost-waker
// capture into a scratch copy of scenario-app: the live diagnostic at the spawn line, a hover
// with live metrics, the code lenses and the status notifications, as Neovim received them.
// nvim-live-e2e.lua drives Neovim and writes the report; this file only asserts on it.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureBuilt, inCI, probeEditor, ROOT, readReport, runEditor, serverCommand, type EditorRun } from './harness.js';

const FIXTURES = resolve(ROOT, '../shared/fixtures/console');
const REPLAY = join(FIXTURES, 'lost-waker.updates.bin');
const MSG =
  'The task spawned here (`lost-waker`, id 11) has lost its waker: it returned `Poll::Pending` and nothing holds a clone of its `Waker`, so it will never be polled again and whatever waits for it hangs.';

interface Report {
  steps: string[];
  step: string;
  error?: string;
  statuses: Array<{ state: string; address: string; reason?: string }>;
  code_lens_provider: boolean;
  diagnostics: Array<{ lnum: number; col: number; end_lnum: number; end_col: number; severity: number; source: string; code: string; message: string; href: string | null }>;
  hover: { contents: { kind: string; value: string } };
  lenses: Array<{ range: { start: { line: number; character: number } }; command: { title: string; command: string } }>;
  exit: { code: number; signal: number };
}

const nvim = probeEditor('nvim');
if (nvim.missing && !inCI) console.warn(`skipping the Neovim live test: ${nvim.missing}`);

describe.skipIf(!!nvim.missing && !inCI)('Neovim + awaitlens lsp, replaying a console capture', () => {
  let dir = '';
  let run: EditorRun;
  let report: Report;

  beforeAll(async () => {
    if (nvim.missing) throw new Error(`${nvim.missing}; CI must install it (apt-get install -y neovim)`);
    await ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'awaitlens-nvim-live-'));
    const crate = join(dir, 'scenario-app');
    cpSync(join(FIXTURES, 'scenario-app'), crate, { recursive: true });
    const out = join(dir, 'report.json');
    run = await runEditor(
      'nvim',
      ['--headless', '-u', 'NONE', '-i', 'NONE', '-n', '-c', `luafile ${join(__dirname, 'nvim-live-e2e.lua')}`],
      { AWAITLENS_CMD: JSON.stringify(serverCommand()), AWAITLENS_ROOT: crate, AWAITLENS_REPLAY: REPLAY, AWAITLENS_OUT: out, AWAITLENS_WAIT: '20000' },
      120_000,
      crate,
    );
    report = readReport<Report>(out, 'Neovim', run);
  }, 240_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the script ran every step and Neovim exited cleanly', () => {
    expect(report.error, `failed in step '${report.step}'; nvim stderr:\n${run.stderr}`).toBeUndefined();
    expect(run.code).toBe(0);
    expect(report.steps.at(-1)).toBe('done');
    expect(report.exit.code).toBe(0);
  });

  test('Neovim shows the live lost-waker diagnostic on the spawn call at line 99', () => {
    expect(report.diagnostics).toEqual([
      {
        lnum: 98,
        col: 4,
        end_lnum: 98,
        end_col: 15,
        severity: 2,
        source: 'awaitlens (live)',
        code: 'lost-waker',
        message: MSG,
        href: 'https://github.com/awaitlens/awaitlens/blob/main/rules/lost-waker/README.md',
      },
    ]);
  });

  test('the hover on the spawn site carries the live metrics', () => {
    const lines = report.hover.contents.value.split('\n');
    expect(report.hover.contents.kind).toBe('markdown');
    expect(lines).toContain('- tasks: 1 live (0 running, 0 scheduled, 1 idle) · 0 done');
    expect(lines).toContain('- wakes: 0 (0 self) · wakers held: 0');
    expect(lines).toContain('- names: `lost-waker` · task ids: 11');
    expect(lines).toContain(`- ⚠ \`lost-waker\`: ${MSG}`);
  });

  test('code lenses on both spawn sites, and the status notifications Neovim received', () => {
    expect(report.code_lens_provider).toBe(true);
    expect(report.lenses.map((l) => `${l.range.start.line} ${l.command.command}`)).toEqual(['98 awaitlens.showTasks', '102 awaitlens.showTasks']);
    // Neovim 0.7 pushes settings only after `initialized`: the server may first try the default
    // address, then switches to the replay.
    expect(report.statuses.map((s) => s.state).slice(-2)).toEqual(['replaying', 'replay-finished']);
    expect(report.statuses.at(-1)).toEqual({ state: 'replay-finished', address: REPLAY, reason: 'end of the recording: 29 updates, 7.0 s of app time' });
  });
});
