// The live side in the language server, fed by a replayed capture (lost-waker, speed max) into a
// scratch copy of scenario-app: diagnostics, hover, code lenses, status and the task report.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, test } from 'vitest';
import { fixture, scenarioWorkspace, startLiveClient, type LiveClient } from './harness.js';

let c: LiveClient | undefined;
afterEach(async () => {
  await c?.close();
  c = undefined;
});

const LIVE = 'awaitlens (live)';
const LOST_WAKER_MSG =
  'The task spawned here (`lost-waker`, id 11) has lost its waker: it returned `Poll::Pending` and nothing holds a clone of its `Waker`, so it will never be polled again and whatever waits for it hangs.';

async function replayLostWaker(extra: Record<string, unknown> = {}): Promise<{ root: string; uri: string; text: string }> {
  const root = scenarioWorkspace();
  c = await startLiveClient({ root, settings: { console: { replay: fixture('lost-waker.updates.bin'), replaySpeed: 'max' }, ...extra } });
  const uri = pathToFileURL(join(root, 'src/main.rs')).href;
  const text = readFileSync(join(root, 'src/main.rs'), 'utf8');
  await c.open('src/main.rs', text);
  await c.waitForStatus('replay-finished');
  return { root, uri, text };
}

describe('replaying lost-waker.updates.bin', () => {
  test('one live lost-waker diagnostic on the spawn call at :99, none on the sleep loop at :103', async () => {
    const { uri } = await replayLostWaker();
    const pub = await c!.waitForPublish(uri, (p) => p.diagnostics.some((d) => d.source === LIVE));
    const live = pub.diagnostics.filter((d) => d.source === LIVE);
    expect(live).toEqual([
      {
        range: { start: { line: 98, character: 4 }, end: { line: 98, character: 15 } },
        severity: 2,
        source: LIVE,
        message: LOST_WAKER_MSG,
        code: 'lost-waker',
        codeDescription: { href: 'https://github.com/awaitlens/awaitlens/blob/main/rules/lost-waker/README.md' },
      },
    ]);
    // The control task (a sleep loop woken by its timer) stays quiet.
    expect(pub.diagnostics.some((d) => d.range.start.line === 102)).toBe(false);
  });

  test('status: replaying, then replay-finished, each announced once', async () => {
    await replayLostWaker();
    const path = fixture('lost-waker.updates.bin');
    expect(c!.statuses()).toEqual([
      { state: 'replaying', address: path, reason: 'speed max' },
      { state: 'replay-finished', address: path, reason: 'end of the recording: 29 updates, 7.0 s of app time' },
    ]);
    // `awaitlens.status` reports the live state beside the static side's.
    const r = await c!.request('workspace/executeCommand', { command: 'awaitlens.status', arguments: [] });
    expect(r.extensions.live).toEqual({ state: 'replay-finished', address: path, reason: 'end of the recording: 29 updates, 7.0 s of app time' });
    const shown = await c!.waitFor((e) => e.method === 'window/showMessage');
    expect(shown.params.message.split('; ').pop()).toBe(`live: replay-finished (${path}): end of the recording: 29 updates, 7.0 s of app time`);
  });

  test('hover on the spawn site: live metrics under the header', async () => {
    const { uri } = await replayLostWaker();
    const h = await c!.request('textDocument/hover', { textDocument: { uri }, position: { line: 98, character: 8 } });
    expect(h.contents.value.split('\n')).toEqual([
      '**Live (replay finished, 7.0 s of the recording)** · tasks spawned here (`src/main.rs:99:5`)',
      '',
      '- tasks: 1 live (0 running, 0 scheduled, 1 idle) · 0 done',
      '- polls: 1 · busy 0 % · scheduled 0 % · idle 100 % (of 6.0 s task time)',
      expect.stringMatching(/^- poll time: mean \d+ µs \(no histograms: open this file while connected to watch task details\)$/),
      '- wakes: 0 (0 self) · wakers held: 0',
      '- names: `lost-waker` · task ids: 11',
      `- ⚠ \`lost-waker\`: ${LOST_WAKER_MSG}`,
    ]);
    // The sleep loop's site has its own numbers: it is woken by its timer.
    const h2 = await c!.request('textDocument/hover', { textDocument: { uri }, position: { line: 102, character: 4 } });
    expect(h2.contents.value).toContain('- wakes: 11 (0 self) · wakers held: 1');
    expect(h2.contents.value).not.toContain('⚠');
    // Elsewhere: no live text.
    expect(await c!.request('textDocument/hover', { textDocument: { uri }, position: { line: 96, character: 4 } })).toBeNull();
  });

  test('code lenses above both spawn sites, pointing at the task report', async () => {
    const { uri } = await replayLostWaker();
    const lenses = await c!.request('textDocument/codeLens', { textDocument: { uri } });
    expect(lenses.map((l: any) => `${l.range.start.line}:${l.range.start.character}-${l.range.end.character} ${l.command.command}`)).toEqual([
      '98:4-15 awaitlens.showTasks',
      '102:4-15 awaitlens.showTasks',
    ]);
    expect(lenses[0].command.title).toMatch(/^1 idle · 0 done · mean poll \d+ µs$/);
    expect(lenses[1].command.title).toMatch(/^1 idle · 0 done · mean poll \d+ µs$/);
  });

  test('awaitlens.showTasks writes a ranked markdown report and opens it', async () => {
    const { root } = await replayLostWaker();
    const path = await c!.request<string>('workspace/executeCommand', { command: 'awaitlens.showTasks', arguments: [] });
    const text = readFileSync(path, 'utf8');
    const file = pathToFileURL(join(root, 'src/main.rs')).href;
    const rows = text.split('\n').filter((l) => /^\| \d/.test(l));
    expect(rows.map((r) => r.split(' | ').slice(0, 3).join(' | '))).toEqual([
      `| 1 | [src/main.rs:103:5](${file}#L103) | 1 / 1`,
      `| 2 | [src/main.rs:99:5](${file}#L99) | 1 / 1`,
    ]);
    expect(rows[1]!.endsWith('| lost-waker | lost-waker |')).toBe(true);
    expect(text).toContain(`### [src/main.rs:99:5](${file}#L99)\n\n- **lost-waker** (warning): ${LOST_WAKER_MSG}`);
    const shown = await c!.waitFor((e) => e.method === 'window/showDocument');
    expect(shown.params.uri).toBe(pathToFileURL(path).href);
  });

  test('turning the console off stops the replay data and clears the live diagnostic', async () => {
    const { uri } = await replayLostWaker();
    await c!.waitForPublish(uri, (p) => p.diagnostics.some((d) => d.source === LIVE));
    const from = c!.events.length;
    c!.settings.console = { enabled: false };
    await c!.notify('workspace/didChangeConfiguration', { settings: {} });
    await c!.waitForStatus('disabled', from);
    const pub = await c!.waitForPublish(uri, (p) => !p.diagnostics.some((d) => d.source === LIVE), from);
    expect(pub.diagnostics.filter((d) => d.source === LIVE)).toEqual([]);
    expect(await c!.request('textDocument/codeLens', { textDocument: { uri } })).toEqual([]);
  });

  test('a bad replaySpeed is reported and the default pace is used; a missing recording is a status, not a crash', async () => {
    const root = scenarioWorkspace();
    c = await startLiveClient({ root, settings: { console: { replay: join(root, 'nope.bin'), replaySpeed: -2 } } });
    const st = await c.waitForStatus('disconnected');
    expect(st.params).toEqual({ state: 'disconnected', address: join(root, 'nope.bin'), reason: `cannot read ${join(root, 'nope.bin')}: no such file` });
    const log = await c.waitFor((e) => e.method === 'window/logMessage' && /replaySpeed/.test(e.params.message));
    expect(log.params.message).toBe('awaitlens: awaitlens.console.replaySpeed must be a positive number or "max", got -2');
  });
});
