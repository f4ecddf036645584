// Editor benchmarks: the real server, in-process, behind real JSON-RPC framing. Latencies are
// divided by the bare tree-sitter work on the same text and the same edits, measured in this
// run; memory comes from fresh child processes (bench/rss-child.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from '../grammars/rust.js';
import { bareReparseTimes, keystrokes } from './edits.js';
import { generateWorkspace, largeFile } from './generate.js';
import { startBenchClient } from './lsp-client.js';
import { runChild, settle } from './memory.js';
import type { EditsMemory, IndexMemory } from './rss-child.js';
import { median, mib, percentile, type Section } from './util.js';

const LINES = 5000;
const OPEN_RUNS = Number(process.env.BENCH_LSP_OPENS ?? 5);
const EDITS = Number(process.env.BENCH_LSP_EDITS ?? 200);
/** An even count: keystrokes come in type/delete pairs, so the text is the original again after them. */
const WARMUP_EDITS = 100;
const MEM_EDITS = Number(process.env.BENCH_LSP_MEM_EDITS ?? 10_000);
const MEM_LINES = Number(process.env.BENCH_LSP_MEM_LINES ?? 60);
const INDEX_FILES = Number(process.env.BENCH_LSP_INDEX_FILES ?? 1500);
/** Keystrokes that each arrive while the full check of the previous one is running. */
const PAUSED_EDITS = Number(process.env.BENCH_LSP_PAUSED_EDITS ?? 40);

const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(2)) + ' ms';
const ratio = (a: number, b: number) => `${(a / b).toFixed(1)}×`;

async function latency(): Promise<Section> {
  const text = largeFile(LINES);
  const script = keystrokes(text, EDITS);
  // Baselines first, on the same text and the same keystrokes.
  parse(text);
  const parseTimes: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t = performance.now();
    parse(text);
    parseTimes.push(performance.now() - t);
  }
  const fullParse = median(parseTimes);
  bareReparseTimes(text, script.slice(0, 20));
  const reparse = bareReparseTimes(text, script);
  await settle();

  const c = await startBenchClient(undefined);
  await c.server.ready;
  const openTimes: number[] = [];
  let findings = 0;
  // One warm-up open (JIT, query compilation), then the measured ones; each a new document.
  for (let r = 0; r <= OPEN_RUNS; r++) {
    const uri = pathToFileURL(`/bench/open-${r}.rs`).href;
    const done = c.published(uri, 1);
    const t = performance.now();
    await c.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'rust', version: 1, text } });
    findings = (await done).diagnostics.length;
    if (r > 0) openTimes.push(performance.now() - t);
    await c.conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
    await settle();
  }
  const uri = pathToFileURL('/bench/typing.rs').href;
  let version = 1;
  const opened = c.published(uri, version);
  await c.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'rust', version, text } });
  await opened;
  // Warm-up keystrokes (not measured), as the bare re-parse baseline is warmed up: the first
  // edits of a session pay for compiling the fast path, not for the analysis.
  for (const k of script.slice(0, WARMUP_EDITS)) {
    version++;
    const done = c.published(uri, version);
    await c.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ range: k.range, text: k.text }] });
    await done;
  }
  await settle();
  const editTimes: number[] = [];
  const t0 = performance.now();
  for (const k of script) {
    version++;
    const done = c.published(uri, version);
    const t = performance.now();
    await c.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ range: k.range, text: k.text }] });
    await done;
    editTimes.push(performance.now() - t);
  }
  const editWall = performance.now() - t0;

  // Typing with pauses: the full check (whole file, `awaitlens check`'s result) starts as soon as
  // the fast result is out, and the next keystroke lands part way through it, at offsets spread
  // over its length (taken as the didOpen time, which is a full check).
  await c.conn.sendNotification('workspace/didChangeConfiguration', { settings: { awaitlens: { fullCheckDelayMs: 0 } } });
  await settle();
  const pausedTimes: number[] = [];
  const paused = script.slice(0, PAUSED_EDITS + 1);
  for (const [i, k] of paused.entries()) {
    version++;
    const done = c.published(uri, version);
    const t = performance.now();
    await c.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ range: k.range, text: k.text }] });
    await done;
    if (i > 0) pausedTimes.push(performance.now() - t);
    await new Promise((r) => setTimeout(r, ((i % 10) + 0.5) / 10 * median(openTimes)));
  }
  c.close();

  const open = median(openTimes);
  const p50 = percentile(editTimes, 50);
  const p99 = percentile(editTimes, 99);
  const r50 = percentile(reparse, 50);
  const r99 = percentile(reparse, 99);
  const met = p99 < 5 * r99 && p99 < 20;
  return {
    title: `Language server latency (${LINES}-line file, in-process over JSON-RPC)`,
    rows: [
      ['file', `${text.split('\n').length - 1} lines, ${(text.length / 1024).toFixed(0)} KiB, ${findings} diagnostics`],
      ['bare full parse (baseline)', ms(fullParse)],
      [`didOpen → publishDiagnostics (median of ${OPEN_RUNS})`, `${ms(open)} (${ratio(open, fullParse)} full parse)`],
      [`bare re-parse per keystroke (baseline), p50 / p99 of ${script.length}`, `${ms(r50)} / ${ms(r99)}`],
      [`didChange → publishDiagnostics p50 (${script.length} keystrokes)`, `${ms(p50)} (${ratio(p50, r50)} re-parse p50)`],
      ['didChange → publishDiagnostics p99', `${ms(p99)} (${ratio(p99, r99)} re-parse p99)`],
      ['didChange → publishDiagnostics max', ms(Math.max(...editTimes))],
      ['target: p99 < 5× re-parse and < 20 ms', met ? 'met' : `**not met** (p99 is ${ratio(p99, r99)} the re-parse and ${ms(p99)})`],
      ['keystrokes run', `${script.length} in ${(editWall / 1000).toFixed(1)} s`],
      [`keystroke while the full check of the last one runs: p50 / max (${pausedTimes.length} keystrokes)`, `${ms(percentile(pausedTimes, 50))} / ${ms(Math.max(...pausedTimes))} (the full check takes about ${ms(median(openTimes))})`],
    ],
    notes:
      'Each keystroke types `x` at the end of an identifier inside a fn body (positions spread over the file), the next one deletes it. ' +
      `${WARMUP_EDITS} warm-up keystrokes of the same script run first and are not measured (the re-parse baseline is warmed up likewise). ` +
      'The next keystroke is sent only after the diagnostics for the previous version arrived, so nothing is coalesced. ' +
      'In the last row the full check (no delay) follows each keystroke and the next keystroke arrives part way through it: the full check runs in slices of a few milliseconds and is dropped when the document changes, so the keystroke waits for one slice, not for the whole check.',
  };
}

async function memory(): Promise<Section> {
  const edits = await runChild<EditsMemory>('lsp-edits', [String(MEM_LINES), String(MEM_EDITS), String(Math.max(1, Math.floor(MEM_EDITS / 10)))]);
  const dir = mkdtempSync(join(tmpdir(), 'awaitlens-bench-lsp-'));
  let index: IndexMemory;
  try {
    generateWorkspace(dir, INDEX_FILES);
    index = await runChild<IndexMemory>('lsp-index', [dir]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const b = edits.before;
  const last = edits.samples[edits.samples.length - 1]!;
  const first = edits.samples[0]!;
  const settledRss = edits.samples.map((s) => s.settled.rss);
  const noGc = edits.samples.map((s) => s.rssNoGc);
  const growthPerK = (last.settled.rss - first.settled.rss) / ((last.edits - first.edits) / 1000 || 1);
  return {
    title: 'Language server memory (fresh process per scenario)',
    rows: [
      [`edits: document`, `${edits.lines} lines; ${edits.edits} keystrokes, each analysed and published (${(edits.ms / 1000).toFixed(1)} s)`],
      ['edits: before (after gc) RSS / heap', `${mib(b.rss)} / ${mib(b.heapUsed)} MiB`],
      ...edits.samples.map((s): [string, string] => [
        `edits: after ${s.edits}`,
        `RSS ${mib(s.rssNoGc)} MiB without gc; after gc RSS ${mib(s.settled.rss)} MiB, heap ${mib(s.settled.heapUsed)} MiB`,
      ]),
      ['edits: RSS after gc, min–max over the samples', `${mib(Math.min(...settledRss))}–${mib(Math.max(...settledRss))} MiB (${(growthPerK / 1024).toFixed(0)} KiB per 1,000 edits from first to last sample)`],
      ['edits: RSS without forced gc, min–max', `${mib(Math.min(...noGc))}–${mib(Math.max(...noGc))} MiB`],
      ['indexing: workspace', `${index.files} files in ${(index.ms / 1000).toFixed(1)} s (initialize → indexing done)`],
      ['indexing: before RSS / heap (after gc)', `${mib(index.before.rss)} / ${mib(index.before.heapUsed)} MiB`],
      ['indexing: peak RSS (sampled every 100 ms)', `${mib(index.peakRss)} MiB (+${mib(index.peakRss - index.before.rss)})`],
      ['indexing: after, RSS without gc', `${mib(index.afterNoGc)} MiB`],
      ['indexing: after gc RSS / heap', `${mib(index.after.rss)} MiB (+${mib(index.after.rss - index.before.rss)}) / ${mib(index.after.heapUsed)} MiB (+${mib(index.after.heapUsed - index.before.heapUsed)})`],
    ],
  };
}

export async function bench(): Promise<Section[]> {
  await settle();
  return [await latency(), await memory()];
}
