// The language server's fast path re-analyses only the top-level items (units) an edit touched
// and keeps the others' findings. This holds it to the full check: for every rule fixture and
// every example crate file, analysing each unit on its own (against the full result for the
// rest, as the fast path does) and merging gives exactly the full check's findings.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { STATIC_RULES } from '../../rules/index.js';
import { defaultConfig } from '../../server/analysis/config.js';
import { checkUnitByUnit, stateOf } from '../../server/analysis/incremental.js';
import type { Finding } from '../../server/analysis/types.js';
import { Workspace } from '../../server/workspace/workspace.js';

/**
 * Findings the unit-scoped analysis cannot reproduce, because they depend on another unit's
 * text in a way no whole-file lookup covers (see docs/lsp.md, "Fast and full checks").
 * `file:line rule` of findings the full check has and the unit-scoped one does not (or vice versa).
 */
const CROSS_UNIT: Record<string, string[]> = {};

function fixtureSets(): Array<{ name: string; files: string[] }> {
  const out: Array<{ name: string; files: string[] }> = [];
  for (const rule of STATIC_RULES) {
    const dir = join('rules', rule.meta.id, 'fixtures');
    if (!existsSync(dir)) continue;
    for (const n of readdirSync(dir).sort()) {
      const p = join(dir, n);
      if (statSync(p).isDirectory()) out.push({ name: p, files: readdirSync(p).filter((f) => f.endsWith('.rs')).sort().map((f) => join(p, f)) });
      else if (n.endsWith('.rs') && !n.endsWith('.fixed.rs')) out.push({ name: p, files: [p] });
    }
  }
  return out;
}

const render = (f: Finding) => JSON.stringify(f);
const brief = (f: Finding) => `${f.file}:${f.span.start.line + 1} ${f.rule}`;

function compare(name: string, ws: Workspace, texts: Array<{ path: string; text: string }>): void {
  const { files, results } = ws.checkTexts(texts);
  const mismatches: string[] = [];
  for (const file of files) {
    const full = results.get(file.path)!;
    const state = stateOf(file, full.findings);
    const unitWise = checkUnitByUnit(state, {
      path: file.path, text: file.text, tree: file.tree, lines: file.lines,
      index: ws.index, knowledge: ws.knowledge, rules: ws.rules, config: ws.config,
    });
    expect(unitWise.failures.map((f) => `${f.rule}: ${f.error.stack}`)).toEqual([]);
    const want = new Set(full.findings.map(render));
    const got = new Set(unitWise.findings.map(render));
    for (const f of full.findings) if (!got.has(render(f))) mismatches.push(`missing ${brief(f)}`);
    for (const f of unitWise.findings) if (!want.has(render(f))) mismatches.push(`extra ${brief(f)}`);
    if (mismatches.length === 0) expect(unitWise.findings.map(render)).toEqual(full.findings.map(render));
  }
  expect(mismatches).toEqual(CROSS_UNIT[name] ?? []);
}

describe('unit-scoped analysis equals the full check', () => {
  for (const set of fixtureSets()) {
    test(set.name, () => {
      const ws = new Workspace(defaultConfig(), STATIC_RULES);
      compare(set.name, ws, set.files.map((path) => ({ path, text: readFileSync(path, 'utf8') })));
    });
  }
  const crates = ['examples/stuck-server', 'examples/clean', ...readdirSync('examples/stories').filter((d) => existsSync(join('examples/stories', d, 'Cargo.toml'))).map((d) => `examples/stories/${d}`)];
  for (const crate of crates) {
    test(crate, () => {
      const ws = new Workspace(defaultConfig(), STATIC_RULES);
      const batch = ws.checkPaths([crate]);
      const texts = batch.files.map((f) => ({ path: f.path, text: f.text }));
      compare(crate, new Workspace(defaultConfig(), STATIC_RULES), texts);
    });
  }
});
