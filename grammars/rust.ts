// Loads the tree-sitter Rust grammar once per process. The native binding is CommonJS, so it is
// pulled in through createRequire; everything else in awaitlens imports parsing from here.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import type ParserT from 'tree-sitter';
import { fromRoot } from '../server/paths.js';

const require = createRequire(import.meta.url);
export const Parser: typeof ParserT = require('tree-sitter');
export const RustLanguage: ParserT.Language = require('tree-sitter-rust');

export type Tree = ParserT.Tree;
export type SyntaxNode = ParserT.SyntaxNode;
export type TreeCursor = ParserT.TreeCursor;
export type Query = ParserT.Query;
export type Edit = ParserT.Edit;

let shared: ParserT | undefined;

/** The process-wide parser. tree-sitter parsers are not re-entrant, and JS is single-threaded. */
export function parser(): ParserT {
  if (!shared) {
    shared = new Parser();
    shared.setLanguage(RustLanguage);
  }
  return shared;
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

const queryCache = new Map<string, Query>();

/** A query from grammars/queries/NAME.scm, compiled once. */
export function query(name: string): Query {
  let q = queryCache.get(name);
  if (!q) {
    const src = readFileSync(fromRoot('grammars', 'queries', `${name}.scm`), 'utf8');
    q = new Parser.Query(RustLanguage, src);
    queryCache.set(name, q);
  }
  return q;
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
