// Which locks each fn takes, and in which order, as plain data for the workspace index. A lock is
// named by where it lives — `Type.field` or a static's name — so two fns on the same struct type
// that lock `self.accounts` mean the same lock. Per file we record each body's acquisitions, the
// calls it makes, and "while holding A, then X" events (X a lock or a call); `LockGraph` joins all
// files, follows calls through fn summaries and yields every ordered pair of locks with the
// places that take them.
import type { SyntaxNode } from '../../grammars/rust.js';
import { BODY_BOUNDARIES, enclosingBody } from './context.js';
import type { FileFacts } from './facts.js';
import { lastSegment, type Knowledge } from './knowledge.js';
import type { Resolver } from './resolve.js';
import type { FileSyntax } from './syntax.js';
import type { Span } from './types.js';
import type { WorkspaceIndex } from './workspace-index.js';
import { finish, type Steps } from './steps.js';
import { NodeMap } from './node-map.js';

export type LockMode = 'shared' | 'upgradable' | 'exclusive';

export interface LockSite {
  /** `Type.field` or a static's name. */
  lock: string;
  mode: LockMode;
  /** False for `try_lock` and friends, which never wait. */
  waits: boolean;
  span: Span;
  /** The acquiring call as written, shortened (`self.accounts.lock()`). */
  text: string;
  /** Set when the receiver names a static defined in another file: the acquire method, checked against the static's type when files are joined. */
  pendingStatic?: string;
}

export interface CallSite {
  name: string;
  /** Last segment of the callee's impl type; undefined for a free fn. */
  implType?: string;
  span: Span;
  text: string;
}

export interface HeldEvent {
  /** Index into the body's `sites`. */
  held: number;
  then: { site: number } | { call: number };
}

export interface BodyLocks {
  /** `Type::name` / `name` for fns, `closure in name` / `async block in name` otherwise. */
  label: string;
  /** Set for fn bodies: what callers combine into summaries. */
  fn?: { name: string; implType?: string };
  sites: LockSite[];
  calls: CallSite[];
  events: HeldEvent[];
}

export interface FileLocks {
  bodies: BodyLocks[];
  /** Statics of a lock type defined in this file: name → lock type path. */
  statics: Array<{ name: string; type: string }>;
}

const PASS_THROUGH_METHODS = new Set(['unwrap', 'expect', 'unwrap_or_else']);
const SHARED = new Set(['read', 'try_read', 'read_owned', 'try_read_owned']);
const LAZY_WRAPPER = /^(?:(?:std::sync::|once_cell::sync::)?(?:LazyLock|Lazy))\s*<([\s\S]*)>\s*$/;
const SPAWNERS = new Set(['spawn', 'spawn_local', 'spawn_blocking']);

export function modeOf(method: string): LockMode {
  if (SHARED.has(method)) return 'shared';
  if (method === 'upgradable_read' || method === 'try_upgradable_read') return 'upgradable';
  return 'exclusive';
}

/** Whether holding `a` blocks a waiter wanting `b` on the same lock. */
export function conflicts(a: LockMode, b: LockMode): boolean {
  if (a === 'shared' && b === 'shared') return false;
  if ((a === 'shared' && b === 'upgradable') || (a === 'upgradable' && b === 'shared')) return false;
  return true;
}

function short(text: string): string {
  const one = text.replace(/\s+/g, ' ');
  return one.length > 60 ? `${one.slice(0, 57)}...` : one;
}

/** The lock type a static's declared type stands for, looking through `LazyLock<..>`. */
function staticLockType(typeText: string, resolver: Resolver, knowledge: Knowledge): string | undefined {
  const m = LAZY_WRAPPER.exec(typeText.trim());
  const t = resolver.type(m ? m[1]! : typeText);
  const lock = knowledge.lock(t);
  return lock && lock.kind !== 'cell' ? t : undefined;
}

export interface Acquisition {
  call: SyntaxNode;
  lock: string;
  method: string;
  pendingStatic?: boolean;
}

/** If `call` takes a lock named by a field or a static, which one. Cells and local locks are ignored. */
export function acquisitionOf(
  call: SyntaxNode,
  resolver: Resolver,
  knowledge: Knowledge,
  localStatics: ReadonlyMap<string, string>,
): Acquisition | undefined {
  const m = resolver.methodCall(call);
  if (!m) return undefined;
  const recv = m.receiver;
  const recvType = recv.type;
  if (recvType === 'field_expression') {
    // Typing the receiver is the costly part; a method no lock type acquires with cannot match.
    if (!knowledge.isAcquireMethod(m.name)) return undefined;
    const value = recv.childForFieldName('value');
    const field = recv.childForFieldName('field');
    if (!value || !field || field.type !== 'field_identifier') return undefined;
    const lockType = resolver.typeOf(recv);
    const lock = lockType ? knowledge.lock(lockType) : undefined;
    if (!lock || lock.kind === 'cell' || !lock.acquire.includes(m.name)) return undefined;
    const owner = resolver.typeOf(value);
    if (!owner) return undefined;
    return { call, lock: `${lastSegment(owner)}.${field.text}`, method: m.name };
  }
  if (recvType === 'identifier' || recvType === 'scoped_identifier') {
    const name = lastSegment(recv.text.replace(/\s+/g, ''));
    // Statics are SCREAMING_CASE by convention; anything else is a local or a param we cannot name.
    // (Checked before the binding lookup, which costs far more.)
    if (!/^[A-Z][A-Z0-9_]*$/.test(name)) return undefined;
    if (recvType === 'identifier' && resolver.binding(recv)) return undefined;
    const local = localStatics.get(name);
    if (local) {
      const lock = knowledge.lock(local);
      return lock && lock.acquire.includes(m.name) ? { call, lock: name, method: m.name } : undefined;
    }
    return { call, lock: name, method: m.name, pendingStatic: true };
  }
  return undefined;
}

/** The expression a guard value ends up as: the call wrapped in `.await`, `?`, `.unwrap()` and the like. */
function guardExpr(syntax: FileSyntax, resolver: Resolver, call: SyntaxNode): SyntaxNode {
  let top = call;
  for (;;) {
    const p = syntax.parent(top);
    if (!p) return top;
    if (p.type === 'await_expression' || p.type === 'try_expression' || p.type === 'parenthesized_expression') {
      top = p;
      continue;
    }
    if (p.type === 'field_expression' && syntax.same(p.childForFieldName('value'), top)) {
      const outer = syntax.parent(p);
      if (outer?.type === 'call_expression' && syntax.same(outer.childForFieldName('function'), p)) {
        const m = resolver.methodCall(outer);
        if (m && PASS_THROUGH_METHODS.has(m.name)) {
          top = outer;
          continue;
        }
      }
    }
    return top;
  }
}

/** End offset of the region in which the guard taken by `call` is alive (its own end when dropped at once). */
export function guardEnd(syntax: FileSyntax, resolver: Resolver, call: SyntaxNode): number {
  const top = guardExpr(syntax, resolver, call);
  const p = syntax.parent(top);
  if (p?.type === 'let_declaration' && syntax.same(p.childForFieldName('value'), top)) {
    const pat = p.childForFieldName('pattern');
    if (pat?.type === 'identifier') return boundGuardEnd(syntax, p, pat.text);
    if (pat?.text === '_') return syntax.end(call);
  }
  return temporaryEnd(syntax, call);
}

/**
 * Per file: `guardEnd` of each acquiring call. It depends on the syntax alone, and a file's lock
 * facts are extracted again once the whole workspace is indexed (see `Workspace.refreshFacts`).
 */
const guardEnds = new WeakMap<FileSyntax, NodeMap<number>>();

function guardEndOnce(syntax: FileSyntax, resolver: Resolver, call: SyntaxNode): number {
  let ends = guardEnds.get(syntax);
  if (!ends) guardEnds.set(syntax, (ends = new NodeMap()));
  let end = ends.get(call);
  if (end === undefined) ends.set(call, (end = guardEnd(syntax, resolver, call)));
  return end;
}

/** A `let g = ..` guard lives to the end of its block, or to the first `drop(g)` after it. */
function boundGuardEnd(syntax: FileSyntax, decl: SyntaxNode, name: string): number {
  const block = syntax.parent(decl);
  if (!block) return syntax.end(decl);
  const from = syntax.end(decl);
  for (const c of syntax.within('call_expression', block)) {
    if (syntax.start(c) < from) continue;
    const fn = c.childForFieldName('function');
    const args = c.childForFieldName('arguments')?.namedChildren ?? [];
    if (fn && /^(?:(?:std|core)::mem::)?drop$/.test(fn.text.replace(/\s+/g, '')) && args.length === 1 && args[0]!.text === name) return syntax.start(c);
  }
  return syntax.end(block);
}

/**
 * Temporaries live to the end of the enclosing statement, match arm or block tail, except in an
 * `if`/`while` condition (dropped once the condition is evaluated). An `if let`/`while let`
 * scrutinee is not such a condition: its temporaries live through the whole expression.
 */
function temporaryEnd(syntax: FileSyntax, node: SyntaxNode): number {
  let prev = node;
  for (const a of syntax.ancestors(node)) {
    switch (a.type) {
      case 'expression_statement':
      case 'let_declaration':
        return syntax.end(a);
      case 'match_arm':
        if (syntax.same(a.childForFieldName('value'), prev)) return syntax.end(a);
        break;
      case 'if_expression':
      case 'while_expression': {
        const cond = a.childForFieldName('condition');
        if (syntax.same(cond, prev) && cond && cond.type !== 'let_condition' && cond.type !== 'let_chain') return syntax.end(cond);
        break;
      }
      case 'block':
        return syntax.end(a);
      default:
        if (BODY_BOUNDARIES.has(a.type)) return syntax.end(a);
    }
    prev = a;
  }
  return syntax.end(node);
}

// Filled on first use: context.js imports this module through facts.js.
let callOrBody: string[] | undefined;

/** Whether `call` is (inside) an argument of a spawn: its future runs in another task, not under the caller's guards. */
function insideSpawn(syntax: FileSyntax, resolver: Resolver, call: SyntaxNode, body: SyntaxNode): boolean {
  // Only the calls around `call` matter, and file offsets find them without a climb.
  const types = (callOrBody ??= ['call_expression', ...BODY_BOUNDARIES]);
  const around: SyntaxNode[] = [];
  for (let a = syntax.enclosingOf(types, call); !syntax.same(a, body); a = syntax.enclosingOf(types, a)) {
    if (!a) return spawnAround(syntax, resolver, call, [...syntax.ancestors(call)], body);
    around.push(a);
  }
  return spawnAround(syntax, resolver, call, around, body);
}

function spawnAround(syntax: FileSyntax, resolver: Resolver, call: SyntaxNode, around: readonly SyntaxNode[], body: SyntaxNode): boolean {
  for (const a of around) {
    if (syntax.same(a, body)) return false;
    if (a.type !== 'call_expression' || syntax.same(a, call)) continue;
    const args = a.childForFieldName('arguments');
    if (!args || !syntax.contains(args, call)) continue;
    const path = resolver.calleePath(a);
    const name = path ? lastSegment(path) : resolver.methodCall(a)?.name;
    if (name && SPAWNERS.has(name)) return true;
  }
  return false;
}

function calleeOf(resolver: Resolver, call: SyntaxNode): { name: string; implType?: string } | undefined {
  const m = resolver.methodCall(call);
  if (m) {
    const t = resolver.typeOf(m.receiver);
    return t ? { name: m.name, implType: lastSegment(t) } : undefined;
  }
  const path = resolver.calleePath(call);
  if (!path) return undefined;
  const segs = path.split('::');
  const name = segs[segs.length - 1]!;
  if (segs.length === 1) return { name };
  let owner = segs[segs.length - 2]!;
  if (owner === 'Self') owner = lastSegment(resolver.implTypeOf(call) ?? '');
  if (!owner) return undefined;
  return /^[A-Z]/.test(owner) ? { name, implType: owner } : { name };
}

const FN = ['function_item'];

function bodyLabel(syntax: FileSyntax, resolver: Resolver, body: SyntaxNode): string {
  const fnName = (fn: SyntaxNode) => {
    const name = fn.childForFieldName('name')?.text ?? '?';
    const impl = resolver.implTypeOf(fn);
    return impl ? `${lastSegment(impl)}::${name}` : name;
  };
  if (body.type === 'function_item') return fnName(body);
  const found = syntax.enclosingOf(FN, body);
  const outer = found !== null ? found : [...syntax.ancestors(body)].find((a) => a.type === 'function_item');
  const what = body.type === 'async_block' ? 'the async block' : 'the closure';
  return outer ? `${what} in ${fnName(outer)}` : what;
}

export function extractLockFacts(syntax: FileSyntax, resolver: Resolver, knowledge: Knowledge): FileLocks {
  return finish(extractLockFactsSteps(syntax, resolver, knowledge));
}

/** `extractLockFacts`, pausable every few calls (see steps.ts). */
export function* extractLockFactsSteps(syntax: FileSyntax, resolver: Resolver, knowledge: Knowledge): Steps<FileLocks> {
  const statics: FileLocks['statics'] = [];
  const localStatics = new Map<string, string>();
  for (const st of syntax.fileNodes('static_item')) {
    const name = st.childForFieldName('name')?.text;
    const type = st.childForFieldName('type');
    if (!name || !type) continue;
    const lock = staticLockType(type.text, resolver, knowledge);
    if (!lock) continue;
    statics.push({ name, type: lock });
    localStatics.set(name, lock);
  }
  // Per body: its facts, and for each site the acquiring call and the range its guard is alive in.
  type Entry = { node: SyntaxNode; facts: BodyLocks; callNodes: SyntaxNode[]; starts: number[]; ends: number[]; acquires: boolean };
  const bodies = new Map<string, Entry>();
  const bodyOf = (node: SyntaxNode) => {
    const b = enclosingBody(syntax, node);
    if (!b) return undefined;
    const key = syntax.key(b);
    let entry = bodies.get(key);
    if (!entry) {
      // The label is filled in for the bodies kept.
      const facts: BodyLocks = { label: '', sites: [], calls: [], events: [] };
      if (b.type === 'function_item') {
        const name = b.childForFieldName('name')?.text;
        const impl = resolver.implTypeOf(b);
        if (name) facts.fn = { name, implType: impl ? lastSegment(impl) : undefined };
      }
      entry = { node: b, facts, callNodes: [], starts: [], ends: [], acquires: false };
      bodies.set(key, entry);
    }
    return entry;
  };
  // Which calls take locks, first: the calls of a body that is no fn's and takes none are dropped
  // with it, so their callees (the costly part: the receiver's type) are never needed.
  const plan: Array<{ call: SyntaxNode; acq: Acquisition | undefined; entry: Entry }> = [];
  let n = 0;
  for (const call of syntax.nodes('call_expression')) {
    if ((++n & 31) === 0) yield;
    const acq = acquisitionOf(call, resolver, knowledge, localStatics);
    const entry = bodyOf(call);
    if (!entry) continue;
    if (acq) entry.acquires = true;
    plan.push({ call, acq, entry });
  }
  // Calls come in source order; an acquisition is checked against the guards alive where it starts.
  for (const { call, acq, entry } of plan) {
    if (!acq && !entry.acquires && !entry.facts.fn) continue;
    if ((++n & 31) === 0) yield;
    const at = syntax.start(call);
    const alive = () => {
      const out: number[] = [];
      entry.facts.sites.forEach((_, i) => {
        if (entry.starts[i]! <= at && at < entry.ends[i]! && !syntax.contains(call, entry.callNodes[i]!)) out.push(i);
      });
      return out;
    };
    if (acq) {
      const held = alive();
      const site: LockSite = {
        lock: acq.lock,
        mode: modeOf(acq.method),
        waits: !acq.method.startsWith('try_'),
        span: syntax.span(call),
        text: short(syntax.textOf(call)),
      };
      if (acq.pendingStatic) site.pendingStatic = acq.method;
      const idx = entry.facts.sites.push(site) - 1;
      entry.callNodes.push(call);
      entry.starts.push(syntax.end(call));
      entry.ends.push(guardEndOnce(syntax, resolver, call));
      for (const h of held) entry.facts.events.push({ held: h, then: { site: idx } });
      continue;
    }
    const callee = calleeOf(resolver, call);
    if (!callee || insideSpawn(syntax, resolver, call, entry.node)) continue;
    const idx = entry.facts.calls.push({ ...callee, span: syntax.span(call), text: short(syntax.textOf(call)) }) - 1;
    for (const h of alive()) entry.facts.events.push({ held: h, then: { call: idx } });
  }
  const kept: BodyLocks[] = [];
  for (const { node, facts } of bodies.values()) {
    if (facts.sites.length === 0 && !(facts.fn && facts.calls.length > 0)) continue;
    facts.label = bodyLabel(syntax, resolver, node);
    kept.push(facts);
  }
  return { bodies: kept, statics };
}

/** A stable text of what other files depend on (no spans), for the index signature. */
export function lockSignature(locks: FileLocks): string {
  return lockSignatureLines(locks).join('\n');
}

/** The lines of `lockSignature`. */
export function lockSignatureLines(locks: FileLocks): string[] {
  const parts = locks.statics.map((s) => `static ${s.name}:${s.type}`);
  for (const b of locks.bodies) {
    if (!b.fn) continue;
    parts.push(`lockfn ${b.fn.implType ?? ''}::${b.fn.name}:${b.sites.map((s) => `${s.lock}/${s.mode}/${s.waits}`).join(',')}:${b.calls.map((c) => `${c.implType ?? ''}::${c.name}`).join(',')}`);
  }
  return parts;
}

// ---------- joining files ----------

export interface Place {
  file: string;
  span: Span;
  text: string;
  /** The body it sits in (for a lock taken inside a callee: the callee). */
  label: string;
}

/** One path that takes `first`, then — still holding it — `second`. */
export interface OrderedPair {
  first: string;
  second: string;
  firstMode: LockMode;
  secondMode: LockMode;
  file: string;
  /** The body holding `first`. */
  label: string;
  bodyKey: string;
  held: Place;
  /** Where the path reaches `second` in its own body: the acquisition, or the call leading to it. */
  at: Place;
  /** Calls from `at` down to the acquisition of `second`, then the acquisition itself (empty when direct). */
  via: Place[];
}

interface Summary {
  site: LockSite;
  /** Call places from the fn down to the acquisition, then the acquisition. */
  chain: Place[];
}

const MAX_CALL_DEPTH = 6;
const MAX_SUMMARY = 32;

export class LockGraph {
  private readonly statics = new Map<string, string[]>();
  private readonly fnsByName = new Map<string, Array<{ body: BodyLocks; file: string }>>();
  private readonly summaries = new Map<BodyLocks, Summary[]>();
  private readonly pairsByFile = new Map<string, OrderedPair[]>();
  private readonly byOrder = new Map<string, OrderedPair[]>();

  /** `lockOk(type, method)`: whether `method` takes a lock of `type` (checks statics from other files). */
  constructor(
    files: ReadonlyArray<{ path: string; locks: FileLocks }>,
    private readonly lockOk: (type: string, method: string) => boolean,
  ) {
    for (const f of files) {
      for (const s of f.locks.statics) {
        const list = this.statics.get(s.name) ?? [];
        list.push(s.type);
        this.statics.set(s.name, list);
      }
      for (const b of f.locks.bodies) {
        if (!b.fn) continue;
        const list = this.fnsByName.get(b.fn.name) ?? [];
        list.push({ body: b, file: f.path });
        this.fnsByName.set(b.fn.name, list);
      }
    }
    for (const f of files) {
      const pairs: OrderedPair[] = [];
      f.locks.bodies.forEach((b, bi) => this.pairsOf(f.path, b, `${f.path}#${bi}`, pairs));
      this.pairsByFile.set(f.path, pairs);
      for (const p of pairs) {
        const k = `${p.first}\u0000${p.second}`;
        const list = this.byOrder.get(k) ?? [];
        list.push(p);
        this.byOrder.set(k, list);
      }
    }
  }

  /** Ordered pairs whose holding body is in `file`. */
  pairsIn(file: string): readonly OrderedPair[] {
    return this.pairsByFile.get(file) ?? [];
  }

  /** Paths that take `second` while holding `first`. */
  pairsOrdered(first: string, second: string): readonly OrderedPair[] {
    return this.byOrder.get(`${first}\u0000${second}`) ?? [];
  }

  /** A static acquisition from another file counts only when a static of that name has a lock type (checked by the caller's knowledge). */
  private siteOk(site: LockSite): boolean {
    if (!site.pendingStatic) return true;
    const types = this.statics.get(site.lock);
    if (!types || types.length !== 1) return false;
    return this.lockOk(types[0]!, site.pendingStatic);
  }

  private callees(call: CallSite): Array<{ body: BodyLocks; file: string }> {
    const named = this.fnsByName.get(call.name) ?? [];
    if (call.implType !== undefined) return named.filter((e) => e.body.fn!.implType === call.implType);
    const free = named.filter((e) => e.body.fn!.implType === undefined);
    // A free fn name defined more than once (in different modules) is ambiguous: follow none.
    return free.length === 1 ? free : [];
  }

  private summary(body: BodyLocks, file: string, depth: number, visiting: Set<BodyLocks>): Summary[] {
    const done = this.summaries.get(body);
    if (done) return done;
    if (depth > MAX_CALL_DEPTH || visiting.has(body)) return [];
    visiting.add(body);
    const out: Summary[] = [];
    const seen = new Set<string>();
    const add = (s: Summary) => {
      const k = `${s.site.lock}/${s.site.mode}`;
      if (seen.has(k) || out.length >= MAX_SUMMARY) return;
      seen.add(k);
      out.push(s);
    };
    for (const site of body.sites) {
      if (site.waits && this.siteOk(site)) add({ site, chain: [{ file, span: site.span, text: site.text, label: body.label }] });
    }
    for (const call of body.calls) {
      for (const c of this.callees(call)) {
        for (const s of this.summary(c.body, c.file, depth + 1, visiting)) {
          add({ site: s.site, chain: [{ file, span: call.span, text: call.text, label: body.label }, ...s.chain] });
        }
      }
    }
    visiting.delete(body);
    // A summary cut short by recursion or depth is cached as is: it can only miss locks, never invent one.
    this.summaries.set(body, out);
    return out;
  }

  private pairsOf(file: string, body: BodyLocks, bodyKey: string, out: OrderedPair[]): void {
    for (const ev of body.events) {
      const held = body.sites[ev.held]!;
      if (!this.siteOk(held)) continue;
      const heldPlace: Place = { file, span: held.span, text: held.text, label: body.label };
      const push = (site: LockSite, at: Place, via: Place[]) => {
        if (site.lock === held.lock) return;
        out.push({ first: held.lock, second: site.lock, firstMode: held.mode, secondMode: site.mode, file, label: body.label, bodyKey, held: heldPlace, at, via });
      };
      if ('site' in ev.then) {
        const site = body.sites[ev.then.site]!;
        if (site.waits && this.siteOk(site)) push(site, { file, span: site.span, text: site.text, label: body.label }, []);
      } else {
        const call = body.calls[ev.then.call]!;
        const at: Place = { file, span: call.span, text: call.text, label: body.label };
        for (const c of this.callees(call)) {
          for (const s of this.summary(c.body, c.file, 0, new Set())) push(s.site, at, s.chain);
        }
      }
    }
  }
}

const graphs = new WeakMap<object, { facts: FileFacts[]; graph: LockGraph; version?: number }>();

/**
 * `lockGraphOf` for every file of an index. The rule asks once per file checked, and collecting
 * and comparing every file's facts each time costs O(files²) on a workspace check: the index's
 * facts version tells when nothing was replaced since.
 */
export function indexLockGraph(index: WorkspaceIndex, knowledge: Knowledge): LockGraph {
  const cached = graphs.get(index);
  if (cached && cached.version === index.factsVersion) return cached.graph;
  const all: FileFacts[] = [];
  for (const p of index.paths()) {
    const f = index.get(p);
    if (f) all.push(f);
  }
  const graph = lockGraphOf(index, all, knowledge);
  graphs.get(index)!.version = index.factsVersion;
  return graph;
}

/**
 * The lock graph of the whole workspace, rebuilt only when some file's facts object changed.
 * `files` lists every file's facts; `owner` keys the cache (the workspace index).
 */
export function lockGraphOf(owner: object, files: readonly FileFacts[], knowledge: Knowledge): LockGraph {
  const cached = graphs.get(owner);
  if (cached && cached.facts.length === files.length && cached.facts.every((f, i) => f === files[i])) return cached.graph;
  const graph = new LockGraph(
    files.filter((f) => f.locks).map((f) => ({ path: f.path, locks: f.locks! })),
    (type, method) => !!knowledge.lock(type)?.acquire.includes(method),
  );
  graphs.set(owner, { facts: [...files], graph });
  return graph;
}
