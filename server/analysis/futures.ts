// Which calls are known to hand back a future: workspace `async fn`s and fns returning
// `impl Future` / boxed futures, and async APIs from the knowledge files. Shared by rules that
// reason about futures being dropped, delayed or awaited in sequence. Unknown means "not a
// future": rules built on this must stay quiet rather than guess.
import type { SyntaxNode } from '../../grammars/rust.js';
import { codeBefore } from './context.js';
import type { Knowledge } from './knowledge.js';
import { lastSegment } from './knowledge.js';
import { findBoundIdent, type Resolver } from './resolve.js';
import type { FileSyntax } from './syntax.js';
import type { WorkspaceIndex } from './workspace-index.js';

export interface FutureLookup {
  readonly path: string;
  readonly syntax: FileSyntax;
  readonly resolver: Resolver;
  readonly index: WorkspaceIndex;
  readonly knowledge: Knowledge;
}

/**
 * Methods of `Option`, `Result` and the other std types every crate calls on values awaitlens
 * cannot type. A workspace extension trait may add a future-returning method of the same name
 * (hyper's tests give futures an `.expect(msg)`), but on an unknown receiver the std method is
 * far more likely.
 */
const STD_SYNC_METHODS = new Set([
  'unwrap', 'expect', 'unwrap_err', 'expect_err', 'unwrap_or', 'unwrap_or_else', 'unwrap_or_default',
  'map', 'map_err', 'and_then', 'or_else', 'ok', 'err', 'ok_or', 'ok_or_else', 'is_some', 'is_none',
  'is_ok', 'is_err', 'take', 'replace', 'clone', 'into', 'as_ref', 'as_mut', 'iter', 'len', 'is_empty',
  'push', 'pop', 'insert', 'remove', 'get', 'contains', 'to_string', 'to_owned', 'collect', 'drop', 'set_len',
]);

/** Attributes that turn an `async fn` into a plain fn that runs a runtime (`#[tokio::main]`, `#[tokio::test]`). */
const RUNTIME_ENTRY = /^#\s*\[\s*(?:[\w:]*::)?(?:main|test)\b/;

/** A short description of the future-returning callee (`\`do_work()\``), or undefined when the call is not known to return one. */
export function futureOf(ctx: FutureLookup, call: SyntaxNode): string | undefined {
  const { resolver, index, knowledge } = ctx;
  const path = resolver.calleePath(call);
  if (path) {
    const api = knowledge.asyncFn(path);
    if (api?.kind === 'fn') return `\`${path}(..)\``;
    const segs = path.split('::');
    const name = segs[segs.length - 1]!;
    if (segs.length === 1) {
      // A free fn: every workspace fn of that name must return a future (names repeat across modules).
      // Checked before the local names, which cost a climb through the scopes.
      const free = index.fnsNamed(name).filter(({ fn }) => fn.implType === undefined && fn.traitName === undefined);
      if (!(free.length > 0 && free.every(({ fn }) => fn.future))) return undefined;
      // A local closure or fn-typed parameter shadows any workspace fn of the same name.
      const callee = calleeIdent(call);
      if (callee && isLocalName(ctx, callee)) return undefined;
      return isRuntimeEntryHere(ctx, free) ? undefined : `\`${name}()\``;
    }
    let owner = segs[segs.length - 2]!;
    // `crate::net::connect()` or `util::connect()`: a module path, so a free fn of that name.
    if (owner !== 'Self' && /^[a-z_]/.test(owner)) {
      const free = index.fnsNamed(name).filter(({ fn }) => fn.implType === undefined && fn.traitName === undefined);
      if (!(free.length > 0 && free.every(({ fn }) => fn.future))) return undefined;
      return isRuntimeEntryHere(ctx, free) ? undefined : `\`${segs.slice(-2).join('::')}()\``;
    }
    if (owner === 'Self') owner = lastSegment(resolver.implTypeOf(call) ?? '');
    const assoc = index.fnsNamed(name).filter(({ fn }) => fn.implType === owner);
    return assoc.length > 0 && assoc.every(({ fn }) => fn.future) ? `\`${owner}::${name}()\`` : undefined;
  }
  const m = resolver.methodCall(call);
  if (!m) return undefined;
  // Every answer below needs a known async method or a workspace future fn of this name; most
  // method names have neither, and typing the receiver is the costly part.
  if (knowledge.asyncMethodsNamed(m.name).length === 0 && !index.fnsNamed(m.name).some(({ fn }) => fn.future)) return undefined;
  const recvType = resolver.typeOf(m.receiver);
  if (recvType && !ctx.resolver.uses.ambiguous.has(lastSegment(recvType))) {
    const api = knowledge.asyncMethod(m.name, recvType);
    if (api) return `\`${m.receiver.text}.${m.name}()\``;
    const own = index.fnsNamed(m.name).filter(({ fn }) => fn.implType === lastSegment(recvType));
    return own.length > 0 && own.every(({ fn }) => fn.future) ? `\`${m.receiver.text}.${m.name}()\`` : undefined;
  }
  // Unknown receiver: only a name that is async everywhere in the workspace and in no known sync API.
  if (knowledge.asyncMethodsNamed(m.name).length > 0 || STD_SYNC_METHODS.has(m.name)) return undefined;
  const named = index.fnsNamed(m.name).filter(({ fn }) => fn.isMethod);
  if (named.length > 0 && named.every(({ fn }) => fn.future) && !index.hasSyncMethod(m.name)) return `\`${m.receiver.text}.${m.name}()\``;
  return undefined;
}

/** Whether `ident` names a local binding: a let, a parameter, a pattern, or an `if let` / `while let` condition. */
function isLocalName(ctx: FutureLookup, ident: SyntaxNode): boolean {
  if (ctx.resolver.binding(ident)) return true;
  for (const a of ctx.syntax.ancestors(ident)) {
    if (a.type === 'function_item') return false;
    if (a.type !== 'if_expression' && a.type !== 'while_expression') continue;
    const cond = a.childForFieldName('condition');
    if (!cond || ctx.syntax.contains(cond, ident)) continue;
    const lets = cond.type === 'let_condition' ? [cond] : cond.type === 'let_chain' ? cond.namedChildren.filter((c) => c.type === 'let_condition') : [];
    for (const l of lets) {
      const pat = l.childForFieldName('pattern');
      if (pat && findBoundIdent(pat, ident.text)) return true;
    }
  }
  return false;
}

function calleeIdent(call: SyntaxNode): SyntaxNode | undefined {
  let fn = call.childForFieldName('function');
  if (fn?.type === 'generic_function') fn = fn.childForFieldName('function');
  return fn?.type === 'identifier' ? fn : undefined;
}

/**
 * Whether one of the candidate fns defined in this file carries `#[tokio::main]` / `#[tokio::test]`:
 * the macro rewrites it into a sync fn that blocks on the body, so calling it returns no future.
 * The index keeps no attributes, so candidates in other files are taken as plain async fns.
 */
function isRuntimeEntryHere(ctx: FutureLookup, candidates: ReadonlyArray<{ fn: { nameSpan: { start: { offset: number } } }; file: string }>): boolean {
  for (const c of candidates) {
    if (c.file === ctx.path && isRuntimeEntryAt(ctx.syntax, c.fn.nameSpan.start.offset)) return true;
  }
  return false;
}

/** Per file: fn name offset → whether that fn is a runtime entry. */
const runtimeEntries = new WeakMap<FileSyntax, Map<number, boolean>>();
/** Per file: fn name offset → the fn, built only when the text cannot rule out an attribute. */
const fnsByName = new WeakMap<FileSyntax, Map<number, SyntaxNode[]>>();

/** The keywords that may stand between an item's attributes and its name (`pub(crate) async unsafe fn`). */
const FN_HEADER = /(?:\bpub\s*(?:\([^()]*\)\s*)?)?(?:\b(?:const|async|unsafe|default)\s+|\bextern\s*(?:"[^"]*"\s*)?)*\bfn\s+$/;
/** How far back the header of a fn is looked for. */
const HEADER_REACH = 200;

function isRuntimeEntryAt(syntax: FileSyntax, nameOffset: number): boolean {
  let known = runtimeEntries.get(syntax);
  if (!known) runtimeEntries.set(syntax, (known = new Map()));
  let answer = known.get(nameOffset);
  if (answer === undefined) known.set(nameOffset, (answer = computeRuntimeEntry(syntax, nameOffset)));
  return answer;
}

function computeRuntimeEntry(syntax: FileSyntax, nameOffset: number): boolean {
  // An attribute ends in `]` right before the fn (or before a comment): a fn whose header follows
  // the end of another item or the start of a block has none, and no node need be read. Any
  // other spelling goes to the tree.
  const from = Math.max(0, nameOffset - HEADER_REACH);
  const header = FN_HEADER.exec(syntax.text.slice(from, nameOffset));
  if (header) {
    const { ch } = codeBefore(syntax.text, from + header.index);
    if (ch === '' || ch === '}' || ch === ';' || ch === '{') return false;
  }
  let byName = fnsByName.get(syntax);
  if (!byName) {
    fnsByName.set(syntax, (byName = new Map()));
    for (const fn of syntax.fileNodes('function_item')) {
      const name = fn.childForFieldName('name');
      if (!name) continue;
      const at = syntax.start(name);
      const list = byName.get(at);
      if (list) list.push(fn);
      else byName.set(at, [fn]);
    }
  }
  for (const fn of byName.get(nameOffset) ?? []) {
    for (let a = fn.previousNamedSibling; a && (a.type === 'attribute_item' || a.type === 'line_comment' || a.type === 'block_comment'); a = a.previousNamedSibling) {
      if (a.type === 'attribute_item' && RUNTIME_ENTRY.test(a.text)) return true;
    }
  }
  return false;
}

