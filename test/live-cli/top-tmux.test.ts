// `awaitlens top` full-screen in a real terminal (tmux): first frame, sort and filter keys, pause,
// quit with the terminal restored, and small / resized terminals. tmux missing skips locally and
// fails under CI.
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { ensureBuilt, inCI, ROOT } from '../editors/harness.js';
import { probeTmux, TmuxSession } from './tmux.js';

const FIXTURES = join(ROOT, '../shared/fixtures/console');
const APP = join(FIXTURES, 'scenario-app');
const probe = probeTmux();

const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** The shell script run in the pane: a marker on the primary screen, top, then its exit code and tty modes. */
function script(args: string[]): string {
  const cmd = [process.execPath, join(ROOT, 'bin/awaitlens.js'), 'top', ...args].map(q).join(' ');
  return [
    'printf "BEFORE-TOP\\n"',
    cmd,
    'echo "TOP-EXIT $?"',
    // raw mode must be undone: canonical input and echo back on
    'echo "TTY $(stty -a | tr " ;" "\\n\\n" | grep -x -e icanon -e -icanon -e echo -e -echo | tr "\\n" " ")"',
    'exec sleep 600',
    '',
  ].join('\n');
}

let session: TmuxSession | undefined;
function start(columns: number, rows: number, args: string[]): TmuxSession {
  session = new TmuxSession({ columns, rows, cwd: APP, script: script(args) });
  return session;
}
afterEach(() => {
  session?.close();
  session = undefined;
});

const HEADER = /^awaitlens top — (replay|end of recording) — \d+ live \/ \d+ tasks at \d+ sites — sort: (\w+) \[b\]usy \[s\]ched \[w\]akes \[t\]asks/;

/** Site rows of a full-width frame: everything below the column titles up to the first blank row. */
function siteLines(screen: string[]): string[] {
  const out: string[] = [];
  for (const l of screen.slice(2)) {
    if (l === '') break;
    out.push(l);
  }
  return out;
}
const sites = (screen: string[]): string[] => siteLines(screen).map((l) => l.split(/\s+/)[0]!);
const ended = (screen: string[]): boolean => screen[0]!.startsWith('awaitlens top — end of recording —');

async function quitAndCheckRestored(t: TmuxSession, opts: { resized?: boolean } = {}): Promise<void> {
  t.keys('q');
  const screen = await t.waitFor('top to exit', (s) => s.some((l) => l.startsWith('TTY ')) && s);
  const kept = screen.filter((l) => l !== '');
  // Back on the primary screen: the marker printed before top, then its exit code, nothing of the frame.
  // (Shrinking a tmux window while the alternate screen is on can leave a few of its rows above the
  // primary screen's content — tmux's doing, seen whatever the program draws — so after resizes only
  // the part from the marker on is exact.)
  expect(opts.resized ? kept.slice(kept.indexOf('BEFORE-TOP')) : kept).toEqual(['BEFORE-TOP', 'TOP-EXIT 0', 'TTY icanon echo']);
  expect(kept.some((l) => l.startsWith('awaitlens top') || l.startsWith('SITE '))).toBe(false);
  expect(t.display('#{alternate_on} #{cursor_flag}')).toBe('0 1');
}

describe.skipIf(!!probe.missing && !inCI)(`awaitlens top in tmux (${probe.version ?? probe.missing})`, () => {
  beforeAll(async () => {
    if (probe.missing) throw new Error(`tmux is required under CI: ${probe.missing}`);
    await ensureBuilt();
  }, 240_000);

  test('first frame, b/s/w sort keys, / filter (typed key by key and in one chunk), q restores the terminal', async () => {
    const t = start(120, 40, ['--replay', join(FIXTURES, 'self-wake.updates.bin'), '--speed', '4']);

    // The first frame, while the replay still runs or once it has ended: header, titles, both sites.
    const first = await t.waitFor('a first frame', (s) => HEADER.test(s[0]!) && siteLines(s).length === 2 && s);
    expect(first[0]).toMatch(/ — 2 live \/ 2 tasks at 2 sites — sort: busy /);
    expect(first[0]).not.toContain('[PAUSED]');
    expect(first[1]).toMatch(/^SITE\s+NAME\s+LIVE\s+TOTAL\s+BUSY\s+SCHED\s+WAKES\s+WARNINGS$/);
    expect(first.slice(2, 4).map((l) => l.split(/\s+/).slice(0, 2).join(' ')).sort()).toEqual(['src/main.rs:112:5 self-wake', 'src/main.rs:121:5 yield-now']);

    // At the end of the recording the numbers are final, so the order is exact.
    const end = await t.waitFor('the end of the recording', (s) => ended(s) && s);
    expect(end[0]).toBe('awaitlens top — end of recording — 2 live / 2 tasks at 2 sites — sort: busy [b]usy [s]ched [w]akes [t]asks');
    const rows = siteLines(end);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/^src\/main\.rs:112:5\s+self-wake\s+1\s+1\s+65ms\s+49ms\s+93323\s+self-wakes$/);
    // yield_now is not a self wake in tokio 1.24: no warning at :121
    expect(rows[1]).toMatch(/^src\/main\.rs:121:5\s+yield-now\s+1\s+1\s+56ms\s+134ms\s+90798$/);

    // s: yield-now waited longer in the run queue (134ms vs 49ms)
    t.keys('s');
    const bySched = await t.waitFor('sort: scheduled', (s) => s[0]!.includes('sort: scheduled ') && s);
    expect(sites(bySched)).toEqual(['src/main.rs:121:5', 'src/main.rs:112:5']);

    // w: back to self-wake first (93323 wakes vs 90798)
    t.keys('w');
    const byWakes = await t.waitFor('sort: wakes', (s) => s[0]!.includes('sort: wakes ') && s);
    expect(sites(byWakes)).toEqual(['src/main.rs:112:5', 'src/main.rs:121:5']);
    expect(siteLines(byWakes).map((l) => l.split(/\s+/)[6])).toEqual(['93323', '90798']);

    // b: busy again
    t.keys('b');
    const byBusy = await t.waitFor('sort: busy', (s) => s[0]!.includes('sort: busy ') && s);
    expect(sites(byBusy)).toEqual(['src/main.rs:112:5', 'src/main.rs:121:5']);

    // '/' then a name, key by key: the header shows the filter being typed, Enter keeps it.
    t.keys('/');
    for (const c of 'yield') t.type(c);
    const typing = await t.waitFor('the filter being typed', (s) => s[0]!.includes('  filter: yield_ [b]usy') && s);
    expect(sites(typing)).toEqual(['src/main.rs:121:5']);
    t.keys('Enter');
    const kept = await t.waitFor('the kept filter', (s) => s[0]!.includes('  filter: yield [b]usy') && s);
    expect(sites(kept)).toEqual(['src/main.rs:121:5']);
    expect(kept[0]).toContain('2 live / 2 tasks at 2 sites'); // the header counts all sites

    // '/' and a location typed ahead in one chunk (as when pasting), then Enter.
    t.type('/:112');
    t.keys('Enter');
    const byFile = await t.waitFor('the file filter', (s) => s[0]!.includes('  filter: :112 [b]usy') && s);
    expect(sites(byFile)).toEqual(['src/main.rs:112:5']);

    // A filter that matches nothing leaves the titles and no rows.
    t.type('/nomatch');
    t.keys('Enter');
    const none = await t.waitFor('an empty result', (s) => s[0]!.includes('  filter: nomatch [b]usy') && s);
    expect(none[1]).toMatch(/^SITE\s/);
    expect(siteLines(none)).toEqual([]);

    // Esc clears the filter.
    t.keys('Escape');
    const cleared = await t.waitFor('the filter cleared', (s) => !s[0]!.includes('filter:') && s);
    expect(sites(cleared)).toEqual(['src/main.rs:112:5', 'src/main.rs:121:5']);

    await quitAndCheckRestored(t);
  });

  test('space freezes the frame while the replay goes on, and a second space resumes it', async () => {
    // churn lasts 14.5 s of program time; at speed 1 the replay is still running during the pause
    const t = start(120, 40, ['--replay', join(FIXTURES, 'churn.updates.bin'), '--speed', '1']);
    const first = await t.waitFor('a first frame', (s) => s[0]!.startsWith('awaitlens top — replay —') && siteLines(s).length > 0 && s);
    // live frames change as updates arrive
    await t.waitFor('the frame to change', (s) => s.join('\n') !== first.join('\n'));

    t.keys('Space');
    const paused = await t.waitFor('[PAUSED] in the header', (s) => s[0]!.includes('  [PAUSED]  [b]usy') && s);
    expect(paused[0]).toMatch(/^awaitlens top — replay — /);
    const frozen = paused.join('\n');
    // Updates keep arriving (the replay runs on its own clock); the screen must not move.
    const until = Date.now() + 1500;
    while (Date.now() < until) {
      expect(t.capture().join('\n')).toBe(frozen);
      await new Promise((r) => setTimeout(r, 100));
    }

    // Keys still work on the frozen data: re-sorted, same rows, still paused.
    t.keys('t');
    const resorted = await t.waitFor('sort: tasks while paused', (s) => s[0]!.includes('sort: tasks ') && s);
    expect(resorted[0]).toContain('sort: tasks  [PAUSED]  [b]usy');
    expect([...siteLines(resorted)].sort()).toEqual([...siteLines(paused)].sort());
    expect(t.capture().join('\n')).toBe(resorted.join('\n'));

    t.keys('Space');
    const resumed = await t.waitFor('the pause to end', (s) => !s[0]!.includes('[PAUSED]') && s);
    expect(resumed[0]).toContain('sort: tasks ');
    // the data moved on meanwhile: the frame changes from the frozen one
    await t.waitFor('newer data', (s) => siteLines(s).join('\n') !== siteLines(resorted).join('\n'));

    await quitAndCheckRestored(t);
  });

  test('a small terminal gets a truncated frame without wrapped lines; a resize redraws', async () => {
    const t = start(40, 10, ['--replay', join(FIXTURES, 'semaphore-starvation.updates.bin'), '--speed', 'max']);
    const small = await t.waitFor('the end of the recording', (s) => ended(s) && s);
    expect(small).toHaveLength(10);
    expect(small.slice(0, 6)).toEqual([
      'awaitlens top — end of recording — 7 li…',
      expect.stringMatching(/^SITE\s+NAME\s+LIVE\s+TOTAL\s+BU…$/),
      expect.stringMatching(/^src\/main\.… sem-w…\s+4\s+4\s+[\d.]+…$/),
      expect.stringMatching(/^src\/main\.… sem-h…\s+1\s+1\s+[\d.]+…$/),
      expect.stringMatching(/^src\/main\.… full-…\s+1\s+1\s+[\d.]+…$/),
      expect.stringMatching(/^src\/main\.… idle-…\s+1\s+1\s+[\d.]+…$/),
    ]);
    expect(small.slice(6)).toEqual(['', '', '', '']);
    expect(small.every((l) => [...l].length <= 40)).toBe(true);

    // Wider: the full locations come back without any new update.
    t.resize(120, 12);
    const wide = await t.waitFor('a redraw at 120 columns', (s) => s[0]!.endsWith('[t]asks') && s);
    expect(sites(wide)).toEqual(['src/main.rs:196:9', 'src/main.rs:189:5', 'src/main.rs:202:5', 'src/main.rs:209:5']);
    expect(siteLines(wide).map((l) => l.replace(/.*\s/, ''))).toEqual(['stuck-on-resource', '0', 'stuck-on-resource', '0']);

    // Shorter than the site list: rows cut, the rest counted on the last line.
    t.resize(40, 5);
    const short = await t.waitFor('a redraw at 5 rows', (s) => s.length === 5 && s[4] === '… 2 more sites' && s);
    expect(short[0]).toBe('awaitlens top — end of recording — 7 li…');
    expect(short.slice(2, 4).every((l) => l.startsWith('src/main.… '))).toBe(true);

    t.resize(120, 12);
    await t.waitFor('a redraw at 120 columns', (s) => s[0]!.endsWith('[t]asks'));
    await quitAndCheckRestored(t, { resized: true });
  });
});
