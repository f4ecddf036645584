// Broken, odd and huge Rust through the whole static engine: parsing never fails, no rule
// throws, and every span a finding, related place or fix edit carries lies inside its text.
// Deterministic: a seeded PRNG picks the cut points, so a failure names a reproducible variant.
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { checkVariants, prng, read, rustSources, type Variant } from './fuzz-helpers.js';

const repo = join(import.meta.dirname, '../..');
const sources = [...rustSources(join(repo, 'rules')).filter((p) => p.includes('/fixtures/')), ...rustSources(join(repo, 'examples'))];

const INSERTS = ['é', '𝄞', '🦀🔥', '\u200f', '\u202e', '\ufeff', '"', "'", '/*', '*/', '{', '}', '(', ')', '!', '$', '#', 'r#"', '"#', '.await', '=>', '\\', '\r\n', '\r', '::', '<', '>', 'async move {', 'select! {'];

function mutations(text: string, rand: () => number, count: number, tag: string): Variant[] {
  const out: Variant[] = [];
  const at = () => Math.floor(rand() * (text.length + 1));
  for (let i = 0; i < count; i++) {
    const kind = i % 5;
    if (kind === 0) {
      const p = at();
      out.push({ name: `${tag}#truncate@${p}`, text: text.slice(0, p) });
    } else if (kind === 1) {
      const p = at();
      const q = Math.min(text.length, p + 1 + Math.floor(rand() * 80));
      out.push({ name: `${tag}#delete@${p}-${q}`, text: text.slice(0, p) + text.slice(q) });
    } else if (kind === 2) {
      const lines = text.split('\n');
      const l = Math.floor(rand() * lines.length);
      lines.splice(l, 0, lines[l] ?? '');
      out.push({ name: `${tag}#dupline@${l}`, text: lines.join('\n') });
    } else if (kind === 3) {
      const p = at();
      const ins = INSERTS[Math.floor(rand() * INSERTS.length)]!;
      out.push({ name: `${tag}#insert@${p}:${JSON.stringify(ins)}`, text: text.slice(0, p) + ins + text.slice(p) });
    } else {
      // Cut a UTF-16 string mid-surrogate-pair when there is one: editors can send that.
      const p = at();
      const q = at();
      const [a, b] = p < q ? [p, q] : [q, p];
      out.push({ name: `${tag}#swap@${a}-${b}`, text: text.slice(b) + text.slice(a, b) + text.slice(0, a) });
    }
  }
  return out;
}

/** Truncations at each interesting spot: inside macros, select! branches, strings, comments. */
function structuralCuts(text: string, tag: string): Variant[] {
  const out: Variant[] = [];
  const marks = /select!|join!|macro_rules!|=>|\.await|"|\/\*|\/\/|r#|\{|\(/g;
  let m: RegExpExecArray | null;
  let n = 0;
  while ((m = marks.exec(text)) && n < 12) {
    n++;
    for (const d of [1, m[0].length + 2]) {
      const p = Math.min(text.length, m.index + d);
      out.push({ name: `${tag}#cut@${p}`, text: text.slice(0, p) });
    }
  }
  return out;
}

describe('static engine on broken variants of every fixture and example', () => {
  test(`${sources.length} sources, seeded mutations`, () => {
    expect(sources.length).toBeGreaterThan(20);
    const rand = prng(0xa11e7);
    const problems: string[] = [];
    for (const src of sources) {
      const text = read(src);
      const tag = src.slice(repo.length + 1);
      problems.push(...checkVariants([...mutations(text, rand, 20, tag), ...structuralCuts(text, tag)]));
    }
    expect(problems.slice(0, 20)).toEqual([]);
  });
});

