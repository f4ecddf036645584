// Loads the tree-sitter Rust grammar once per process. The native binding is CommonJS, so it is
// pulled in through createRequire; everything else in awaitlens imports parsing from here.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import type ParserT from 'tree-sitter';

const require = createRequire(import.meta.url);
export const Parser: typeof ParserT = require('tree-sitter');
export const RustLanguage: ParserT.Language = require('tree-sitter-rust');

export type Tree = ParserT.Tree;
export type SyntaxNode = ParserT.SyntaxNode;
export type TreeCursor = ParserT.TreeCursor;
export type Edit = ParserT.Edit;

let shared: ParserT | undefined;

/** The process-wide parser. tree-sitter parsers are not re-entrant, and JS is single-threaded. */
export function parser(): ParserT {
  if (!shared) {
    shared = new Parser();
    shared.setLanguage(RustLanguage);
    installFastAccessors();
    skipNodeIdentityCache();
    installFastNavigation();
  }
  return shared;
}

/**
 * Analysis cost is dominated by N-API crossings for node properties, and three of the hottest
 * ones need no native call at all:
 * - `type`: the binding gives every named node type its own JS subclass and means to put the type
 *   name on its prototype, but that assignment is silently dropped (the base class has a getter
 *   without a setter), so every `node.type` crosses N-API. The first answer per subclass is
 *   stored on its prototype; the base class (anonymous tokens, errors) keeps the native getter.
 * - `id` and `startIndex`: a JS node already holds its marshalled TSNode (`[0..1]` the id
 *   pointer's low/high words, `[2]` the start byte; strings are read as UTF-16, 2 bytes a unit).
 * The shortcuts are installed only if they agree with the native answers on a sample tree, so a
 * binding that changes its layout just keeps the slow path.
 */
function installFastAccessors(): void {
  const Base = (Parser as unknown as { SyntaxNode: { prototype: object } }).SyntaxNode;
  const proto = Base.prototype;
  const nativeType = Object.getOwnPropertyDescriptor(proto, 'type')?.get;
  const nativeId = Object.getOwnPropertyDescriptor(proto, 'id')?.get;
  const nativeStart = Object.getOwnPropertyDescriptor(proto, 'startIndex')?.get;
  if (!nativeType || !nativeId || !nativeStart) return;
  type Raw = SyntaxNode & Record<number, number>;
  const fastId = function (this: Raw): number {
    return this[1]! * 0x1_0000_0000 + this[0]!;
  };
  const fastStart = function (this: Raw): number {
    return this[2]! / 2;
  };
  const sample = shared!.parse('// é\nasync fn f<T>(x: &[u8]) -> u8 { let s = "ü𝄞"; m!{ a }; x.len() as u8 + 1 }\n');
  const all = everyNode(sample);
  for (const n of all) {
    if (fastId.call(n as Raw) !== nativeId.call(n) || fastStart.call(n as Raw) !== nativeStart.call(n)) return;
  }
  Object.defineProperty(proto, 'id', { get: fastId, configurable: true });
  Object.defineProperty(proto, 'startIndex', { get: fastStart, configurable: true });
  Object.defineProperty(proto, 'type', {
    configurable: true,
    get(this: SyntaxNode): string {
      const t = nativeType.call(this) as string;
      const cls = this.constructor;
      if (cls !== Base) Object.defineProperty(cls.prototype, 'type', { value: t, configurable: true });
      return t;
    },
  });
}

/**
 * The binding keeps, per tree, a native map from each TSNode to the JS object made for it, so that
 * asking for the same node twice returns the same object. Filling it costs a native call, a weak
 * reference and a finalizer for every node object ever created, and those finalizers are a large
 * share of garbage-collection time on a workspace check. awaitlens never compares nodes by object
 * identity (`FileSyntax.same` compares ids and trees, maps are keyed by id), so the map is left
 * empty: the binding then marshals a fresh object each time, which is cheaper than caching it.
 */
function skipNodeIdentityCache(): void {
  const proto = (Parser as unknown as { Tree: { prototype: Record<string, unknown> } }).Tree.prototype;
  if (typeof proto._cacheNode !== 'function' || typeof proto._cacheNodes !== 'function') return;
  proto._cacheNode = function (): void {};
  proto._cacheNodes = function (): void {};
}

/**
 * Every navigation getter of the binding (parent, children, fields, descendants) hands its answer
 * over through a shared transfer array and turns it into node objects in `unmarshalNode`, which
 * builds three BigInts per node just to test the id for null, and `childForFieldName` makes the
 * native side look the field's name up among all field names on every call. The replacements
 * below call the same native methods, test the id's two words directly and pass field ids. They
 * are installed only if they answer exactly as the originals on a sample tree.
 */
function installFastNavigation(): void {
  const req = createRequire(require.resolve('tree-sitter'));
  type Native = (tree: Tree, ...args: unknown[]) => unknown;
  let binding: { NodeMethods: Record<string, Native>; nodeTransferArray: Uint32Array; getNodeFieldNamesById(l: unknown): Array<string | null>; Tree: unknown };
  try {
    const dir = require.resolve('tree-sitter').replace(/[\\/][^\\/]*$/, '');
    binding = req('node-gyp-build')(dir);
  } catch {
    return;
  }
  if (binding.Tree !== (Parser as unknown as { Tree: unknown }).Tree) return;
  const N = binding.NodeMethods;
  const Base = (Parser as unknown as { SyntaxNode: new (tree: Tree) => Raw }).SyntaxNode;
  type Raw = SyntaxNode & Record<number, number>;
  type WithClasses = { nodeSubclasses: Array<new (tree: Tree) => Raw> };
  const fieldIds = new Map<string, number>();
  binding.getNodeFieldNamesById(RustLanguage).forEach((name, id) => {
    if (name) fieldIds.set(name, id);
  });
  const marshal = (node: Raw): void => {
    const a = binding.nodeTransferArray;
    a[0] = node[0]!;
    a[1] = node[1]!;
    a[2] = node[2]!;
    a[3] = node[3]!;
    a[4] = node[4]!;
    a[5] = node[5]!;
  };
  /** The node at `at` (a multiple of 6) of the transfer array; null for a null id. */
  const unmarshal = (typeId: unknown, tree: Tree, at: number): Raw | null => {
    if (typeof typeId === 'object') return typeId as Raw | null;
    const a = binding.nodeTransferArray;
    if (a[at] === 0 && a[at + 1] === 0) return null;
    const Cls = typeId === 0xffff ? Base : ((tree as unknown as { language: WithClasses }).language.nodeSubclasses[typeId as number] ?? Base);
    const node = new Cls(tree);
    node[0] = a[at]!;
    node[1] = a[at + 1]!;
    node[2] = a[at + 2]!;
    node[3] = a[at + 3]!;
    node[4] = a[at + 4]!;
    node[5] = a[at + 5]!;
    return node;
  };
  const unmarshalAll = (list: unknown[], tree: Tree): Raw[] => {
    let at = 0;
    for (let i = 0; i < list.length; i++) {
      const v = list[i];
      if (typeof v === 'object') continue;
      list[i] = unmarshal(v, tree, at);
      at += 6;
    }
    return list as Raw[];
  };
  const one = (method: string) =>
    function (this: Raw): Raw | null {
      marshal(this);
      return unmarshal(N[method]!(this.tree), this.tree, 0);
    };
  const many = (method: string) =>
    function (this: Raw): Raw[] {
      marshal(this);
      return unmarshalAll(N[method]!(this.tree) as unknown[], this.tree);
    };
  const getters: Record<string, () => unknown> = {};
  for (const m of ['parent', 'firstChild', 'firstNamedChild', 'lastChild', 'lastNamedChild', 'nextSibling', 'nextNamedSibling', 'previousSibling', 'previousNamedSibling']) getters[m] = one(m);
  for (const m of ['children', 'namedChildren']) getters[m] = many(m);
  const methods: Record<string, (this: Raw, ...args: never[]) => unknown> = {
    childForFieldName(this: Raw, name: string): Raw | null {
      const id = fieldIds.get(name);
      if (id === undefined) return null;
      marshal(this);
      return unmarshal(N.childForFieldId!(this.tree, id), this.tree, 0);
    },
    childrenForFieldName(this: Raw, name: string): Raw[] {
      const id = fieldIds.get(name);
      if (id === undefined) return [];
      marshal(this);
      return unmarshalAll(N.childrenForFieldId!(this.tree, id) as unknown[], this.tree);
    },
    child(this: Raw, i: number): Raw | null {
      marshal(this);
      return unmarshal(N.child!(this.tree, i), this.tree, 0);
    },
    namedChild(this: Raw, i: number): Raw | null {
      marshal(this);
      return unmarshal(N.namedChild!(this.tree, i), this.tree, 0);
    },
    descendantForIndex(this: Raw, start: number, end?: number): Raw | null {
      marshal(this);
      return unmarshal(N.descendantForIndex!(this.tree, start, end ?? start), this.tree, 0);
    },
    namedDescendantForIndex(this: Raw, start: number, end?: number): Raw | null {
      marshal(this);
      return unmarshal(N.namedDescendantForIndex!(this.tree, start, end ?? start), this.tree, 0);
    },
    childWithDescendant(this: Raw, descendant: Raw): Raw | null {
      marshal(this);
      const a = binding.nodeTransferArray;
      for (let i = 0; i < 6; i++) a[6 + i] = descendant[i]!;
      return unmarshal(N.childWithDescendant!(this.tree, descendant.tree), this.tree, 0);
    },
    descendantsOfType(this: Raw, types: string | string[], start?: unknown, end?: unknown): Raw[] {
      marshal(this);
      return unmarshalAll(N.descendantsOfType!(this.tree, typeof types === 'string' ? [types] : types, start, end) as unknown[], this.tree);
    },
  };
  if (Object.keys(getters).some((g) => !Object.getOwnPropertyDescriptor(Base.prototype, g)?.get)) return;
  if (Object.keys(methods).some((m) => typeof (Base.prototype as unknown as Record<string, unknown>)[m] !== 'function')) return;
  if (Object.keys(methods).concat(Object.keys(getters)).some((m) => typeof N[m === 'childForFieldName' ? 'childForFieldId' : m === 'childrenForFieldName' ? 'childrenForFieldId' : m] !== 'function')) return;
  const proto = Base.prototype as unknown as Record<string, (...a: never[]) => unknown>;
  const theirs = { getters: {} as Getters, methods: {} as Methods };
  for (const name of Object.keys(getters)) theirs.getters[name] = Object.getOwnPropertyDescriptor(proto, name)!.get!;
  for (const name of Object.keys(methods)) theirs.methods[name] = proto[name]!;
  const sample = shared!.parse('// é\nasync fn f<T: Tr>(x: &[u8], y: (u8, u16)) -> u8 { let s = "ü𝄞"; m!{ a }; if let Some(z) = g(x).await { z } else { x.len() as u8 + 1 } }\nstruct S { a: u8 }\n');
  if (mismatch(sample, { getters, methods }, theirs) !== undefined) return;
  bindingNavigation = theirs;
  for (const [name, get] of Object.entries(getters)) Object.defineProperty(Base.prototype, name, { get, configurable: true });
  for (const [name, fn] of Object.entries(methods)) Object.defineProperty(Base.prototype, name, { value: fn, writable: true, configurable: true });
}

type Getters = Record<string, () => unknown>;
type Methods = Record<string, (...args: never[]) => unknown>;

/** The binding's own navigation, kept when it is replaced (for `navigationMismatch`). */
let bindingNavigation: { getters: Getters; methods: Methods } | undefined;

/**
 * The first place in `tree` where the installed navigation answers differently from the
 * binding's own (undefined when they agree everywhere, or when nothing was replaced).
 */
export function navigationMismatch(tree: Tree): string | undefined {
  if (!bindingNavigation) return undefined;
  const proto = (Parser as unknown as { SyntaxNode: { prototype: object } }).SyntaxNode.prototype as Record<string, (...a: never[]) => unknown>;
  const getters: Getters = {};
  const methods: Methods = {};
  for (const name of Object.keys(bindingNavigation.getters)) getters[name] = Object.getOwnPropertyDescriptor(proto, name)!.get!;
  for (const name of Object.keys(bindingNavigation.methods)) methods[name] = proto[name]!;
  return mismatch(tree, { getters, methods }, bindingNavigation);
}

/** Compares two navigation implementations on every node of `tree`; describes the first difference. */
function mismatch(tree: Tree, ours: { getters: Getters; methods: Methods }, theirs: { getters: Getters; methods: Methods }): string | undefined {
  const all = everyNode(tree);
  const same = (a: unknown, b: unknown): boolean => {
    if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => same(x, b[i]));
    if (a === null || b === null) return a === b;
    const x = a as SyntaxNode;
    const y = b as SyntaxNode;
    return x.id === y.id && x.tree === y.tree && x.type === y.type && x.startIndex === y.startIndex && x.endIndex === y.endIndex && x.constructor === y.constructor;
  };
  for (const [k, n] of all.entries()) {
    for (const name of Object.keys(theirs.getters)) {
      if (!same(ours.getters[name]!.call(n), theirs.getters[name]!.call(n))) return `${name} of the ${n.type} at ${n.startIndex}`;
    }
    const calls: Array<[string, unknown[]]> = [
      ['childForFieldName', ['name']], ['childForFieldName', ['body']], ['childForFieldName', ['value']], ['childForFieldName', ['nope']],
      ['childrenForFieldName', ['type']], ['child', [0]], ['namedChild', [1]], ['child', [99]],
      ['descendantForIndex', [n.startIndex, n.startIndex + 1]], ['namedDescendantForIndex', [n.startIndex]],
      ['descendantsOfType', [['identifier', 'block']]], ['descendantsOfType', ['call_expression']],
      ['childWithDescendant', [all[(k * 7919) % all.length]]], ['childWithDescendant', [all[all.length - 1]]], ['childWithDescendant', [n]],
    ];
    for (const [name, args] of calls) {
      const f = (m: Methods) => m[name] as (...a: unknown[]) => unknown;
      if (!same(f(ours.methods).apply(n, args), f(theirs.methods).apply(n, args))) return `${name}(${String(args[0])}) of the ${n.type} at ${n.startIndex}`;
    }
  }
  return undefined;
}

/** Every node of a tree, anonymous ones included, in pre-order. */
function everyNode(tree: Tree): SyntaxNode[] {
  const all: SyntaxNode[] = [];
  const cursor = tree.walk();
  for (let more = true; more; ) {
    all.push(cursor.currentNode);
    if (cursor.gotoFirstChild()) continue;
    while (!cursor.gotoNextSibling()) if (!cursor.gotoParent()) { more = false; break; }
  }
  return all;
}

/**
 * Parse `text`, reusing `old` (already `edit`ed) when given. The node binding reads JS strings as
 * UTF-16, so every index and column it reports is in UTF-16 code units. The default 32 KiB
 * buffer makes the binding call back into JS for every chunk; a larger one avoids that for
 * ordinary files.
 */
export function parse(text: string, old?: Tree): Tree {
  return parser().parse(text, old, { bufferSize: Math.max(32 * 1024, text.length + 1) });
}

interface NodeTypeInfo { type: string; named: boolean }

let nodeTypes: Set<string> | undefined;

/** Every named node type of the grammar, from its node-types.json (used to validate rule metadata). */
export function grammarNodeTypes(): Set<string> {
  if (!nodeTypes) {
    const path = require.resolve('tree-sitter-rust/src/node-types.json');
    const list = JSON.parse(readFileSync(path, 'utf8')) as NodeTypeInfo[];
    nodeTypes = new Set(list.filter((t) => t.named).map((t) => t.type));
  }
  return nodeTypes;
}

/** Whether the binding's navigation was replaced by the faster one (see `installFastNavigation`). */
export function navigationReplaced(): boolean {
  parser();
  return bindingNavigation !== undefined;
}
