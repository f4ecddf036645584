// Shared by the robustness tests: a seeded PRNG (runs are reproducible) and the checks every
// analysis result must pass whatever the input.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { defaultConfig } from '../../server/analysis/config.js';
import type { FileResult } from '../../server/analysis/engine.js';
import type { Span } from '../../server/analysis/types.js';
import { Workspace } from '../../server/workspace/workspace.js';

/** mulberry32: small, fast and good enough to pick cut points. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function rustSources(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.rs')) out.push(p);
    }
  };
  walk(root);
  return out;
}

export function read(path: string): string {
  return readFileSync(path, 'utf8');
}

function spanProblem(span: Span, len: number): string | undefined {
  const { start, end } = span;
  if (!(Number.isInteger(start.offset) && Number.isInteger(end.offset))) return 'offset not an integer';
  if (start.offset < 0 || end.offset > len) return `offsets ${start.offset}..${end.offset} outside 0..${len}`;
  if (start.offset > end.offset) return `start ${start.offset} after end ${end.offset}`;
  if (start.line < 0 || start.character < 0 || end.character < 0 || start.line > end.line) return 'bad line/character';
  return undefined;
}

/** Everything wrong with one file's result, as readable strings (empty: all is well). */
export function resultProblems(result: FileResult | undefined, path: string, texts: Map<string, string>): string[] {
  if (!result) return ['no result'];
  const problems: string[] = [];
  for (const f of result.failures) problems.push(`rule ${f.rule} failed: ${f.error.message}\n${f.error.stack?.split("\n").slice(1, 4).join("\n")}`);
  const len = texts.get(path)!.length;
  for (const f of result.findings) {
    const p = spanProblem(f.span, len);
    if (p) problems.push(`${f.rule} finding: ${p}`);
    for (const r of f.related) {
      const rp = spanProblem(r.span, texts.get(r.file ?? path)?.length ?? Infinity);
      if (rp) problems.push(`${f.rule} related: ${rp}`);
    }
    for (const fix of f.fixes)
      for (const e of fix.edits) {
        const ep = spanProblem(e.span, texts.get(e.file ?? path)?.length ?? Infinity);
        if (ep) problems.push(`${f.rule} fix edit: ${ep}`);
      }
  }
  return problems;
}

export interface Variant {
  name: string;
  text: string;
}

/** Check a batch of variants, each as its own one-file workspace; return what went wrong. */
export function checkVariants(variants: readonly Variant[]): string[] {
  const problems: string[] = [];
  for (const v of variants) {
    const path = `/fuzz/${v.name.replace(/[^\w.-]+/g, '_')}.rs`;
    let result;
    try {
      result = new Workspace(defaultConfig()).checkTexts([{ path, text: v.text }]).results.get(path);
    } catch (e) {
      problems.push(`${v.name}: threw ${(e as Error).stack}`);
      continue;
    }
    for (const p of resultProblems(result, path, new Map([[path, v.text]]))) problems.push(`${v.name}: ${p}`);
  }
  return problems;
}
