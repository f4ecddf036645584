// `use` declarations and type paths: what a short name like `Mutex` means in one file.
import type { SyntaxNode } from '../../grammars/rust.js';

export interface UseMap {
  /** alias → fully qualified path (`Mutex` → `std::sync::Mutex`). */
  names: Map<string, string>;
  /** Modules imported with `::*`. */
  globs: string[];
  /**
   * Names that `use` declarations in different scopes of the file bind to different paths
   * (`use std::sync::Barrier;` in one test fn, `use tokio::sync::Barrier;` in another): `names`
   * keeps only the last, so a type spelled that way is unknown.
   */
  ambiguous: Set<string>;
}

/** Binds `alias` to `path`, noting an alias that already meant another path. */
export function bindUse(map: UseMap, alias: string, path: string): void {
  const had = map.names.get(alias);
  if (had !== undefined && had !== path) map.ambiguous.add(alias);
  map.names.set(alias, path);
}

const ROOTS = new Set(['std', 'core', 'alloc', 'tokio', 'futures', 'parking_lot', 'reqwest', 'tokio_util', 'tokio_stream', 'crate', 'self', 'super', 'async_std', 'hyper', 'axum', 'tonic']);
/** Wrappers that do not change which lock or stream a value is. */
const TRANSPARENT = new Set(['Arc', 'Rc', 'Box', 'Pin', 'ManuallyDrop']);
/** Names every Rust file sees without a `use` (the prelude), mapped to their paths. */
const PRELUDE: Record<string, string> = { Box: 'std::boxed::Box', Vec: 'std::vec::Vec', String: 'std::string::String', Option: 'std::option::Option', Result: 'std::result::Result' };

function clean(text: string): string {
  return text.replace(/\s+/g, '');
}

export function collectUses(useDecls: readonly SyntaxNode[]): UseMap {
  const map: UseMap = { names: new Map(), globs: [], ambiguous: new Set() };
  for (const decl of useDecls) {
    const arg = decl.childForFieldName('argument');
    if (arg) addUse(arg, '', map);
  }
  return map;
}

function join(prefix: string, path: string): string {
  return prefix ? `${prefix}::${path}` : path;
}

function addUse(node: SyntaxNode, prefix: string, map: UseMap): void {
  switch (node.type) {
    case 'identifier':
    case 'crate':
    case 'super':
      bindUse(map, node.text, join(prefix, node.text));
      return;
    case 'self':
      // `use a::b::{self}` imports `b`.
      if (prefix) bindUse(map, prefix.split('::').pop()!, prefix);
      return;
    case 'scoped_identifier': {
      const full = join(prefix, clean(node.text));
      bindUse(map, full.split('::').pop()!, full);
      return;
    }
    case 'use_as_clause': {
      const path = node.childForFieldName('path');
      const alias = node.childForFieldName('alias');
      if (path && alias && alias.text !== '_') bindUse(map, alias.text, join(prefix, clean(path.text)));
      return;
    }
    case 'scoped_use_list': {
      const path = node.childForFieldName('path');
      const list = node.childForFieldName('list');
      const inner = path ? join(prefix, clean(path.text)) : prefix;
      if (list) for (const c of list.namedChildren) addUse(c, inner, map);
      return;
    }
    case 'use_list':
      for (const c of node.namedChildren) addUse(c, prefix, map);
      return;
    case 'use_wildcard': {
      const path = node.namedChildren[0];
      map.globs.push(path ? join(prefix, clean(path.text)) : prefix);
      return;
    }
    default:
      return;
  }
}

/** The head type of a type's text, without references, lifetimes and transparent wrappers. */
export function headType(typeText: string): string {
  let t = typeText.trim();
  for (;;) {
    const before = t;
    t = t.replace(/^&\s*('\w+\s+)?(mut\s+)?/, '').replace(/^(dyn|impl)\s+/, '').trim();
    const lt = t.indexOf('<');
    const head = clean(lt === -1 ? t : t.slice(0, lt));
    const last = head.split('::').pop()!;
    if (TRANSPARENT.has(last) && lt !== -1) {
      t = firstGenericArg(t.slice(lt));
      continue;
    }
    if (t === before) return head;
  }
}

function firstGenericArg(generics: string): string {
  let depth = 0;
  for (let i = 0; i < generics.length; i++) {
    const ch = generics[i];
    if (ch === '<' || ch === '(' || ch === '[') depth++;
    else if (ch === '>' || ch === ')' || ch === ']') {
      depth--;
      if (depth === 0) return generics.slice(1, i);
    } else if (ch === ',' && depth === 1) return generics.slice(1, i);
  }
  return generics.slice(1);
}

/**
 * The fully qualified path a path written in this file stands for, as far as the file's `use`
 * declarations tell. `isKnown` picks among glob imports.
 */
export function resolvePath(path: string, uses: UseMap, isKnown?: (p: string) => boolean): string {
  const p = clean(path).replace(/^::/, '');
  const segs = p.split('::');
  const first = segs[0]!;
  const mapped = uses.names.get(first);
  if (mapped) return [mapped, ...segs.slice(1)].join('::');
  if (ROOTS.has(first) && segs.length > 1) return p;
  if (isKnown) {
    for (const g of uses.globs) {
      const candidate = `${g}::${p}`;
      if (isKnown(candidate)) return candidate;
    }
  }
  const prelude = PRELUDE[first];
  if (prelude) return [prelude, ...segs.slice(1)].join('::');
  return p;
}

/** The resolved head type of a type written in this file (`Arc<Mutex<T>>` → `std::sync::Mutex`). */
export function resolveType(typeText: string, uses: UseMap, isKnown?: (p: string) => boolean): string {
  return resolvePath(headType(typeText), uses, isKnown);
}
