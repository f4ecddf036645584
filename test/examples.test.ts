// The bundled example crates are the product's acceptance tests: `awaitlens check` on each must
// report exactly the findings its expected.txt lists (`src/FILE.rs:LINE rule-id`, written from
// the `//~` markers by examples/expected.sh) — the planted bugs and nothing else — and the
// clean crate must report nothing.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, test } from 'vitest';
import { defaultConfig } from '../server/analysis/config.js';
import { Workspace } from '../server/workspace/workspace.js';

const crates = ['examples/stuck-server', 'examples/clean', ...readdirSync('examples/stories').filter((d) => existsSync(join('examples/stories', d, 'Cargo.toml'))).map((d) => `examples/stories/${d}`)];

describe('example crates report exactly their planted bugs', () => {
  for (const crate of crates) {
    test(crate, () => {
      const ws = new Workspace(defaultConfig());
      const { files, results, skipped } = ws.checkPaths([crate]);
      expect(skipped).toEqual([]);
      const got: string[] = [];
      for (const f of files) {
        const res = results.get(f.path)!;
        expect(res.failures.map((x) => `${x.rule}: ${x.error.message}`)).toEqual([]);
        for (const d of res.findings) got.push(`${relative(crate, d.file)}:${d.span.start.line + 1} ${d.rule}`);
      }
      const expected = readFileSync(join(crate, 'expected.txt'), 'utf8').split('\n').filter(Boolean);
      const order = (xs: string[]) => [...xs].sort();
      expect(order(got)).toEqual(order(expected));
    });
  }
});
