// Static engine throughput: bare tree-sitter parse of every file vs the full check (parse,
// macro re-parsing, index facts and all rules), measured in the same run on the same files.
import { readFileSync } from 'node:fs';
import { parse } from '../grammars/rust.js';
import { defaultConfig } from '../server/analysis/config.js';
import { discover } from '../server/workspace/discover.js';
import { Workspace } from '../server/workspace/workspace.js';
import { STATIC_RULES } from '../rules/index.js';
import { median, mib, type Section } from './util.js';

export function benchStatic(root: string, rounds = 3): Section {
  const paths = discover([root]).files;
  const texts = paths.map((p) => ({ path: p, text: readFileSync(p, 'utf8') }));
  const bytes = texts.reduce((a, t) => a + Buffer.byteLength(t.text), 0);
  const parseTimes: number[] = [];
  const checkTimes: number[] = [];
  const perRule = new Map<string, number>();
  let findings = 0;
  const engineTimes: number[] = [];
  // Interleaved, so that a slow spell of the shared machine hits all three alike.
  for (let r = 0; r < rounds; r++) {
    let t = performance.now();
    for (const f of texts) parse(f.text);
    parseTimes.push(performance.now() - t);
    global.gc?.();
    t = performance.now();
    const ws = new Workspace(defaultConfig());
    const { results } = ws.checkTexts(texts);
    checkTimes.push(performance.now() - t);
    findings = [...results.values()].reduce((a, x) => a + x.findings.length, 0);
    global.gc?.();
    t = performance.now();
    new Workspace(defaultConfig(), []).checkTexts(texts);
    engineTimes.push(performance.now() - t);
    global.gc?.();
  }
  // Cost of each rule alone on top of the shared parse + syntax + facts.
  const parsed = new Workspace(defaultConfig(), []).checkTexts(texts).files;
  for (const rule of STATIC_RULES) {
    const ws = new Workspace(defaultConfig(), [rule]);
    for (const f of parsed) ws.index.update(f.facts);
    const t = performance.now();
    for (const f of parsed) ws.check(f);
    perRule.set(rule.meta.id, performance.now() - t);
  }
  const rss = process.memoryUsage().rss;
  const parseMs = median(parseTimes);
  const checkMs = median(checkTimes);
  const rulesMs = [...perRule.values()].reduce((a, b) => a + b, 0);
  const engineMs = median(engineTimes);
  const together = checkMs - engineMs;
  return {
    title: 'Static analysis (`awaitlens check` engine)',
    rows: [
      ['files', `${texts.length}`],
      ['source size', `${mib(bytes)} MiB`],
      ['bare tree-sitter parse (baseline)', `${parseMs.toFixed(0)} ms`],
      ['full check: parse + macros + facts + all rules', `${checkMs.toFixed(0)} ms (${(checkMs / parseMs).toFixed(2)}× parse)`],
      ['lint work beyond the parse', `${(checkMs - parseMs).toFixed(0)} ms (${((checkMs - parseMs) / parseMs).toFixed(2)}× parse)`],
      ['of which the engine: parse + macro re-parse + index facts (the same check with no rules)', `${engineMs.toFixed(0)} ms (${(engineMs / parseMs).toFixed(2)}× parse)`],
      ['of which all rules together (full check − engine)', `${together.toFixed(0)} ms (${(together / parseMs).toFixed(2)}× parse)`],
      ['target: all rules together < 1.0× parse', together < parseMs ? 'met' : `**not met** (${(together / parseMs).toFixed(2)}×)`],
      ['each rule alone, summed (each pays for the lookups the rules share)', `${rulesMs.toFixed(0)} ms (${(rulesMs / parseMs).toFixed(2)}× parse)`],
      ['throughput', `${(texts.length / (checkMs / 1000)).toFixed(0)} files/s, ${(bytes / (1024 * 1024) / (checkMs / 1000)).toFixed(2)} MiB/s`],
      ['findings', `${findings}`],
      ['process RSS after the runs', `${mib(rss)} MiB`],
      ...[...perRule].sort((a, b) => b[1] - a[1]).map(([id, ms]): [string, string] => [`rule ${id}`, `${ms.toFixed(1)} ms (${(ms / parseMs).toFixed(3)}× parse)`]),
    ],
  };
}
