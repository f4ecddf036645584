// A rule that throws costs only its own findings: the CLI reports it as an internal warning on
// stderr and still prints everything else.
import { resolve } from 'node:path';
import { describe, expect, test, vi } from 'vitest';
import { defineRule } from '../server/analysis/rule.js';

vi.mock('../rules/index.js', async (importOriginal) => {
  const orig = await importOriginal<typeof import('../rules/index.js')>();
  const broken = defineRule({
    meta: { ...orig.STATIC_RULES[0]!.meta, id: 'broken-rule', summary: 'throws' },
    nodeTypes: [],
    check() {
      throw new Error('boom\nsecond line of detail');
    },
  });
  return { ...orig, STATIC_RULES: [...orig.STATIC_RULES, broken] };
});

const { main } = await import('../server/cli/cli.js');

describe('rule failures', () => {
  test('reported on stderr, the run goes on', async () => {
    let stdout = '';
    let stderr = '';
    const code = await main(['check', 'bug'], { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), cwd: resolve(__dirname, 'fixtures/cli'), env: {}, stdoutIsTTY: false });
    expect(stderr).toBe('awaitlens: internal warning: rule broken-rule failed on bug/src/lib.rs: boom\n');
    expect(stdout.endsWith('3 problems (3 warnings) in 1 file\n')).toBe(true);
    expect(code).toBe(1);
  });
});
