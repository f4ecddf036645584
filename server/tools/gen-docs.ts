// `npm run docs`: writes rules/<id>/README.md for every rule and docs/rules.md from the rules'
// metadata. test/meta.test.ts renders the same files in memory and fails when these are stale.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fromRoot } from '../paths.js';
import { allRuleMetas } from '../meta/registry.js';
import { renderAllDocs } from '../meta/rule-docs.js';

const docs = renderAllDocs(await allRuleMetas());
let changed = 0;
for (const [rel, content] of docs) {
  const path = fromRoot(rel);
  let old: string | undefined;
  try {
    old = readFileSync(path, 'utf8');
  } catch {
    old = undefined;
  }
  if (old === content) continue;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  changed++;
  console.log(`wrote ${rel}`);
}
console.log(`${docs.size} docs files, ${changed} changed`);
