// Odd, deep and huge Rust through the whole static engine: parsing never fails, no rule
// throws, and every span a finding, related place or fix edit carries lies inside its text.
// Deterministic: a seeded PRNG picks the cut points, so a failure names a reproducible variant.
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { defaultConfig } from '../../server/analysis/config.js';
import { Workspace } from '../../server/workspace/workspace.js';
import { checkVariants, read, resultProblems, type Variant } from './fuzz-helpers.js';

const repo = join(import.meta.dirname, '../..');

const SELECT = `use tokio::sync::mpsc;
async fn run(mut rx: mpsc::Receiver<u8>, mut stop: tokio::sync::oneshot::Receiver<()>) {
    loop {
        tokio::select! {
            biased;
            Some(v) = rx.recv(), if v > 0 => { println!("{v}"); }
            _ = &mut stop => break,
            else => { tokio::time::sleep(std::time::Duration::from_millis(1)).await; }
        }
    }
}
`;

const UNUSUAL = `#![feature(async_closure)]
use std::sync::{Arc, Mutex};
macro_rules! twice {
    ($e:expr) => { $e; $e };
    ($($t:tt)*) => { $($t)* };
    ($name:ident, $ty:ty, $($rest:tt),+ $(,)?) => { let $name: $ty = Default::default(); };
}
trait Lend { type Item<'a> where Self: 'a; fn lend<'a>(&'a mut self) -> Option<Self::Item<'a>>; }
struct Buf<const N: usize>([u8; N]);
impl<const N: usize> Buf<N> { const LEN: usize = N; }
async fn r#async(r#fn: impl std::future::Future<Output = u8> + Send, m: Arc<Mutex<u8>>) -> u8 {
    let Some(x) = Some(1u8) else { return 0 };
    let c = async move |y: u8| y + 1;
    let g = m.lock().unwrap();
    'outer: loop { 'inner: for i in 0..3 { if i == 1 { break 'outer; } continue 'inner; } }
    let v = r#fn.await + c(x).await + *g;
    twice!(tokio::task::yield_now().await);
    let s = r##"raw "string" with # inside"##;
    let b = br#"bytes"#;
    let ch = '\\u{1F980}';
    let _ = (s, b, ch);
    v
}
`;

describe('unusual and extreme inputs', () => {
  test('select! and unusual syntax, cut at every offset', () => {
    const problems: string[] = [];
    for (const [tag, text] of [['select', SELECT], ['unusual', UNUSUAL]] as const) {
      const vs: Variant[] = [{ name: `${tag}#whole`, text }];
      for (let p = 0; p < text.length; p += 3) vs.push({ name: `${tag}#cut@${p}`, text: text.slice(0, p) });
      problems.push(...checkVariants(vs));
    }
    expect(problems.slice(0, 20)).toEqual([]);
  });

  test('non-ASCII: lone surrogates, RTL marks, emoji, BOM', () => {
    const vs: Variant[] = [
      { name: 'lone-high', text: `async fn f() { let s = "\ud800"; g().await; }\nasync fn g() {}\n` },
      { name: 'lone-low', text: `async fn f() {\udc00 g(); }\nasync fn g() {}\n` },
      { name: 'split-pair-at-end', text: `async fn g() {}\nasync fn f() { g(); } // 𝄞`.slice(0, -1) },
      { name: 'rtl', text: `async fn g() {}\nasync fn f() { /* \u202e } \u2066 */ g(); }\n` },
      { name: 'emoji-idents', text: `async fn g() {}\nasync fn f() { let 🦀 = 1; let é = g(); g(); }\n` },
      { name: 'bom', text: `\ufeffasync fn g() {}\nasync fn f() { g(); }\n` },
      { name: 'cr-only', text: `async fn g() {}\rasync fn f() {\r g();\r}\r` },
    ];
    expect(checkVariants(vs)).toEqual([]);
  });

  test('very long lines', { timeout: 60_000 }, () => {
    const long = 'x'.repeat(100_000);
    const vs: Variant[] = [
      { name: 'long-ident', text: `async fn g() {}\nasync fn f() { let ${long} = 1; g(); }\n` },
      { name: 'long-string', text: `async fn g() {}\nasync fn f() { let s = "${long}"; g(); }\n` },
      { name: 'long-comment', text: `// ${long}\nasync fn g() {}\nasync fn f() { g(); }\n` },
      { name: 'long-chain', text: `async fn f(v: Vec<u8>) { let _ = v${'.clone()'.repeat(2_000)}; }\n` },
      { name: 'long-sum', text: `fn f() -> u64 { ${Array(20_000).fill('1').join(' + ')} }\n` },
    ];
    expect(checkVariants(vs)).toEqual([]);
  });

  test('unclosed strings, comments and raw strings', () => {
    const body = `async fn g() {}\nasync fn f() { g(); }\n`;
    const vs: Variant[] = ['"', "'", '/*', '/* /* */', 'r#"', 'r###"', 'b"', '///', '#[', '#![', 'macro_rules! m { ($x:', "'a: loop {"].map((p, i) => ({ name: `open-${i}`, text: `${p}${body}` }));
    vs.push(...['"', '/*', 'r#"', '{', '(', '[', '<'].map((s, i) => ({ name: `tail-${i}`, text: `${body}${s}` })));
    expect(checkVariants(vs)).toEqual([]);
  });

  test('a 3 MB file', () => {
    const unit = read(join(repo, 'rules/unawaited-future/fixtures/fires.rs'));
    let text = '';
    let i = 0;
    while (text.length < 3 * 1024 * 1024) text += unit.replace(/\bfn (\w+)/g, (_, n: string) => `fn ${n}_${i}`) + '\n', i++;
    const path = '/fuzz/huge.rs';
    const result = new Workspace(defaultConfig()).checkTexts([{ path, text }]).results.get(path);
    expect(resultProblems(result, path, new Map([[path, text]]))).toEqual([]);
    expect(result!.findings.length).toBeGreaterThan(0);
  });
});
