// The rule scaffolder (server/tools/new-rule.ts), run against a scratch copy of rules/: the files
// it writes, the registry edit, the ids and arguments it refuses, and that a fresh scaffold
// compiles, loads and reports nothing yet — the state in which the meta and fixture tests fail
// on purpose. The real rules/ folder is never written to.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, parse, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { grammarNodeTypes } from '../grammars/rust.js';
import { defaultConfig } from '../server/analysis/config.js';
import type { StaticRule } from '../server/analysis/rule.js';
import { Workspace } from '../server/workspace/workspace.js';
import { addToRegistry, idProblem, importName, NewRuleError, parseArgs, scaffoldRule } from '../server/tools/new-rule.js';

const ROOT = resolve(__dirname, '..');
const REAL_RULES = join(ROOT, 'rules');

let scratch: string;
let rules: string;
let realIndexBefore: string;
let realLiveIndexBefore: string;

beforeEach(() => {
  realIndexBefore = readFileSync(join(REAL_RULES, 'index.ts'), 'utf8');
  realLiveIndexBefore = readFileSync(join(REAL_RULES, 'live-index.ts'), 'utf8');
  scratch = mkdtempSync(join(tmpdir(), 'awaitlens-new-rule-'));
  rules = join(scratch, 'rules');
  cpSync(REAL_RULES, rules, { recursive: true });
  // The scaffold imports `../../server/...`: the scratch tree sees the real sources through links.
  for (const dir of ['server', 'grammars', 'node_modules']) symlinkSync(join(ROOT, dir), join(scratch, dir), 'dir');
});

afterEach(() => {
  rmSync(scratch, { recursive: true, force: true });
  expect(readFileSync(join(REAL_RULES, 'index.ts'), 'utf8'), 'the real registry is untouched').toBe(realIndexBefore);
  expect(readFileSync(join(REAL_RULES, 'live-index.ts'), 'utf8'), 'the real live registry is untouched').toBe(realLiveIndexBefore);
  expect(existsSync(join(REAL_RULES, 'await-in-drop')), 'no folder in the real rules/').toBe(false);
  expect(existsSync(join(REAL_RULES, 'poll-budget')), 'no folder in the real rules/').toBe(false);
});

describe('static rule', () => {
  test('writes rule.ts and both fixtures, and registers the rule', () => {
    const before = readFileSync(join(rules, 'index.ts'), 'utf8');
    const res = scaffoldRule(rules, { id: 'await-in-drop', category: 'correctness', severity: 'warning', live: false });
    expect(res.created.map((p) => p.slice(rules.length + 1)).sort()).toEqual(['await-in-drop/fixtures/fires.rs', 'await-in-drop/fixtures/quiet.rs', 'await-in-drop/rule.ts']);
    expect(res.registry).toBe(join(rules, 'index.ts'));

    const rule = readFileSync(join(rules, 'await-in-drop/rule.ts'), 'utf8');
    expect(rule).toContain("id: 'await-in-drop',");
    expect(rule).toContain("kind: 'static',");
    expect(rule).toContain("category: 'correctness',");
    expect(rule).toContain("defaultSeverity: 'warning',");
    for (const field of ['summary', 'whatItFinds', 'whyBad', 'example', 'useInstead', 'notes']) expect(rule).toMatch(new RegExp(`${field}: 'TODO: `));
    expect(rule).toContain("nodeTypes: ['call_expression'],");

    expect(readFileSync(join(rules, 'await-in-drop/fixtures/fires.rs'), 'utf8')).toContain('    todo_call(); //~ await-in-drop\n');
    expect(readFileSync(join(rules, 'await-in-drop/fixtures/quiet.rs'), 'utf8')).not.toContain('//~');

    // The registry gains exactly two lines: the import after the last rule import, the entry last.
    const after = readFileSync(join(rules, 'index.ts'), 'utf8').split('\n');
    const old = before.split('\n');
    expect(after.length).toBe(old.length + 2);
    const imp = after.indexOf("import awaitInDrop from './await-in-drop/rule.js';");
    expect(imp).toBeGreaterThan(0);
    expect(after[imp - 1]).toMatch(/^import \w+ from '\.\/[a-z-]+\/rule\.js';$/);
    expect(after[imp + 1]).not.toMatch(/^import \w+ from '\.\/[a-z-]+\/rule\.js';$/);
    const entry = after.indexOf('  awaitInDrop,');
    expect(after[entry + 1]).toBe('];');
    expect(after.indexOf('export const STATIC_RULES: readonly StaticRule[] = [')).toBeLessThan(entry);
    expect(after.filter((_l, i) => i !== imp && i !== entry)).toEqual(old);
    expect(res.nextSteps.join('\n')).toContain('UPDATE_FIXTURES=1 npx vitest run test/rules.test.ts -t await-in-drop');
  });

  test('the scaffold loads, names real node types, and reports nothing yet', async () => {
    scaffoldRule(rules, { id: 'await-in-drop', category: 'suspicious', severity: 'hint', live: false });
    const rule = ((await import(join(rules, 'await-in-drop/rule.ts'))) as { default: StaticRule }).default;
    expect(rule.meta).toMatchObject({ id: 'await-in-drop', kind: 'static', category: 'suspicious', defaultSeverity: 'hint', fixable: false });
    const known = grammarNodeTypes();
    expect(rule.nodeTypes.filter((t) => !known.has(t))).toEqual([]);
    // What the fixture test will then see: a marked line and no finding, so it fails until written.
    const path = join(rules, 'await-in-drop/fixtures/fires.rs');
    const res = new Workspace(defaultConfig(), [rule]).checkTexts([{ path, text: readFileSync(path, 'utf8') }]).results.get(path)!;
    expect(res.failures).toEqual([]);
    expect(res.findings).toEqual([]);
    // What the meta test calls unwritten.
    const unwritten = (s: string | undefined) => s === undefined || s.trim() === '' || /^TODO\b/i.test(s.trim());
    expect([rule.meta.summary, ...Object.values(rule.meta.docs)].every(unwritten)).toBe(true);
  });

  test('the scaffold type-checks under the project settings', () => {
    scaffoldRule(rules, { id: 'await-in-drop', category: 'correctness', severity: 'error', live: false });
    scaffoldRule(rules, { id: 'poll-budget', category: 'performance', severity: 'info', live: true });
    const base = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8')) as { compilerOptions: Record<string, unknown> };
    // Links are kept as written so the scratch tree is one root; node_modules is linked too.
    const config = {
      compilerOptions: { ...base.compilerOptions, noEmit: true, preserveSymlinks: true, rootDir: parse(scratch).root, typeRoots: [join(scratch, 'node_modules/@types')] },
      files: [join(rules, 'await-in-drop/rule.ts'), join(rules, 'poll-budget/live.ts'), join(rules, 'poll-budget/live-fixtures/poll-budget.ts'), join(rules, 'index.ts'), join(rules, 'live-index.ts')],
    };
    writeFileSync(join(scratch, 'tsconfig.json'), JSON.stringify(config));
    // NodeNext takes the module format from the nearest package.json.
    writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'awaitlens-scratch', type: 'module' }));
    const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(scratch, 'tsconfig.json')], { encoding: 'utf8' });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  });
});

describe('live rule', () => {
  test('writes live.ts and a scenario, and registers it with the live rules', () => {
    const staticBefore = readFileSync(join(rules, 'index.ts'), 'utf8');
    const res = scaffoldRule(rules, { id: 'poll-budget', category: 'performance', severity: 'info', live: true });
    expect(res.created.map((p) => p.slice(rules.length + 1)).sort()).toEqual(['poll-budget/live-fixtures/poll-budget.ts', 'poll-budget/live.ts']);
    expect(res.registry).toBe(join(rules, 'live-index.ts'));
    const live = readFileSync(join(rules, 'poll-budget/live.ts'), 'utf8');
    expect(live).toContain("kind: 'live',");
    expect(live).toContain("defaultSeverity: 'info',");
    expect(readFileSync(join(rules, 'index.ts'), 'utf8')).toBe(staticBefore);
    const reg = readFileSync(join(rules, 'live-index.ts'), 'utf8').split('\n');
    expect(reg).toContain("import pollBudget from './poll-budget/live.js';");
    const list = reg.findIndex((l) => l.startsWith('export const ALL_LIVE_RULES'));
    const entry = reg.indexOf('  pollBudget,');
    expect(entry).toBeGreaterThan(list);
    expect(reg[entry + 1]).toBe('];');
    expect(existsSync(join(rules, 'poll-budget/fixtures'))).toBe(false);
  });
});

describe('refusals leave the folder as it was', () => {
  const snapshot = () => readFileSync(join(rules, 'index.ts'), 'utf8');

  test.each([
    ['AwaitInDrop', /not kebab-case/],
    ['await_in_drop', /not kebab-case/],
    ['await--drop', /not kebab-case/],
    ['-await', /not kebab-case/],
    ['await-', /not kebab-case/],
    ['1st-rule', /not kebab-case/],
    ['a'.repeat(61), /longer than 60/],
    ['unawaited-future', /is taken: .*unawaited-future exists/],
    ['long-poll', /is taken/],
  ])('id %s', (id, why) => {
    const before = snapshot();
    expect(() => scaffoldRule(rules, { id, category: 'correctness', severity: 'warning', live: false })).toThrow(why);
    expect(snapshot()).toBe(before);
    expect(existsSync(join(rules, id)) && !['unawaited-future', 'long-poll'].includes(id)).toBe(false);
  });

  test('an id the registry imports without a folder is taken', () => {
    writeFileSync(join(rules, 'index.ts'), snapshot().replace("import lostPanic from './lost-panic/rule.js';", "import lostPanic from './lost-panic/rule.js';\nimport ghost from './ghost/rule.js';"));
    expect(idProblem('ghost', rules)).toMatch(/already imports it/);
  });

  test('a registry it cannot read writes nothing', () => {
    writeFileSync(join(rules, 'index.ts'), 'export const STATIC_RULES = [];\n');
    expect(() => scaffoldRule(rules, { id: 'await-in-drop', category: 'correctness', severity: 'warning', live: false })).toThrow(NewRuleError);
    expect(existsSync(join(rules, 'await-in-drop'))).toBe(false);
    expect(snapshot()).toBe('export const STATIC_RULES = [];\n');
  });

  test('a folder that is not the rules folder', () => {
    expect(() => scaffoldRule(scratch, { id: 'await-in-drop', category: 'correctness', severity: 'warning', live: false })).toThrow(/no registry at/);
    expect(existsSync(join(scratch, 'await-in-drop'))).toBe(false);
  });
});

describe('registry edit', () => {
  const shape = { file: 'index.ts', module: 'rule.js', list: 'STATIC_RULES' };
  test('adds a comma to a last entry written without one, keeps CRLF', () => {
    const text = "import a from './a/rule.js';\r\n\r\nexport const STATIC_RULES: readonly StaticRule[] = [\r\n  a\r\n];\r\n";
    expect(addToRegistry(text, shape, 'b-c')).toBe("import a from './a/rule.js';\r\nimport bC from './b-c/rule.js';\r\n\r\nexport const STATIC_RULES: readonly StaticRule[] = [\r\n  a,\r\n  bC,\r\n];\r\n");
  });
  test('refuses a name the registry already uses', () => {
    const text = "import a from './a/rule.js';\nconst ruleById = 1;\nexport const STATIC_RULES = [\n  a,\n];\n";
    expect(() => addToRegistry(text, shape, 'rule-by-id')).toThrow(/already uses the name `ruleById`/);
  });
  test('import names', () => {
    expect(importName('lock-order-inversion')).toBe('lockOrderInversion');
    expect(importName('io-2x')).toBe('io2x');
  });
});

describe('arguments', () => {
  test('reads the id, category, severity and --live in any order', () => {
    expect(parseArgs(['x-y', '--category', 'performance', '--severity', 'hint'])).toEqual({ id: 'x-y', category: 'performance', severity: 'hint', live: false });
    expect(parseArgs(['--live', '--severity=error', 'x-y', '--category=correctness'])).toEqual({ id: 'x-y', category: 'correctness', severity: 'error', live: true });
  });
  test.each([
    [[], /missing the rule id/],
    [['x'], /missing --category/],
    [['x', '--category', 'style', '--severity', 'hint'], /--category must be one of correctness, suspicious, performance \(got `style`\)/],
    [['x', '--category', 'performance', '--severity', 'fatal'], /--severity must be one of error, warning, info, hint/],
    [['x', '--category'], /--category needs a value/],
    [['x', '--category', '--live'], /--category needs a value/],
    [['x', 'y', '--category', 'performance', '--severity', 'hint'], /one rule id at a time/],
    [['x', '--fix'], /unknown option --fix/],
  ])('%j', (argv, why) => {
    expect(() => parseArgs(argv as string[])).toThrow(why);
  });
});
