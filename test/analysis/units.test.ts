// The language server's fast path re-analyses only the items (units) an edit touched and keeps
// the others' findings; the members of `impl`, `trait` and inline `mod` blocks are units of their
// own. This holds it to the full check: for every rule fixture and every example crate file,
// analysing each unit on its own (a member alone; a container's header as the whole container,
// which is what an edit there re-analyses), against the full result for the rest as the fast
// path does, and merging gives exactly the full check's findings.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, test } from 'vitest';
import { STATIC_RULES } from '../../rules/index.js';
import { defaultConfig } from '../../server/analysis/config.js';
import { checkUnitByUnit, stateOf } from '../../server/analysis/incremental.js';
import { parse } from '../../grammars/rust.js';
import { alignUnits, changedUnits, splitUnits, unitTexts } from '../../server/analysis/units.js';
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

/** Member units (inside a container) the comparisons went through: the split must be exercised. */
let memberUnits = 0;

function compare(name: string, ws: Workspace, texts: Array<{ path: string; text: string }>): Finding[] {
  const { files, results } = ws.checkTexts(texts);
  const mismatches: string[] = [];
  const all: Finding[] = [];
  for (const file of files) {
    memberUnits += splitUnits(file.tree.rootNode, file.text.length).filter((u) => u.depth > 0 && !u.header).length;
    const full = results.get(file.path)!;
    all.push(...full.findings);
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
  return all;
}

const NESTED = `use std::sync::Mutex;

async fn tick() {}

/// Outer module.
mod outer {
    use super::tick;

    pub struct Worker {
        state: std::sync::Mutex<u32>,
    }

    impl Worker {
        #[allow(dead_code)]
        async fn step(&self) {
            tick();
            std::thread::sleep(std::time::Duration::from_millis(5));
        }

        // A sync method between async ones.
        fn peek(&self) -> u32 {
            *self.state.lock().unwrap()
        }

        async fn hold(&self) {
            let g = self.state.lock().unwrap();
            tick().await;
            drop(g);
        }
    }

    mod inner {
        pub trait Job {
            fn name(&self) -> &str;
            async fn run(&self) {
                super::super::tick();
            }
        }
        macro_rules! noop { () => {}; }
    }
}

async fn top(m: &Mutex<u32>) {
    let g = m.lock().unwrap();
    tick().await;
    drop(g);
}
`;

describe('units', () => {
  it('splits impl, trait and mod blocks into their members, recursively', () => {
    const units = splitUnits(parse(NESTED).rootNode, NESTED.length);
    const shown = units.map((u) => `${u.depth}${u.header ? ` ${u.header.part} ${u.header.group.first}-${u.header.group.last}` : ''}: ${JSON.stringify(NESTED.slice(u.start, u.end).trim().split('\n')[0])}`);
    expect(shown).toEqual([
      '0: "use std::sync::Mutex;"',
      '0: "async fn tick() {}"',
      '1 open 2-17: "/// Outer module."',
      '1: "use super::tick;"',
      '1: "pub struct Worker {"',
      '2 open 5-9: "impl Worker {"',
      '2: "#[allow(dead_code)]"',
      '2: "// A sync method between async ones."',
      '2: "async fn hold(&self) {"',
      '2 close 5-9: "}"',
      '2 open 10-16: "mod inner {"',
      '3 open 11-14: "pub trait Job {"',
      '3: "fn name(&self) -> &str;"',
      '3: "async fn run(&self) {"',
      '3 close 11-14: "}"',
      '2: "macro_rules! noop { () => {}; }"',
      '2 close 10-16: "}"',
      '1 close 2-17: "}"',
      '0: "async fn top(m: &Mutex<u32>) {"',
    ]);
    // A partition of the text.
    expect(units[0]!.start).toBe(0);
    for (let i = 1; i < units.length; i++) expect(units[i]!.start).toBe(units[i - 1]!.end);
    expect(units[units.length - 1]!.end).toBe(NESTED.length);
  });

  it('re-analyses an edited member alone, and a whole container when its header changed', () => {
    const changed = (edited: string) => {
      const before = unitTexts(splitUnits(parse(NESTED).rootNode, NESTED.length), NESTED);
      const after = unitTexts(splitUnits(parse(edited).rootNode, edited.length), edited);
      return changedUnits(alignUnits(before, after)).map((i) => after[i]!.text.trim().split('\n')[0]);
    };
    expect(changed(NESTED.replace('tick().await;\n            drop(g);', 'tick().await;\n            drop(g);\n            tick().await;'))).toEqual(['async fn hold(&self) {']);
    expect(changed(NESTED.replace('impl Worker {', 'impl  Worker {'))).toEqual([
      'impl  Worker {', '#[allow(dead_code)]', '// A sync method between async ones.', 'async fn hold(&self) {', '}',
    ]);
    // The inner module's `}` removed: the outer module (which now holds what followed) changed as a whole.
    const broken = NESTED.replace('        macro_rules! noop { () => {}; }\n    }\n', '        macro_rules! noop { () => {}; }\n');
    expect(changed(broken)[0]).toBe('/// Outer module.');
  });

  it('gives the full check\'s findings for nested items', () => {
    const ws = new Workspace(defaultConfig(), STATIC_RULES);
    const findings = compare('nested', ws, [{ path: 'src/lib.rs', text: NESTED }]);
    // Findings inside members at every depth (not an empty comparison).
    expect(new Set(findings.map((f) => f.rule)).size).toBeGreaterThan(1);
    expect(findings.some((f) => f.span.start.offset > NESTED.indexOf('trait Job'))).toBe(true);
  });
});

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
  test('the fixtures and examples hold members of impl, trait and mod blocks', () => {
    expect(memberUnits).toBeGreaterThan(100);
  });
});
