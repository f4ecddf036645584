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
  const all: SyntaxNode[] = [];
  const cursor = sample.walk();
  for (let more = true; more; ) {
    all.push(cursor.currentNode);
    if (cursor.gotoFirstChild()) continue;
    while (!cursor.gotoNextSibling()) if (!cursor.gotoParent()) { more = false; break; }
  }
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
