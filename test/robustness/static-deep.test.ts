// Deeply nested Rust through the whole static engine: parsing never fails, no rule
// throws, and every span a finding, related place or fix edit carries lies inside its text.
// Deterministic: a seeded PRNG picks the cut points, so a failure names a reproducible variant.
import { describe, expect, test } from 'vitest';
import { checkVariants, type Variant } from './fuzz-helpers.js';

describe('deep nesting', () => {
  // Slow (seconds, quadratic in depth): FileSyntax.parent climbs natively, see the report.
  test('deep nesting: blocks, parens, closures, macros in macros', { timeout: 120_000 }, () => {
    const N = 5000;
    const vs: Variant[] = [
      { name: 'blocks', text: `async fn f() { ${'{ '.repeat(N)}g().await;${' }'.repeat(N)} }\nasync fn g() {}\n` },
      { name: 'parens', text: `fn f() -> u8 { ${'('.repeat(N)}1${')'.repeat(N)} }\n` },
      { name: 'closures', text: `fn f() { let c = ${'|| '.repeat(N)}0; }\n` },
      { name: 'async-blocks', text: `async fn f() { ${'async { '.repeat(N)}1${' }.await'.repeat(N)}; }\n` },
      { name: 'macros', text: `async fn f() { ${'vec!['.repeat(N)}1${']'.repeat(N)}; }\n` },
      { name: 'select-in-select', text: `async fn f() { ${'tokio::select! { _ = async { '.repeat(200)}${'} => {} }'.repeat(200)} }\n` },
      { name: 'join-in-join', text: `async fn f() { ${'tokio::join!(async { '.repeat(500)}${'})'.repeat(500)}; }\n` },
      { name: 'unclosed-blocks', text: `async fn f() { ${'{ '.repeat(N)}g();\nasync fn g() {}\n` },
      { name: 'unclosed-macros', text: `async fn f() { ${'println!('.repeat(N)}\n` },
      { name: 'generics', text: `fn f(x: ${'Vec<'.repeat(N)}u8${'>'.repeat(N)}) {}\n` },
    ];
    expect(checkVariants(vs)).toEqual([]);
  });

});
