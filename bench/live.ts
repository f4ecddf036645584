// Live runtime benchmarks: applying console Updates to the model, divided by decoding the same
// bytes (our typed decoder and raw protobufjs), measured in this run. CPU time comes from
// process.cpuUsage (user + system), so time spent descheduled on a busy machine is not counted.
import { existsSync } from 'node:fs';
import { ConsoleModel, decodeUpdate, readRecording } from '../server/live/index.js';
import { schema } from '../server/live/wire.js';
import { fromRoot } from '../server/paths.js';
import { tasksSnapshot, tasksStatsUpdate } from './console-data.js';
import { runChild, settle } from './memory.js';
import type { TasksMemory } from './rss-child.js';
import { median, mib, type Section } from './util.js';

const TASKS = 10_000;
const RETAINED = 50_000;
const ROUNDS = Number(process.env.BENCH_LIVE_ROUNDS ?? 9);

/** CPU ms of `fn`, after a gc so garbage from the previous step is not billed to this one. */
function cpuMs(fn: () => void): number {
  global.gc?.();
  const c = process.cpuUsage();
  fn();
  const d = process.cpuUsage(c);
  return (d.user + d.system) / 1000;
}

const f = (x: number) => `${x.toFixed(x >= 100 ? 0 : 2)} ms`;

async function applyVsDecode(): Promise<Section> {
  const snapshot = tasksSnapshot(TASKS);
  const update = tasksStatsUpdate(TASKS);
  const type = schema().update;
  const raw: number[] = [];
  const decode: number[] = [];
  const apply: number[] = [];
  let updated = 0;
  for (let r = 0; r < ROUNDS + 2; r++) {
    const tRaw = cpuMs(() => void type.decode(update));
    const tDec = cpuMs(() => void decodeUpdate(update));
    const model = new ConsoleModel();
    model.apply(decodeUpdate(snapshot));
    const decoded = decodeUpdate(update);
    const tApply = cpuMs(() => void (updated = model.apply(decoded).updatedTasks.length));
    if (r < 2) continue; // warm-up rounds
    raw.push(tRaw);
    decode.push(tDec);
    apply.push(tApply);
  }
  if (updated !== TASKS) throw new Error(`expected stats for ${TASKS} tasks to apply, got ${updated}`);
  const mRaw = median(raw);
  const mDec = median(decode);
  const mApply = median(apply);
  const x = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
  return {
    title: `Live runtime: one Update with stats for ${TASKS.toLocaleString('en')} tasks (CPU time, median of ${ROUNDS})`,
    rows: [
      ['Update size', `${(update.length / 1024).toFixed(0)} KiB (snapshot before it: ${(snapshot.length / 1024).toFixed(0)} KiB)`],
      ['raw protobufjs `Type.decode` (baseline)', f(mRaw)],
      ['`decodeUpdate` (protobufjs decode + conversion to Wire types)', `${f(mDec)} (${x(mDec, mRaw)} raw)`],
      ['`ConsoleModel.apply` alone', `${f(mApply)} (${x(mApply, mDec)} decodeUpdate, ${x(mApply, mRaw)} raw decode)`],
      ['decodeUpdate + apply', `${f(mDec + mApply)} (${x(mDec + mApply, mDec)} decodeUpdate, ${x(mDec + mApply, mRaw)} raw decode)`],
      ['target: decoding + applying < 2× the raw protobuf decode', mDec + mApply < 2 * mRaw ? `met (${x(mDec + mApply, mRaw)})` : `**not met** (${x(mDec + mApply, mRaw)})`],
    ],
  };
}

async function retained(): Promise<Section> {
  const m = await runChild<TasksMemory>('live-tasks', [String(RETAINED)]);
  const d = (a: number, b: number) => `${mib(a)} MiB (+${mib(a - b)})`;
  return {
    title: `Live runtime: memory with ${RETAINED.toLocaleString('en')} live tasks in the model (fresh process)`,
    rows: [
      ['before: RSS / heap (after gc)', `${mib(m.before.rss)} / ${mib(m.before.heapUsed)} MiB`],
      ['after: RSS (after gc)', d(m.after.rss, m.before.rss)],
      ['after: heap used (after gc)', d(m.after.heapUsed, m.before.heapUsed)],
      ['heap per retained task', `${((m.after.heapUsed - m.before.heapUsed) / m.tasks).toFixed(0)} bytes`],
    ],
  };
}

async function churn(): Promise<Section> {
  const path = fromRoot('..', 'shared', 'fixtures', 'console', 'churn.updates.bin');
  const title = 'Live runtime: captured `churn.updates.bin` replay';
  if (!existsSync(path)) return { title, rows: [['fixture', `not found at ${path}; skipped`]] };
  const frames = readRecording(path);
  const bytes = frames.reduce((a, fr) => a + fr.length, 0);
  const type = schema().update;
  const raw: number[] = [];
  const dec: number[] = [];
  const both: number[] = [];
  let tasks = 0;
  for (let r = 0; r < 7; r++) {
    raw.push(cpuMs(() => frames.forEach((fr) => type.decode(fr))));
    dec.push(cpuMs(() => frames.forEach((fr) => decodeUpdate(fr))));
    const model = new ConsoleModel();
    both.push(cpuMs(() => frames.forEach((fr) => model.apply(decodeUpdate(fr)))));
    tasks = model.sizes.tasks;
  }
  const rate = (t: number) => `${Math.round(frames.length / (t / 1000)).toLocaleString('en')} updates/s, ${(bytes / 1024 / 1024 / (t / 1000)).toFixed(1)} MiB/s`;
  const [mRaw, mDec, mBoth] = [median(raw.slice(2)), median(dec.slice(2)), median(both.slice(2))];
  return {
    title,
    rows: [
      ['stream', `${frames.length} Updates, ${(bytes / 1024).toFixed(0)} KiB (${tasks} tasks retained at the end)`],
      ['raw protobufjs decode (baseline)', `${f(mRaw)}: ${rate(mRaw)}`],
      ['decodeUpdate', `${f(mDec)}: ${rate(mDec)} (${(mDec / mRaw).toFixed(2)}× raw)`],
      ['decodeUpdate + apply', `${f(mBoth)}: ${rate(mBoth)} (${(mBoth / mRaw).toFixed(2)}× raw, ${(mBoth / mDec).toFixed(2)}× decodeUpdate)`],
    ],
    notes: 'CPU time of the whole stream, median of 5 after 2 warm-up passes; the model starts empty each pass.',
  };
}

export async function bench(): Promise<Section[]> {
  await settle();
  return [await applyVsDecode(), await retained(), await churn()];
}
