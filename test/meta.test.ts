// Rule metadata is the single source for docs, SARIF and LSP links, so it is checked here:
// folders, registry, docs and fixtures are the same set; node types exist in the grammar; docs
// sections are written; each doc example fires the rule and its "use instead" does not; the
// generated docs are up to date.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { grammarNodeTypes } from '../grammars/rust.js';
import { STATIC_RULES } from '../rules/index.js';
import { defaultConfig } from '../server/analysis/config.js';
import type { StaticRule } from '../server/analysis/rule.js';
import { allRuleMetas } from '../server/meta/registry.js';
import { renderAllDocs } from '../server/meta/rule-docs.js';
import { ruleDocsUrl, DOCS_BASE } from '../server/meta/docs-url.js';
import { Workspace } from '../server/workspace/workspace.js';

const ROOT = resolve(__dirname, '..');
const RULES_DIR = join(ROOT, 'rules');
const metas = await allRuleMetas();
const staticIds = STATIC_RULES.map((r) => r.meta.id);
const allIds = metas.map((m) => m.id);

const ruleFolders = readdirSync(RULES_DIR).filter((n) => statSync(join(RULES_DIR, n)).isDirectory());
const sorted = (xs: readonly string[]) => [...xs].sort();

describe('rule set', () => {
  test('ids are kebab-case and unique', () => {
    for (const id of allIds) expect(id, id).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
    expect(new Set(allIds).size).toBe(allIds.length);
  });

  test('folders with a rule.ts are exactly the static registry', () => {
    expect(sorted(ruleFolders.filter((n) => existsSync(join(RULES_DIR, n, 'rule.ts'))))).toEqual(sorted(staticIds));
  });

  test('every folder under rules/ belongs to a rule', () => {
    expect(ruleFolders.filter((n) => !allIds.includes(n))).toEqual([]);
  });

  test('every static rule has fixtures', () => {
    expect(sorted(ruleFolders.filter((n) => existsSync(join(RULES_DIR, n, 'fixtures'))))).toEqual(sorted(staticIds));
  });

  test('every rule has a doc page', () => {
    expect(sorted(ruleFolders.filter((n) => existsSync(join(RULES_DIR, n, 'README.md'))))).toEqual(sorted(allIds));
  });

  test('the docs URL is built from one base', () => {
    expect(ruleDocsUrl('unawaited-future')).toBe(`${DOCS_BASE}/rules/unawaited-future/README.md`);
  });
});

describe('static rule node types exist in the grammar', () => {
  const known = grammarNodeTypes();
  for (const rule of STATIC_RULES) {
    test(rule.meta.id, () => {
      expect(rule.nodeTypes.filter((t) => !known.has(t))).toEqual([]);
    });
  }
});

describe('metadata is written', () => {
  const unwritten = (s: string | undefined) => s === undefined || s.trim() === '' || /^TODO\b/i.test(s.trim());
  for (const m of metas) {
    test(m.id, () => {
      const missing = (['summary', 'whatItFinds', 'whyBad', 'example', 'useInstead'] as const).filter((k) => unwritten(k === 'summary' ? m.summary : m.docs[k]));
      expect(missing, `${m.id}: fill in these metadata fields`).toEqual([]);
      expect(m.summary.includes('\n'), 'summary is one line').toBe(false);
      if (m.docs.notes !== undefined) expect(unwritten(m.docs.notes), 'notes, when present, are written').toBe(false);
    });
  }
});

/**
 * Doc snippets are often fragments, the way docs show code: items (fns, structs, impls, uses)
 * mixed with bare statements, and no imports. To run one as a file, top-level statements are
 * moved into `async fn __example() { ... }` (items stay where they are), and a snippet without
 * any `use` gets a small prelude of the tokio names docs take for granted.
 */
const PRELUDE = 'use tokio::sync::{mpsc, oneshot};\nuse tokio::net::{TcpListener, TcpStream};\nuse tokio::io::{self, AsyncReadExt, AsyncWriteExt};\n';
const ITEM_START = /^(pub(\([^)]*\))?\s+)?((async|const|unsafe|extern)\s+)*(fn|struct|enum|impl|trait|mod|use|type|static|const|macro_rules!)\b|^#!?\[/;

function exampleFile(code: string): string {
  const items: string[] = [];
  const statements: string[] = [];
  let chunk: string[] = [];
  let chunkIsItem = false;
  let comments: string[] = [];
  let depth = 0;
  const flush = () => {
    if (chunk.length) (chunkIsItem ? items : statements).push(chunk.join('\n'));
    chunk = [];
  };
  for (const line of code.split('\n')) {
    const t = line.trim();
    if (depth === 0 && (t === '' || t.startsWith('//'))) {
      // Comments between top-level pieces go with the piece that follows them.
      flush();
      if (t) comments.push(line);
      continue;
    }
    if (depth === 0 && !/^[)}\]]/.test(t)) {
      flush();
      chunkIsItem = ITEM_START.test(t);
      chunk = comments;
      comments = [];
    }
    chunk.push(line);
    for (const ch of line.replace(/\/\/.*$/, '').replace(/"(\\.|[^"\\])*"/g, '""')) {
      if ('{(['.includes(ch)) depth++;
      else if ('})]'.includes(ch)) depth = Math.max(0, depth - 1);
    }
  }
  flush();
  const prelude = /^\s*(pub\s+)?use\s/m.test(code) ? '' : PRELUDE;
  const body = statements.length ? `\nasync fn __example() {\n${statements.join('\n')}\n}\n` : '';
  return prelude + items.join('\n\n') + '\n' + body;
}

function findingsOf(rule: StaticRule, code: string) {
  const ws = new Workspace(defaultConfig(), [rule]);
  const path = `/__docs__/${rule.meta.id}.rs`;
  const res = ws.checkTexts([{ path, text: exampleFile(code) }]).results.get(path)!;
  expect(res.failures.map((f) => f.error.message)).toEqual([]);
  return res.findings.filter((f) => f.rule === rule.meta.id);
}

describe('doc examples', () => {
  test('fragments are wrapped, items stay at the top level', () => {
    expect(exampleFile('// a\nlet x = f();\nx.await;')).toBe(`${PRELUDE}\n\nasync fn __example() {\n// a\nlet x = f();\nx.await;\n}\n`);
    expect(exampleFile('use a::b;\n\nasync fn f() {\n    g();\n}\n\nloop {\n    f().await;\n}')).toBe(
      'use a::b;\n\nasync fn f() {\n    g();\n}\n\nasync fn __example() {\nloop {\n    f().await;\n}\n}\n',
    );
  });

  for (const rule of STATIC_RULES) {
    test(`${rule.meta.id}: "Example" fires and "Use instead" does not`, () => {
      expect(findingsOf(rule, rule.meta.docs.example).length, 'the example should trigger the rule').toBeGreaterThan(0);
      expect(findingsOf(rule, rule.meta.docs.useInstead).map((f) => f.message), '"use instead" should not trigger the rule').toEqual([]);
    });
  }
});

describe('generated docs are up to date', () => {
  const docs = renderAllDocs(metas);
  for (const [rel, content] of docs) {
    test(rel, () => {
      const path = join(ROOT, rel);
      const onDisk = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
      expect(onDisk === content, `${rel} is stale or missing: run \`npm run build && npm run docs\``).toBe(true);
    });
  }
});
