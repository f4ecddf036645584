// Emacs (batch) + eglot 1.9 + flymake against the real `awaitlens lsp --stdio`. What it adds over
// the Neovim test: eglot sends code-action ranges from the region or the sexp at point (not an
// empty cursor range), declares no `codeAction/resolve` and no data support, so the server must
// put the silence edit in the action itself; and diagnostics arrive through flymake.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureBuilt, inCI, MSG, probeEditor, ROOT, readReport, runEditor, scratchCrate, serverCommand, type EditorRun } from './harness.js';

interface FlymakeDiag {
  start: [number, number];
  end: [number, number];
  type: string;
  code: string;
  text: string;
}

interface Report {
  steps: string[];
  step: string;
  error?: string | null;
  emacs_version: string;
  eglot_version: number[];
  server_capabilities: Record<string, any>;
  initial: FlymakeDiag[];
  actions: Array<{ title: string; kind: string; isPreferred: boolean; edit: boolean; data: boolean; command: string | null }>;
  quickfix_offered: string[];
  after_quickfix_line: string;
  after_quickfix: FlymakeDiag[];
  silence_offered: string[];
  after_silence_lines: string[];
  after_silence: FlymakeDiag[];
  after_edit: FlymakeDiag[];
  modified: boolean;
  sent: string[];
  action_ranges: Array<{ start: { line: number; character: number }; end: { line: number; character: number } }>;
  exit: { status: string; code: number };
}

// eglot is Debian's elpa-eglot; Emacs 29+ has it built in. Either way `require` must work.
const emacs = probeEditor('emacs', () => {
  const r = spawnSync('emacs', ['--batch', '--eval', "(progn (package-initialize) (require 'eglot))"], { encoding: 'utf8', timeout: 60_000 });
  return r.status === 0 ? undefined : `eglot cannot be loaded in Emacs (apt-get install elpa-eglot): ${r.stderr.trim().split('\n').at(-1)}`;
});
if (emacs.missing && !inCI) console.warn(`skipping the Emacs end-to-end test: ${emacs.missing} (apt-get install emacs-nox elpa-eglot)`);

// flymake's text is eglot's "source [code]: message".
const show = (d: FlymakeDiag) => `${d.start.join(':')}-${d.end.join(':')} ${d.type} ${d.text}`;
const W = (code: string, msg: string) => `eglot-warning awaitlens [${code}]: ${msg}`;

describe.skipIf(!!emacs.missing && !inCI)('Emacs + eglot + awaitlens lsp', () => {
  let crate = '';
  let run: EditorRun;
  let report: Report;

  beforeAll(async () => {
    if (emacs.missing) throw new Error(`${emacs.missing}; CI must install it (apt-get install -y emacs-nox elpa-eglot)`);
    await ensureBuilt();
    crate = scratchCrate();
    const out = join(dirname(crate), 'emacs-report.json');
    run = await runEditor(
      'emacs',
      ['--batch', '-l', join(__dirname, 'emacs-e2e.el')],
      { AWAITLENS_CMD: JSON.stringify(serverCommand()), AWAITLENS_ROOT: crate, AWAITLENS_OUT: out, AWAITLENS_WAIT: '20' },
      150_000,
      crate,
    );
    report = readReport<Report>(out, 'Emacs', run);
  }, 240_000);

  afterAll(() => {
    if (crate) rmSync(dirname(crate), { recursive: true, force: true });
  });

  test('the script ran every step and Emacs exited cleanly', () => {
    expect(report.error ?? undefined, `failed in step '${report.step}'; emacs stderr:\n${run.stderr}`).toBeUndefined();
    expect(run.timedOut).toBe(false);
    expect(run.code).toBe(0);
    expect(report.steps.at(-1)).toBe('done');
  });

  test('flymake shows the four replica.rs findings with eglot-built text', () => {
    expect(report.server_capabilities.textDocumentSync).toEqual({ openClose: true, change: 2, save: false });
    expect(report.initial.map(show)).toEqual([
      `45:29-45:38 ${W('self-held-sender', MSG.selfHeld)}`,
      `71:13-71:40 ${W('unawaited-future', MSG.unawaited)}`,
      `79:5-79:25 ${W('unbuffered-io', MSG.unbuffered)}`,
      `91:19-91:45 ${W('select-cancel-unsafe', MSG.select)}`,
    ]);
  });

  test('code actions for the diagnostic region: every edit inline, since eglot cannot resolve', () => {
    expect(report.actions).toEqual([
      { title: 'Add `.await`', kind: 'quickfix', isPreferred: true, edit: true, data: false, command: null },
      { title: 'Silence unawaited-future on this line', kind: 'quickfix', isPreferred: false, edit: true, data: false, command: null },
      { title: 'Open documentation for unawaited-future', kind: 'quickfix', isPreferred: false, edit: false, data: false, command: 'awaitlens.openDocs' },
    ]);
    // The ranges eglot sent: the whole diagnostic region, then the sexp at point (`tokio`, `tcp`)
    // for the interactive calls — never the empty cursor range Neovim sends.
    expect(report.action_ranges).toEqual([
      { start: { line: 70, character: 12 }, end: { line: 70, character: 39 } },
      { start: { line: 70, character: 12 }, end: { line: 70, character: 17 } },
      { start: { line: 78, character: 4 }, end: { line: 78, character: 7 } },
    ]);
    expect(report.sent).not.toContain('codeAction/resolve');
  });

  test("eglot's own code-action command applies the quickfix; flymake drops the finding", () => {
    expect(report.quickfix_offered).toEqual(['Add `.await`', 'Silence unawaited-future on this line', 'Open documentation for unawaited-future']);
    expect(report.after_quickfix_line).toBe('            tokio::time::sleep(backoff).await; //~ unawaited-future');
    expect(report.after_quickfix.map(show)).toEqual([
      `45:29-45:38 ${W('self-held-sender', MSG.selfHeld)}`,
      `79:5-79:25 ${W('unbuffered-io', MSG.unbuffered)}`,
      `91:19-91:45 ${W('select-cancel-unsafe', MSG.select)}`,
    ]);
  });

  test('the silence action applies without resolve', () => {
    expect(report.silence_offered).toEqual(['Silence unbuffered-io on this line', 'Open documentation for unbuffered-io']);
    expect(report.after_silence_lines).toEqual(['    // awaitlens: allow(unbuffered-io)', '    tcp.write_all(MAGIC).await?; //~ unbuffered-io']);
    expect(report.after_silence.map(show)).toEqual([`45:29-45:38 ${W('self-held-sender', MSG.selfHeld)}`, `92:19-92:45 ${W('select-cancel-unsafe', MSG.select)}`]);
  });

  test('typing a blocking call: an incremental change, and the new finding appears', () => {
    expect(report.after_edit.map(show)).toEqual([
      `28:5-28:50 ${W('blocking-in-async', MSG.blocking)}`,
      `46:29-46:38 ${W('self-held-sender', MSG.selfHeld)}`,
      `93:19-93:45 ${W('select-cancel-unsafe', MSG.select)}`,
    ]);
    expect(report.modified).toBe(true);
    expect(readFileSync(join(crate, 'src/replica.rs'), 'utf8')).toBe(readFileSync(join(ROOT, 'examples/stuck-server/src/replica.rs'), 'utf8'));
    expect(report.sent.filter((m) => m === 'textDocument/didChange').length).toBeGreaterThanOrEqual(3);
  });

  test('shutdown: the server exits with 0', () => {
    expect(report.exit).toEqual({ status: 'exit', code: 0 });
  });
});
