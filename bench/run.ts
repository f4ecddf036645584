// `npm run bench`: every benchmark, written into BENCHMARKS.md between the generated markers
// (the hand-written parts of that file are kept). Ratios are against baselines measured in the
// same run, because absolute times on shared machines mean little.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromRoot } from '../server/paths.js';
import { generateWorkspace } from './generate.js';
import { benchStatic } from './static.js';
import { renderSection, type Section } from './util.js';

const START = '<!-- bench:start -->';
const END = '<!-- bench:end -->';

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const want = (name: string) => only.length === 0 || only.includes(name);
  const sections: Section[] = [];
  // The static benchmark runs last: it leaves a large heap behind, and every later latency
  // measurement in this process would pay for collecting it.
  for (const extra of ['lsp', 'live', 'live-hover', 'live-top']) {
    if (!want(extra)) continue;
    const mod = fromRoot('dist', 'bench', `${extra}.js`);
    if (!existsSync(mod)) continue;
    const { bench } = (await import(mod)) as { bench: () => Promise<Section[]> };
    sections.push(...(await bench()));
  }
  if (want('static')) {
    const dir = join(tmpdir(), 'awaitlens-bench-ws');
    generateWorkspace(dir, Number(process.env.BENCH_FILES ?? 1500));
    sections.unshift(benchStatic(dir));
  }
  const header = `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length}× ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}.`;
  const body = [START, '', header, '', ...sections.map(renderSection).flatMap((s) => [s, '']), END].join('\n');
  const path = fromRoot('BENCHMARKS.md');
  const old = existsSync(path) ? readFileSync(path, 'utf8') : `# Benchmarks\n\n${START}\n${END}\n`;
  const next = old.includes(START) && old.includes(END) ? old.slice(0, old.indexOf(START)) + body + old.slice(old.indexOf(END) + END.length) : `${old}\n${body}\n`;
  writeFileSync(path, next);
  for (const s of sections) console.log(renderSection(s) + '\n');
}

await main();
