// Developer tool: scaffolds a new rule so that every place a rule must appear exists from the
// start — the rule module with every docs field to write, fixture skeletons, and the registry
// entry. The scaffold compiles but is deliberately unfinished: the meta and fixture tests fail
// until the TODOs are done, so a half-written rule cannot pass CI by accident.
//   npm run new-rule -- <id> --category correctness|suspicious|performance --severity error|warning|info|hint [--live]
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Category, Severity } from '../analysis/types.js';
import { fromRoot } from '../paths.js';

export const CATEGORIES: readonly Category[] = ['correctness', 'suspicious', 'performance'];
export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info', 'hint'];
/** The same shape test/meta.test.ts requires of every rule id. */
const ID_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const MAX_ID_LENGTH = 60;

export interface NewRuleOptions {
  id: string;
  category: Category;
  severity: Severity;
  /** A live rule (`live.ts`, registered in `live-index.ts`) instead of a static one. */
  live: boolean;
}

export interface ScaffoldResult {
  /** Created files, absolute. */
  created: string[];
  /** The registry file that was edited, absolute. */
  registry: string;
  /** What the author does next, one step per line. */
  nextSteps: string[];
}

/** A problem with the input or the rules folder; the message is meant for the user as is. */
export class NewRuleError extends Error {}

const USAGE =
  'usage: npm run new-rule -- <id> --category correctness|suspicious|performance --severity error|warning|info|hint [--live]';

export function parseArgs(argv: readonly string[]): NewRuleOptions {
  let id: string | undefined;
  let category: string | undefined;
  let severity: string | undefined;
  let live = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const [flag, inline] = arg.startsWith('--') && eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v.startsWith('--')) throw new NewRuleError(`${flag} needs a value\n${USAGE}`);
      return v;
    };
    if (flag === '--category') category = value();
    else if (flag === '--severity') severity = value();
    else if (flag === '--live') live = true;
    else if (flag.startsWith('-')) throw new NewRuleError(`unknown option ${flag}\n${USAGE}`);
    else if (id === undefined) id = arg;
    else throw new NewRuleError(`one rule id at a time (got \`${id}\` and \`${arg}\`)\n${USAGE}`);
  }
  if (id === undefined) throw new NewRuleError(`missing the rule id\n${USAGE}`);
  if (category === undefined) throw new NewRuleError(`missing --category\n${USAGE}`);
  if (severity === undefined) throw new NewRuleError(`missing --severity\n${USAGE}`);
  if (!(CATEGORIES as readonly string[]).includes(category)) throw new NewRuleError(`--category must be one of ${CATEGORIES.join(', ')} (got \`${category}\`)`);
  if (!(SEVERITIES as readonly string[]).includes(severity)) throw new NewRuleError(`--severity must be one of ${SEVERITIES.join(', ')} (got \`${severity}\`)`);
  return { id, category: category as Category, severity: severity as Severity, live };
}

/** `lock-order-inversion` → `lockOrderInversion`: the registry's import name. */
export function importName(id: string): string {
  return id.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Why `id` cannot be used in `rulesDir`, or undefined when it can. */
export function idProblem(id: string, rulesDir: string): string | undefined {
  if (id.length > MAX_ID_LENGTH) return `rule id \`${id}\` is longer than ${MAX_ID_LENGTH} characters`;
  if (!ID_PATTERN.test(id)) return `rule id \`${id}\` is not kebab-case (lowercase words of letters and digits joined by single dashes, starting with a letter, e.g. \`guard-across-await\`)`;
  if (existsSync(join(rulesDir, id))) return `rule id \`${id}\` is taken: ${join(rulesDir, id)} exists`;
  for (const registry of ['index.ts', 'live-index.ts']) {
    const path = join(rulesDir, registry);
    if (existsSync(path) && readFileSync(path, 'utf8').includes(`'./${id}/`)) return `rule id \`${id}\` is taken: ${path} already imports it`;
  }
  return undefined;
}

interface RegistryShape {
  file: string;
  /** The module each rule folder exports, e.g. `rule.js`. */
  module: string;
  /** The array the rule is appended to. */
  list: string;
}

const STATIC_REGISTRY: RegistryShape = { file: 'index.ts', module: 'rule.js', list: 'STATIC_RULES' };
const LIVE_REGISTRY: RegistryShape = { file: 'live-index.ts', module: 'live.js', list: 'ALL_LIVE_RULES' };

/**
 * The registry text with the rule's import after the last rule import and its name at the end of
 * the list. Works on lines rather than a parse: the registries are plain lists, and a shape this
 * does not recognise is reported instead of guessed at.
 */
export function addToRegistry(text: string, shape: RegistryShape, id: string): string {
  const name = importName(id);
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(/\r?\n/);
  if (new RegExp(`\\b${name}\\b`).test(text)) throw new NewRuleError(`${shape.file} already uses the name \`${name}\`; pick another rule id`);
  const importRe = new RegExp(`^import \\w+ from '\\./[a-z0-9-]+/${shape.module.replace('.', '\\.')}';$`);
  let lastImport = -1;
  lines.forEach((l, i) => {
    if (importRe.test(l.trim())) lastImport = i;
  });
  if (lastImport < 0) throw new NewRuleError(`cannot find where to add the import in ${shape.file}: no line like \`import x from './x/${shape.module}';\``);
  const listStart = lines.findIndex((l) => new RegExp(`^export const ${shape.list}\\b.*=\\s*\\[\\s*$`).test(l));
  if (listStart < 0) throw new NewRuleError(`cannot find \`export const ${shape.list}: ... = [\` in ${shape.file}`);
  let listEnd = -1;
  for (let i = listStart + 1; i < lines.length; i++) {
    if (/^\s*\];\s*$/.test(lines[i]!)) {
      listEnd = i;
      break;
    }
  }
  if (listEnd < 0) throw new NewRuleError(`cannot find the end (\`];\`) of ${shape.list} in ${shape.file}`);
  const indent = listEnd > listStart + 1 ? /^\s*/.exec(lines[listEnd - 1]!)![0] : '  ';
  // A last entry written without a trailing comma gets one, so the new entry stays valid.
  if (listEnd > listStart + 1 && !lines[listEnd - 1]!.trimEnd().endsWith(',')) lines[listEnd - 1] = lines[listEnd - 1]!.trimEnd() + ',';
  lines.splice(listEnd, 0, `${indent}${name},`);
  lines.splice(lastImport + 1, 0, `import ${name} from './${id}/${shape.module}';`);
  return lines.join(eol);
}

/** A TypeScript single-quoted string literal. */
function q(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function staticRuleSource(o: NewRuleOptions): string {
  return `import { defineRule } from '../../server/analysis/rule.js';

// TODO — this rule is a scaffold. test/meta.test.ts and test/rules.test.ts fail until all of it
// is done (that is on purpose; see CONTRIBUTING.md, "Adding a rule"):
//  1. Write every field of \`meta.docs\` and \`summary\` below. They become rules/${o.id}/README.md,
//     the SARIF rule and the hover text; \`example\` must fire this rule and \`useInstead\` must not.
//  2. List in \`nodeTypes\` every node type \`check\` asks for (a name the grammar does not have
//     fails the meta test).
//  3. Write fixtures/fires.rs (\`//~ ${o.id}\` at the end of each line that must fire) and
//     fixtures/quiet.rs (near misses that must not fire); add fixtures/macros.rs when the pattern
//     can sit in \`select!\`, \`join!\` or other macro bodies.
//  4. Implement \`check\` through \`ctx.syntax\` (never node.startIndex or ===), and report with a
//     message that says what happens at runtime, naming the code involved.
//  5. UPDATE_FIXTURES=1 npx vitest run test/rules.test.ts -t ${o.id}, then read every .expected.
//  6. npm run build && node dist/server/tools/scan.js <some real crate> --rules ${o.id}
//  7. npm run docs, then npm test.
export default defineRule({
  meta: {
    id: ${q(o.id)},
    kind: 'static',
    category: ${q(o.category)},
    defaultSeverity: ${q(o.severity)},
    // Set to true once \`check\` offers fixes (and add a fixtures/*.fixed.rs for them).
    fixable: false,
    summary: 'TODO: one line, what the rule finds and why it matters at runtime.',
    docs: {
      whatItFinds: 'TODO: the code pattern this rule reports, precisely enough to predict a finding.',
      whyBad: 'TODO: what happens at runtime: what hangs, what is lost, what gets slow.',
      example: 'TODO: Rust code that triggers the rule (a doc test runs it).',
      useInstead: 'TODO: the same code, fixed (a doc test checks it stays quiet).',
      notes: 'TODO: the limits of the rule and what its fixes do, or remove this field.',
    },
  },
  nodeTypes: ['call_expression'],
  check(ctx) {
    for (const call of ctx.syntax.nodes('call_expression')) {
      // TODO: skip \`call\` unless it is the pattern, then report it, e.g.
      //   ctx.report({ node: call, message: \`\\\`\${call.text}\\\` ..., so <what happens at runtime>.\` });
      void call;
    }
  },
});
`;
}

function liveRuleSource(o: NewRuleOptions): string {
  return `import { lead } from '../../server/live/rules/format.js';
import { defineLiveRule } from '../../server/live/rules/types.js';

// TODO — this live rule is a scaffold. test/meta.test.ts fails until its metadata is written
// (that is on purpose; see CONTRIBUTING.md, "Adding a rule"):
//  1. Write every field of \`meta.docs\` and \`summary\`; the thresholds it reads go in the page.
//  2. Implement \`evaluate\` (flag tasks from the model, on the app's clock \`ctx.now\`) and word
//     \`describe\` (one aggregated message per spawn site).
//  3. Script the situation in live-fixtures/${o.id}.ts and assert what opens and what stays
//     quiet in test/live-rules/scenarios.test.ts; add captured streams when you have them.
//  4. npm run docs, then npm test.
export default defineLiveRule({
  meta: {
    id: ${q(o.id)},
    kind: 'live',
    category: ${q(o.category)},
    defaultSeverity: ${q(o.severity)},
    fixable: false,
    summary: 'TODO: one line, what the rule finds in a running program.',
    docs: {
      whatItFinds: 'TODO: the exact condition on the console data, with its thresholds.',
      whyBad: 'TODO: what happens at runtime when the condition holds.',
      example: 'TODO: Rust code that makes a running program show it.',
      useInstead: 'TODO: the same code, fixed.',
      notes: 'TODO: the limits of the rule (console-subscriber versions, inferences), or remove this field.',
    },
  },
  evaluate(ctx) {
    for (const task of ctx.model.tasks()) {
      const w = ctx.model.warningInputs(task);
      if (w.isBlocking || w.isCompleted) continue;
      // TODO: when the task shows the problem: ctx.flag(task, { ...facts for describe });
    }
  },
  describe(site) {
    return { message: \`\${lead(site, 'TODO (one task)', 'TODO (several tasks)')}: TODO what happens at runtime.\` };
  },
});
`;
}

function liveFixtureSource(o: NewRuleOptions): string {
  const fn = importName(o.id);
  return `// TODO: the situation ${o.id} must report, as a scripted console stream: which task, at which
// spawn site, doing what, and from when the finding must open (or stay quiet).
import type { Scenario } from '../../../server/live/rules/scenario.js';

export default function ${fn}Scenario(s: Scenario): void {
  const t = s.task(1, { name: 'todo', site: 'src/main.rs:10:5', tid: 1 });
  t.poll(0);
  for (let ms = 0; ms <= 2000; ms += 250) s.frame(ms);
}
`;
}

function firesSource(o: NewRuleOptions): string {
  return `// ${o.id}: every line ending in \`//~ ${o.id}\` must fire, every other line must not.
// TODO: the smallest real code that shows the bug, one case per fn, through the ways people write
// it (methods, paths through \`use\`, closures, macro bodies). Then run
// UPDATE_FIXTURES=1 npx vitest run test/rules.test.ts -t ${o.id} and read fires.expected.

async fn todo_replace_with_the_bug() {
    todo_call(); //~ ${o.id}
}
`;
}

function quietSource(o: NewRuleOptions): string {
  return `// ${o.id}: nothing in this file may fire.
// TODO: the fixed form of each case in fires.rs, and the near misses that look like the bug but
// are fine (another type with the same method name, code outside async, an explicit opt-out).

async fn todo_replace_with_the_fixed_code() {
    todo_call().await;
}
`;
}

/**
 * Creates the rule's files under `rulesDir/<id>/` and registers it in `rulesDir`'s registry.
 * Everything is checked before anything is written, so a refused scaffold leaves no trace.
 */
export function scaffoldRule(rulesDir: string, o: NewRuleOptions): ScaffoldResult {
  const problem = idProblem(o.id, rulesDir);
  if (problem) throw new NewRuleError(problem);
  if (!CATEGORIES.includes(o.category)) throw new NewRuleError(`category must be one of ${CATEGORIES.join(', ')}`);
  if (!SEVERITIES.includes(o.severity)) throw new NewRuleError(`severity must be one of ${SEVERITIES.join(', ')}`);
  const shape = o.live ? LIVE_REGISTRY : STATIC_REGISTRY;
  const registry = join(rulesDir, shape.file);
  if (!existsSync(registry)) throw new NewRuleError(`no registry at ${registry}: is ${rulesDir} the rules folder?`);
  const original = readFileSync(registry, 'utf8');
  const edited = addToRegistry(original, shape, o.id);

  const dir = join(rulesDir, o.id);
  const files: Array<[string, string]> = o.live
    ? [
        [join(dir, 'live.ts'), liveRuleSource(o)],
        [join(dir, 'live-fixtures', `${o.id}.ts`), liveFixtureSource(o)],
      ]
    : [
        [join(dir, 'rule.ts'), staticRuleSource(o)],
        [join(dir, 'fixtures', 'fires.rs'), firesSource(o)],
        [join(dir, 'fixtures', 'quiet.rs'), quietSource(o)],
      ];
  for (const [path, text] of files) {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text, { flag: 'wx' });
  }
  writeFileSync(registry, edited);

  const rel = (p: string) => relative(join(rulesDir, '..'), p);
  const nextSteps = o.live
    ? [
        `Fill in the TODOs in ${rel(files[0]![0])} (metadata, evaluate, describe).`,
        `Script the situation in ${rel(files[1]![0])} and test it in test/live-rules/scenarios.test.ts.`,
        'npm run docs   # writes the rule page and the rules table',
        'npm test',
      ]
    : [
        `Fill in the TODOs in ${rel(files[0]![0])} (metadata, nodeTypes, check).`,
        `Write ${rel(files[1]![0])} and ${rel(files[2]![0])}.`,
        `UPDATE_FIXTURES=1 npx vitest run test/rules.test.ts -t ${o.id}   # then read the .expected files`,
        `npm run build && node dist/server/tools/scan.js <a real crate> --rules ${o.id}`,
        'npm run docs   # writes the rule page and the rules table',
        'npm test',
      ];
  return { created: files.map(([p]) => p), registry, nextSteps };
}

function main(argv: readonly string[]): number {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  try {
    const opts = parseArgs(argv);
    const rulesDir = fromRoot('rules');
    const res = scaffoldRule(rulesDir, opts);
    const root = fromRoot();
    for (const p of res.created) console.log(`created ${relative(root, p)}`);
    console.log(`registered in ${relative(root, res.registry)}`);
    console.log('\nThe new rule fails the meta and fixture tests until it is written. Next:');
    res.nextSteps.forEach((s, i) => console.log(`  ${i + 1}. ${s}`));
    return 0;
  } catch (e) {
    if (e instanceof NewRuleError) {
      console.error(`new-rule: ${e.message}`);
      return 2;
    }
    console.error(`new-rule: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return 2;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) process.exitCode = main(process.argv.slice(2));
