// Child process for the memory benchmarks (run by bench/lsp.ts and bench/live.ts through
// `runChild`): each scenario starts from a fresh heap and prints one JSON line with its samples.
import { pathToFileURL } from 'node:url';
import { parse } from '../grammars/rust.js';
import { ConsoleModel, decodeUpdate } from '../server/live/index.js';
import { tasksSnapshot } from './console-data.js';
import { schema } from '../server/live/wire.js';
import { keystrokes } from './edits.js';
import { largeFile } from './generate.js';
import { startBenchClient } from './lsp-client.js';
import { settledSample, type MemSample } from './memory.js';

export interface EditsMemory {
  lines: number;
  edits: number;
  ms: number;
  before: MemSample;
  /** Every `every` edits: RSS as it is (no forced gc), then everything after gc. */
  samples: Array<{ edits: number; rssNoGc: number; settled: MemSample }>;
}

export interface IndexMemory {
  files: number;
  ms: number;
  before: MemSample;
  peakRss: number;
  afterNoGc: number;
  after: MemSample;
}

export interface TasksMemory {
  tasks: number;
  before: MemSample;
  after: MemSample;
}

async function lspEdits(lines: number, edits: number, every: number): Promise<EditsMemory> {
  const text = largeFile(lines);
  const script = keystrokes(text, Math.min(edits, 400));
  parse('fn warm() {}');
  const c = await startBenchClient(undefined);
  await c.server.ready;
  const uri = pathToFileURL('/bench/memory.rs').href;
  let version = 1;
  const opened = c.published(uri, version);
  await c.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'rust', version, text } });
  await opened;
  const before = await settledSample();
  const samples: EditsMemory['samples'] = [];
  const t0 = performance.now();
  for (let i = 0; i < edits; i++) {
    const k = script[i % script.length]!;
    version++;
    const done = c.published(uri, version);
    await c.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ range: k.range, text: k.text }] });
    await done;
    if ((i + 1) % every === 0) {
      const rssNoGc = process.memoryUsage().rss;
      samples.push({ edits: i + 1, rssNoGc, settled: await settledSample() });
    }
  }
  const ms = performance.now() - t0;
  c.close();
  return { lines, edits, ms, before, samples };
}

async function lspIndex(root: string): Promise<IndexMemory> {
  parse('fn warm() {}');
  const before = await settledSample();
  let peakRss = before.rss;
  const timer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  const t0 = performance.now();
  const c = await startBenchClient(root);
  await c.server.ready;
  // The progress began before `ready` resolved; wait for its end, then for the run itself.
  await Promise.race([c.progressEnded(), c.server.indexer.idle]);
  const summary = await c.server.indexer.idle;
  const ms = performance.now() - t0;
  clearInterval(timer);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  const afterNoGc = process.memoryUsage().rss;
  const after = await settledSample();
  c.close();
  return { files: summary.files, ms, before, peakRss, afterNoGc, after };
}

async function liveTasks(n: number): Promise<TasksMemory> {
  schema();
  const model = new ConsoleModel();
  const before = await settledSample();
  {
    const bytes = tasksSnapshot(n);
    model.apply(decodeUpdate(bytes));
  }
  const after = await settledSample();
  if (model.sizes.tasks !== n) throw new Error(`expected ${n} live tasks, model holds ${model.sizes.tasks}`);
  // Keep the model reachable until after the sample.
  (globalThis as { keep?: unknown }).keep = model;
  return { tasks: n, before, after };
}

async function main(): Promise<void> {
  const [scenario, ...args] = process.argv.slice(2);
  let result: unknown;
  if (scenario === 'lsp-edits') result = await lspEdits(Number(args[0]), Number(args[1]), Number(args[2]));
  else if (scenario === 'lsp-index') result = await lspIndex(args[0]!);
  else if (scenario === 'live-tasks') result = await liveTasks(Number(args[0]));
  else throw new Error(`unknown scenario ${scenario}`);
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(0);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
