// Developer tool: run some or all rules over a tree of real code and print every finding with its
// source line, plus per-rule counts — the false-positive review loop for rule authors.
//   npm run build && node dist/server/tools/scan.js DIR [--rules id,id] [--quiet]
import { relative } from 'node:path';
import { STATIC_RULES } from '../../rules/index.js';
import { defaultConfig } from '../analysis/config.js';
import { Workspace } from '../workspace/workspace.js';

const args = process.argv.slice(2);
const roots = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--rules');
const ruleArg = args[args.indexOf('--rules') + 1];
const only = args.includes('--rules') && ruleArg ? new Set(ruleArg.split(',')) : undefined;
const quiet = args.includes('--quiet');
const rules = STATIC_RULES.filter((r) => !only || only.has(r.meta.id));
const ws = new Workspace(defaultConfig(), rules);
const t0 = performance.now();
const { files, results, skipped } = ws.checkPaths(roots);
const counts = new Map<string, number>();
for (const f of files) {
  const res = results.get(f.path)!;
  for (const fail of res.failures) console.log(`RULE FAILURE ${fail.rule} on ${f.path}: ${fail.error.stack}`);
  for (const d of res.findings) {
    counts.set(d.rule, (counts.get(d.rule) ?? 0) + 1);
    if (quiet) continue;
    console.log(`${relative(process.cwd(), d.file)}:${d.span.start.line + 1}:${d.span.start.character + 1} ${d.rule}: ${d.message}`);
    console.log(`    ${f.lines.lineText(d.span.start.line).trim()}`);
  }
}
for (const s of skipped) console.log(`skipped ${s.path}: ${s.reason}`);
console.log(`\n${files.length} files in ${(performance.now() - t0).toFixed(0)} ms`);
for (const r of rules) console.log(`${r.meta.id}: ${counts.get(r.meta.id) ?? 0}`);
