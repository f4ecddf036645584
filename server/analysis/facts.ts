// What one file contributes to the workspace index: its fns (async or future-returning), its
// `use` map, its structs' field types, and for each async fn the awaits that matter to other
// files' rules. Plain data: no tree-sitter nodes survive in here.
import type { SyntaxNode } from '../../grammars/rust.js';
import type { Knowledge } from './knowledge.js';
import { lastSegment } from './knowledge.js';
import type { Resolver } from './resolve.js';
import type { FileSyntax } from './syntax.js';
import type { Span } from './types.js';
import { headType, type UseMap } from './uses.js';
import { signatureOf } from './signature.js';
import { extractLockFactsSteps, lockSignatureLines, type FileLocks } from './lock-facts.js';
import { finish, type Steps } from './steps.js';
import { BODY_BOUNDARIES, enclosingBody } from './context.js';

export type FutureKind = 'async' | 'impl-future' | 'boxed-future';

export interface AwaitedCall {
  /** Method or fn name as written (last segment). */
  name: string;
  /** Set when the call is a known non-cancel-safe API: its path and what is lost. */
  unsafeApi?: { path: string; why: string };
  span: Span;
}

export interface FnFact {
  name: string;
  /** Last segment of the `impl` type, without generics, when the fn is a method or associated fn. */
  implType?: string;
  traitName?: string;
  isMethod: boolean;
  /** Set when calling the fn yields a future. */
  future?: FutureKind;
  returnType?: string;
  nameSpan: Span;
  /** Awaits in the fn's own body (not in nested closures or async blocks). */
  awaits: AwaitedCall[];
}

export interface FieldFact {
  struct: string;
  field: string;
  /** Resolved head type path (`std::sync::Mutex`). */
  type: string;
  span: Span;
}

export interface FileFacts {
  path: string;
  fns: FnFact[];
  uses: UseMap;
  fields: FieldFact[];
  /** Locks each body takes and in which order (see lock-facts.ts). */
  locks?: FileLocks;
  /** Changes exactly when something other files depend on changes. */
  signature: string;
}

const FUTURE_RETURN = /\bimpl\s+(?:(?:std|core)::future::)?(?:Future|IntoFuture)\b|\bdyn\s+(?:(?:std|core)::future::)?Future\b|\b(?:Local)?BoxFuture\b/;

export function isAsyncFn(fn: SyntaxNode): boolean {
  for (const c of fn.children) {
    if (c.type === 'function_modifiers') return /\basync\b/.test(c.text);
    if (c.type === 'fn') return false;
  }
  return false;
}

export function hasSelfParam(fn: SyntaxNode): boolean {
  const params = fn.childForFieldName('parameters');
  return !!params?.namedChildren.some((p) => p.type === 'self_parameter');
}

export function futureKind(fn: SyntaxNode): FutureKind | undefined {
  if (isAsyncFn(fn)) return 'async';
  const ret = fn.childForFieldName('return_type');
  if (!ret) return undefined;
  const m = FUTURE_RETURN.exec(ret.text);
  if (!m) return undefined;
  return m[0].startsWith('impl') ? 'impl-future' : 'boxed-future';
}

const OWNER_TYPES = ['impl_item', 'trait_item', 'function_item', 'closure_expression'];

/** The impl or trait around a fn: (type, trait). */
export function ownerOf(syntax: FileSyntax, fn: SyntaxNode): { implType?: string; traitName?: string } {
  const found = syntax.enclosingOf(OWNER_TYPES, fn);
  for (const a of found === null ? syntax.ancestors(fn) : found ? [found] : []) {
    if (a.type === 'impl_item') {
      const t = a.childForFieldName('type');
      const tr = a.childForFieldName('trait');
      return { implType: t ? lastSegment(headType(t.text)) : undefined, traitName: tr ? lastSegment(headType(tr.text)) : undefined };
    }
    if (a.type === 'trait_item') return { traitName: a.childForFieldName('name')?.text };
    if (a.type === 'function_item' || a.type === 'closure_expression') return {};
  }
  return {};
}

/** Whether `node` belongs to `fn`'s own body rather than to a nested fn, closure or async block. */
export function ownBody(syntax: FileSyntax, fn: SyntaxNode, node: SyntaxNode): boolean {
  if (BODY_BOUNDARIES.has(fn.type)) return syntax.same(enclosingBody(syntax, node), fn);
  for (const a of syntax.ancestors(node)) {
    if (syntax.same(a, fn)) return true;
    if (a.type === 'function_item' || a.type === 'closure_expression' || a.type === 'async_block') return false;
  }
  return false;
}

/** The call an `.await` awaits, looking through `?`, parentheses and `.unwrap()`-free chains. */
export function awaitedCall(awaitExpr: SyntaxNode): SyntaxNode | undefined {
  let inner: SyntaxNode | undefined = awaitExpr.namedChildren[0];
  while (inner && inner.type === 'parenthesized_expression') inner = inner.namedChildren[0];
  return inner?.type === 'call_expression' ? inner : undefined;
}

/** The known API a call expression invokes: its knowledge entry or undefined. */
export function knownAsyncCall(resolver: Resolver, knowledge: Knowledge, call: SyntaxNode) {
  const path = resolver.calleePath(call);
  if (path) {
    const api = knowledge.asyncFn(path);
    return api?.kind === 'fn' ? { api, name: lastSegment(path) } : undefined;
  }
  const m = resolver.methodCall(call);
  if (!m) return undefined;
  const recv = resolver.typeOf(m.receiver);
  const api = recv ? knowledge.asyncMethod(m.name, recv) : undefined;
  return api ? { api, name: m.name } : undefined;
}

export function extractFacts(path: string, syntax: FileSyntax, resolver: Resolver, knowledge: Knowledge): FileFacts {
  return finish(extractFactsSteps(path, syntax, resolver, knowledge));
}

/** `extractFacts`, pausable after each fn (see steps.ts). */
export function* extractFactsSteps(path: string, syntax: FileSyntax, resolver: Resolver, knowledge: Knowledge): Steps<FileFacts> {
  const fns: FnFact[] = [];
  for (const fn of [...syntax.nodes('function_item'), ...syntax.nodes('function_signature_item')]) {
    yield;
    const nameNode = fn.childForFieldName('name');
    if (!nameNode) continue;
    const { implType, traitName } = ownerOf(syntax, fn);
    const ret = fn.childForFieldName('return_type');
    const fact: FnFact = {
      name: nameNode.text,
      implType,
      traitName,
      isMethod: hasSelfParam(fn),
      future: futureKind(fn),
      returnType: ret ? resolver.type(ret.text) : undefined,
      nameSpan: syntax.span(nameNode),
      awaits: [],
    };
    if (fact.future === 'async' && fn.type === 'function_item') {
      for (const aw of syntax.within('await_expression', fn)) {
        if (!ownBody(syntax, fn, aw)) continue;
        const call = awaitedCall(aw);
        if (!call) continue;
        const known = knownAsyncCall(resolver, knowledge, call);
        const m = resolver.methodCall(call);
        const name = known?.name ?? (m ? m.name : lastSegment(resolver.calleePath(call) ?? ''));
        if (!name) continue;
        const entry: AwaitedCall = { name, span: syntax.span(call) };
        if (known && known.api.cancelSafe === false) entry.unsafeApi = { path: known.api.path, why: known.api.why ?? 'progress is lost' };
        fact.awaits.push(entry);
      }
    }
    if (fn.type === 'function_signature_item') SIGNATURE_ONLY.add(fact);
    fns.push(fact);
  }
  const fields: FieldFact[] = [];
  for (const st of syntax.nodes('struct_item')) {
    const sname = st.childForFieldName('name')?.text;
    const body = st.childForFieldName('body');
    if (!sname || !body || body.type !== 'field_declaration_list') continue;
    for (const f of body.namedChildren) {
      if (f.type !== 'field_declaration') continue;
      const fname = f.childForFieldName('name');
      const ftype = f.childForFieldName('type');
      if (fname && ftype) fields.push({ struct: sname, field: fname.text, type: resolver.type(ftype.text), span: syntax.span(fname) });
    }
  }
  yield;
  const locks = yield* extractLockFactsSteps(syntax, resolver, knowledge);
  return { path, fns, uses: resolver.uses, fields, locks, signature: factsSignature(fns, fields, locks) };
}

/** Fns declared without a body (trait items): extraction lists them after all fns with one. */
const SIGNATURE_ONLY = new WeakSet<FnFact>();

export function isSignatureOnly(fn: FnFact): boolean {
  return SIGNATURE_ONLY.has(fn);
}

/** Carry the mark over to a copy of a fact (facts are moved by copying, see incremental.ts). */
export function copyFnMark(from: FnFact, to: FnFact): FnFact {
  if (SIGNATURE_ONLY.has(from)) SIGNATURE_ONLY.add(to);
  return to;
}

/** The index signature of a file's facts: what other files' results depend on, no spans (see signature.ts). */
export function factsSignature(fns: readonly FnFact[], fields: readonly FieldFact[], locks: FileLocks): string {
  const lines: string[] = [];
  for (const f of fns) {
    if (f.future) lines.push(`${f.implType ?? ''}::${f.name}:${f.future}:${f.awaits.map((a) => a.unsafeApi?.path ?? a.name).join(',')}`);
    else lines.push(`${f.implType ?? ''}::${f.name}:sync:${f.returnType ?? ''}`);
  }
  for (const f of fields) lines.push(`${f.struct}.${f.field}:${f.type}`);
  for (const l of lockSignatureLines(locks)) lines.push(l);
  return signatureOf(lines);
}
