// Strings read from a tree (`node.text`) and slices of a document's text are, for V8, views into
// that whole text: keeping one keeps the whole text alive. The language server keeps findings,
// facts and unit texts from one keystroke to the next — some for the whole session — and each
// such string held one version of the document, so typing piled up copies of a large file in
// the old generation until a full collection (a long pause) cleared them. What outlives a parse
// is therefore stored as an owned copy.

/** `s` as a string of its own (not a view into a larger one). */
export function ownString(s: string): string {
  // Slicing a concatenation makes V8 copy it into a new flat string first; the result views
  // only that copy.
  return (s + ' ').slice(0, -1);
}

/**
 * Replaces, in place, every string inside plain data (objects, arrays, Maps, Sets) with an owned
 * copy. The data must be a tree (facts are): a shared part is visited once per path to it, which
 * is harmless, and a cycle would not end.
 */
export function ownStrings<T>(value: T): T {
  own(value);
  return value;
}

function own(v: unknown): void {
  if (typeof v !== 'object' || v === null) return;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (typeof x === 'string') v[i] = ownString(x);
      else if (typeof x === 'object') own(x);
    }
    return;
  }
  if (v instanceof Map) {
    const entries = [...(v as Map<unknown, unknown>)];
    v.clear();
    for (const [k, x] of entries) {
      own(k);
      own(x);
      v.set(typeof k === 'string' ? ownString(k) : k, typeof x === 'string' ? ownString(x) : x);
    }
    return;
  }
  if (v instanceof Set) {
    const items = [...(v as Set<unknown>)];
    v.clear();
    for (const x of items) {
      own(x);
      v.add(typeof x === 'string' ? ownString(x) : x);
    }
    return;
  }
  // Positions are the most numerous objects in facts and hold numbers only.
  if ('offset' in v && 'line' in v) return;
  const o = v as Record<string, unknown>;
  for (const k in o) {
    const x = o[k];
    if (typeof x === 'string') o[k] = ownString(x);
    else if (typeof x === 'object') own(x);
  }
}
