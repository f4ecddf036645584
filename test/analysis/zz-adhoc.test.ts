import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'vitest';
import { STATIC_RULES } from '../../rules/index.js';
import { defaultConfig } from '../../server/analysis/config.js';
import { splitUnits } from '../../server/analysis/units.js';
import { Workspace } from '../../server/workspace/workspace.js';
test('adhoc', () => {
  const ws = new Workspace(defaultConfig(), STATIC_RULES);
  const crates = ['examples/stuck-server', 'examples/clean', ...readdirSync('examples/stories').filter((d) => existsSync(join('examples/stories', d, 'Cargo.toml'))).map((d) => `examples/stories/${d}`), ...STATIC_RULES.map(r => join('rules', r.meta.id, 'fixtures'))];
  const batch = ws.checkPaths(crates);
  let members = 0, headers = 0;
  for (const f of batch.files) {
    const units = splitUnits(f.tree.rootNode, f.text.length);
    members += units.filter((u) => u.depth > 0 && !u.header).length;
    headers += units.filter((u) => u.header).length;
    for (const fi of batch.results.get(f.path)!.findings) {
      const u = units.find((u) => fi.span.start.offset >= u.start && fi.span.start.offset < u.end);
      if (u?.header) console.log('HEADER FINDING', f.path, fi.rule, fi.span.start.line + 1);
      if (u && fi.span.end.offset > u.end) console.log('SPANS UNITS', f.path, fi.rule, fi.span.start.line + 1, u.depth);
    }
  }
  console.log({ files: batch.files.length, members, headers });
});
