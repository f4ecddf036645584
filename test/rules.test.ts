// Every rule's fixtures: `//~ rule-id` markers say which lines must fire (all other lines must
// not), `<name>.expected` holds the exact findings (rule, range, message), and `<name>.fixed.rs`
// the source after applying each finding's first fix. UPDATE_FIXTURES=1 rewrites the expected
// files from the current output — review the diff before committing it.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { STATIC_RULES } from '../rules/index.js';
import { defaultConfig } from '../server/analysis/config.js';
import type { Finding } from '../server/analysis/types.js';
import { Workspace } from '../server/workspace/workspace.js';
import { applyFixes, renderFinding, markersIn } from './helpers/fixtures.js';

const update = process.env.UPDATE_FIXTURES === '1';

for (const rule of STATIC_RULES) {
  const dir = join('rules', rule.meta.id, 'fixtures');
  describe(`rule ${rule.meta.id}`, () => {
    const entries = existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.rs') && !n.endsWith('.fixed.rs') || statSync(join(dir, n)).isDirectory()) : [];
    test('has fixtures that fire and fixtures that do not', () => {
      const all = entries.flatMap((e) => sourcesOf(join(dir, e)).map((s) => readFileSync(s, 'utf8')));
      expect(all.some((t) => t.includes(`//~ ${rule.meta.id}`))).toBe(true);
      expect(entries.length).toBeGreaterThanOrEqual(2);
    });
    for (const entry of entries) {
      test(entry, () => {
        const sources = sourcesOf(join(dir, entry));
        const ws = new Workspace(defaultConfig(), [rule]);
        const { results } = ws.checkTexts(sources.map((path) => ({ path, text: readFileSync(path, 'utf8') })));
        const findings: Finding[] = sources.flatMap((p) => results.get(p)!.findings);
        for (const p of sources) expect(results.get(p)!.failures.map((f) => f.error.stack)).toEqual([]);
        // Intent: markers and findings name the same (file, line, rule) set.
        const marked = sources.flatMap((p) => markersIn(readFileSync(p, 'utf8')).filter((m) => m.rule === rule.meta.id).map((m) => `${p}:${m.line}`)).sort();
        const got = findings.map((f) => `${f.file}:${f.span.start.line + 1}`).sort();
        expect(got).toEqual(marked);
        // Rendering: exact ranges and messages.
        const rendered = findings.map((f) => renderFinding(f, sources.length > 1 ? join(dir, entry) : undefined)).join('\n') + '\n';
        const expectedPath = join(dir, entry.replace(/\.rs$/, '') + '.expected');
        if (update) writeFileSync(expectedPath, rendered);
        expect(rendered).toBe(readFileSync(expectedPath, 'utf8'));
        // Fixes: applying them gives the .fixed.rs source (single-file fixtures).
        if (sources.length === 1 && findings.some((f) => f.fixes.length > 0)) {
          const fixedPath = join(dir, entry.replace(/\.rs$/, '.fixed.rs'));
          const fixed = applyFixes(readFileSync(sources[0]!, 'utf8'), findings);
          if (update) writeFileSync(fixedPath, fixed);
          expect(fixed).toBe(readFileSync(fixedPath, 'utf8'));
        }
      });
    }
  });
}

function sourcesOf(entry: string): string[] {
  if (statSync(entry).isDirectory()) return readdirSync(entry).filter((n) => n.endsWith('.rs')).sort().map((n) => join(entry, n));
  return [entry];
}
