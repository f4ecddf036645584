// Wire columns are 1-based Unicode scalar values (rustc's CharPos, what `Location::column()` and
// `column!()` report); ranges are UTF-16. Non-ASCII before the spawn call must not shift it.
import { describe, expect, test } from 'vitest';
import { LineIndex } from '../../server/analysis/line-index.js';
import { calleeRange, findCrateRoots } from '../../server/live/lsp/locations.js';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('wire locations to editor ranges', () => {
  test('scalar-value columns → UTF-16 ranges over the callee path', () => {
    // `é` is 1 scalar / 1 UTF-16 unit / 2 bytes; `😀` is 1 scalar / 2 UTF-16 units / 4 bytes.
    const text = 'fn main() {\n    let _é😀 = 1; tokio::spawn(async {});\n}\n';
    const lines = new LineIndex(text);
    // `tokio` follows 4 spaces + "let _é😀 = 1; " (13 scalars): column 18, UTF-16 index 18
    // (the emoji takes two units, `é` one); in bytes it would be column 22.
    expect(calleeRange(lines, 2, 18)).toEqual({ start: { line: 1, character: 18 }, end: { line: 1, character: 30 } });
    expect(lines.lineText(1).slice(18, 30)).toBe('tokio::spawn');
  });

  test('out-of-range lines give no range; a column past the end clamps to the line end', () => {
    const lines = new LineIndex('spawn(x);\n');
    expect(calleeRange(lines, 7, 1)).toBeUndefined();
    expect(calleeRange(lines, 1, 1)).toEqual({ start: { line: 0, character: 0 }, end: { line: 0, character: 5 } });
    expect(calleeRange(lines, 1, 99)).toEqual({ start: { line: 0, character: 9 }, end: { line: 0, character: 9 } });
  });

  test('crate roots: every folder with a Cargo.toml, members before the workspace root; target/ skipped', () => {
    const root = mkdtempSync(join(tmpdir(), 'awaitlens-roots-'));
    for (const d of ['', 'crates/app', 'target/debug/build/x']) {
      mkdirSync(join(root, d), { recursive: true });
      writeFileSync(join(root, d, 'Cargo.toml'), '');
    }
    expect(findCrateRoots([root])).toEqual([join(root, 'crates/app'), root]);
  });
});
