// A file's index signature — what other files' results depend on — as a hash of the multiset of
// its signature lines: equal line multisets give equal signatures whatever their order, and the
// signature of a file after an edit is the old one with the removed lines taken out and the added
// ones put in, without rebuilding (and sorting) the lines of the whole file on every keystroke.
// Two independent 32-bit sums (of FNV-1a and of a second multiplicative hash) and the line count
// make an accidental match of different multisets vanishingly unlikely.

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function mult(s: string): number {
  let h = s.length | 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i) + 0x9e37) | 0;
  return Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
}

interface Parts {
  n: number;
  a: number;
  b: number;
}

function parts(sig: string): Parts {
  const [n, a, b] = sig.split('.').map(Number);
  return { n: n ?? 0, a: a ?? 0, b: b ?? 0 };
}

const format = (p: Parts) => `${p.n}.${p.a >>> 0}.${p.b >>> 0}`;

export function signatureOf(lines: Iterable<string>): string {
  const p: Parts = { n: 0, a: 0, b: 0 };
  for (const l of lines) {
    p.n++;
    p.a = (p.a + fnv1a(l)) >>> 0;
    p.b = (p.b + mult(l)) >>> 0;
  }
  return format(p);
}

/** The signature of `sig`'s lines without those of `minus` and with those of `plus` (a sub-multiset). */
export function replaceLines(sig: string, minus: string, plus: string): string {
  const s = parts(sig);
  const m = parts(minus);
  const p = parts(plus);
  return format({ n: s.n - m.n + p.n, a: (s.a - m.a + p.a) >>> 0, b: (s.b - m.b + p.b) >>> 0 });
}
