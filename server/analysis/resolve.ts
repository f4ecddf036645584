// A small, local type inference: enough to tell which type a receiver has in the common cases
// (parameters, annotated lets, constructors, known APIs' return types, `self.field`). Anything it
// cannot see is `undefined`, and rules treat unknown as "do not fire".
import type { SyntaxNode } from '../../grammars/rust.js';
import type { Knowledge } from './knowledge.js';
import { lastSegment } from './knowledge.js';
import type { FileSyntax } from './syntax.js';
import { resolvePath, resolveType, type UseMap } from './uses.js';
import { NodeMap } from './node-map.js';

/** What the resolver needs from the workspace: struct field types and workspace fn return types. */
export interface TypeLookup {
  /** Changes whenever the facts behind the lookups change (cached answers are then dropped). */
  readonly generation: number;
  fieldType(struct: string, field: string): string | undefined;
  fnReturnType(name: string, implType?: string): string | undefined;
}

const CONSTRUCTORS = new Set(['new', 'bind', 'connect', 'open', 'create', 'with_capacity', 'default', 'from', 'const_new', 'new_with']);
/** Methods that hand back (a wrapper of) their receiver's type. */
const SAME_TYPE_METHODS = new Set(['clone', 'unwrap', 'expect', 'unwrap_or_default', 'as_ref', 'as_mut', 'borrow', 'to_owned', 'into']);
const FN_LIKE = new Set(['function_item', 'closure_expression']);
const IMPL = ['impl_item'];
/** Where `computeBinding` looks for names: every node that can bind one, or hold the lets that do. */
const SCOPES = ['block', 'function_item', 'closure_expression', 'for_expression', 'let_condition', 'match_arm'];

/** A `let` directly in a block, with the names its pattern binds once they were asked for. */
interface LetEntry {
  start: number;
  end: number;
  decl: SyntaxNode;
  names?: readonly string[];
}

export interface BindingSite {
  /** The node that introduces the binding (a let_declaration, parameter, or pattern host). */
  decl: SyntaxNode;
  /** The identifier node of the name inside the pattern. */
  ident: SyntaxNode;
  type?: string;
}

/** One answer read from the index: a field's type (`field` set) or a fn's return type. */
export interface IndexLookup {
  /** The struct, or the fn name. */
  struct: string;
  field?: string;
  implType?: string;
  answer: string | undefined;
}

interface Callee {
  path?: string;
  method?: MethodCall;
}

const NO_CALLEE: Callee = {};

export interface MethodCall {
  name: string;
  receiver: SyntaxNode;
  nameNode: SyntaxNode;
}

/** A type or binding answer with the index answers it was computed from. */
interface IndexedAnswer<T> {
  value: T;
  lookups: readonly IndexLookup[];
  /** The index generation at which the lookups were last known to hold. */
  generation: number;
}

export class Resolver {
  // Rules ask about the same receivers and names again and again; N-API node access is the cost.
  private readonly typeCache = new NodeMap<IndexedAnswer<string | undefined>>();
  private readonly bindingCache = new NodeMap<IndexedAnswer<BindingSite | undefined>>();
  // Syntax-only answers (the `use` map is fixed per file): kept across index generations.
  private readonly callees = new NodeMap<Callee>();
  private readonly blockLets = new NodeMap<LetEntry[]>();
  /** Per fn or closure: its parameters and the names each binds. */
  private readonly fnParams = new NodeMap<Array<{ param: SyntaxNode; names: readonly string[] }>>();
  /** Index answers read by the type or binding answer being computed (nested answers add theirs). */
  private reads: IndexLookup[] | undefined;
  /** Index answers read while recording (see `recordLookups`). */
  private lookupLog?: Set<IndexLookup>;

  /**
   * Answers that depend on the index, computed once per node. Each keeps the index answers it read, and stays
   * valid for as long as they hold: a workspace check reads every file's types while extracting
   * facts, again when facts are refreshed and again in the rules, with the index generation
   * moving in between, and most answers read nothing from the index or nothing that moved.
   */
  private indexed<T>(cache: NodeMap<IndexedAnswer<T>>, node: SyntaxNode, compute: () => T): T {
    const known = cache.get(node);
    if (known && this.stillHolds(known)) {
      this.read(known.lookups);
      return known.value;
    }
    const outer = this.reads;
    let reads: IndexLookup[] = [];
    this.reads = reads;
    let value: T;
    try {
      value = compute();
    } finally {
      this.reads = outer;
    }
    if (reads.length > 8) reads = [...new Set(reads)];
    cache.set(node, { value, lookups: reads, generation: this.lookup.generation });
    this.read(reads);
    return value;
  }

  private stillHolds(a: IndexedAnswer<unknown>): boolean {
    const generation = this.lookup.generation;
    if (a.generation === generation) return true;
    for (const l of a.lookups) if (this.answerOf(l) !== l.answer) return false;
    a.generation = generation;
    return true;
  }

  /** Passes index answers on to the answer being computed, or to the log when none is. */
  private read(lookups: readonly IndexLookup[]): void {
    if (lookups.length === 0) return;
    if (this.reads) for (const l of lookups) this.reads.push(l);
    else if (this.lookupLog) for (const l of lookups) this.lookupLog.add(l);
  }

  private answerOf(l: IndexLookup): string | undefined {
    return l.field !== undefined ? this.lookup.fieldType(l.struct, l.field) : this.lookup.fnReturnType(l.struct, l.implType);
  }

  constructor(
    readonly syntax: FileSyntax,
    readonly uses: UseMap,
    readonly knowledge: Knowledge,
    readonly lookup: TypeLookup,
  ) {}

  private readonly isKnown = (p: string): boolean =>
    !!this.knowledge.lock(p) || !!this.knowledge.asyncFn(p) || !!this.knowledge.blockingFn(p) || !!this.knowledge.returnType(p);

  path(text: string): string {
    return resolvePath(text, this.uses, this.isKnown);
  }

  type(text: string): string {
    return resolveType(text, this.uses, this.isKnown);
  }

  /** The full path of a call's callee when it is called by path (`sleep(d)`, `thread::sleep(d)`). */
  calleePath(call: SyntaxNode): string | undefined {
    return this.calleeOf(call).path;
  }

  /** For `recv.method(args)`: the method name and receiver node. */
  methodCall(call: SyntaxNode): MethodCall | undefined {
    return this.calleeOf(call).method;
  }

  /**
   * What a call calls: a path or a method, told apart by the callee node's type, so both answers
   * come from one read of the callee (rules ask for the path, then for the method when there is none).
   */
  private calleeOf(call: SyntaxNode): Callee {
    let known = this.callees.get(call);
    if (!known) {
      known = NO_CALLEE;
      let fn = call.childForFieldName('function');
      if (fn?.type === 'generic_function') fn = fn.childForFieldName('function');
      if (fn?.type === 'identifier' || fn?.type === 'scoped_identifier') known = { path: this.path(fn.text) };
      else if (fn?.type === 'field_expression') {
        const field = fn.childForFieldName('field');
        const value = fn.childForFieldName('value');
        if (field && value && field.type === 'field_identifier') known = { method: { name: field.text, receiver: value, nameNode: field } };
      }
      this.callees.set(call, known);
    }
    return known;
  }

  /**
   * Start writing down every index answer this resolver reads. A file's facts are a function of
   * its syntax and those answers, so when they all still hold after the rest of the workspace
   * is indexed, the facts need no second extraction. A cached answer reused while recording
   * writes down the index answers it was computed from.
   */
  recordLookups(): void {
    this.lookupLog = new Set();
  }

  takeLookups(): IndexLookup[] {
    const log = [...(this.lookupLog ?? [])];
    this.lookupLog = undefined;
    return log;
  }

  /** Whether the index still gives every recorded answer. */
  sameAnswers(log: readonly IndexLookup[]): boolean {
    return log.every((l) => this.answerOf(l) === l.answer);
  }

  private fieldType(struct: string, field: string): string | undefined {
    const answer = this.lookup.fieldType(struct, field);
    this.read([{ struct, field, answer }]);
    return answer;
  }

  private fnReturnType(name: string, implType?: string): string | undefined {
    const answer = this.lookup.fnReturnType(name, implType);
    this.read([{ struct: name, implType, answer }]);
    return answer;
  }

  /** The type (resolved head path) of an expression, when it can be told locally. */
  typeOf(expr: SyntaxNode, depth = 0): string | undefined {
    if (depth > 8) return undefined;
    return this.indexed(this.typeCache, expr, () => this.computeTypeOf(expr, depth));
  }

  private computeTypeOf(expr: SyntaxNode, depth: number): string | undefined {
    switch (expr.type) {
      case 'identifier': {
        const b = this.binding(expr);
        return b?.type;
      }
      case 'self':
        return this.implTypeOf(expr);
      case 'parenthesized_expression':
      case 'reference_expression':
      case 'try_expression':
      case 'unary_expression': {
        const inner = expr.namedChildren.find((c) => c.type !== 'mutable_specifier');
        return inner ? this.typeOf(inner, depth + 1) : undefined;
      }
      case 'await_expression': {
        const inner = expr.namedChildren[0];
        return inner ? this.typeOf(inner, depth + 1) : undefined;
      }
      case 'field_expression': {
        const value = expr.childForFieldName('value');
        const field = expr.childForFieldName('field');
        if (!value || !field) return undefined;
        const owner = this.typeOf(value, depth + 1);
        return owner ? this.fieldType(lastSegment(owner), field.text) : undefined;
      }
      case 'call_expression':
        return this.callType(expr, depth);
      default:
        return undefined;
    }
  }

  private callType(call: SyntaxNode, depth: number): string | undefined {
    const path = this.calleePath(call);
    if (path) {
      const known = this.knowledge.returnType(path);
      if (known) return known;
      const segs = path.split('::');
      const last = segs[segs.length - 1]!;
      if (segs.length >= 2 && CONSTRUCTORS.has(last)) {
        const owner = segs.slice(0, -1).join('::');
        const ownerLast = lastSegment(owner);
        // Arc::new(x) / Box::new(x) are the value's own type for our purposes.
        if (ownerLast === 'Arc' || ownerLast === 'Rc' || ownerLast === 'Box') {
          const arg = call.childForFieldName('arguments')?.namedChildren[0];
          return arg ? this.typeOf(arg, depth + 1) : undefined;
        }
        return owner;
      }
      if (segs.length === 1) return this.fnReturnType(last);
      return undefined;
    }
    const m = this.methodCall(call);
    if (!m) return undefined;
    if (SAME_TYPE_METHODS.has(m.name)) return this.typeOf(m.receiver, depth + 1);
    const recv = this.typeOf(m.receiver, depth + 1);
    if (recv) {
      const known = this.knowledge.methodReturnType(m.name, recv);
      if (known) return known;
      return this.fnReturnType(m.name, lastSegment(recv));
    }
    return undefined;
  }

  /** The `impl` type around a node (`self`'s type), resolved. */
  implTypeOf(node: SyntaxNode): string | undefined {
    const found = this.syntax.enclosingOf(IMPL, node);
    for (const a of found === null ? this.syntax.ancestors(node) : found ? [found] : []) {
      if (a.type === 'impl_item') {
        const t = a.childForFieldName('type');
        return t ? this.type(t.text) : undefined;
      }
    }
    return undefined;
  }

  /** The innermost fn or closure holding `node`. */
  enclosingFn(node: SyntaxNode): SyntaxNode | undefined {
    for (const a of this.syntax.ancestors(node)) if (FN_LIKE.has(a.type)) return a;
    return undefined;
  }

  /** Where the name `ident` used at `ident` was bound, searching lets and parameters outward. */
  binding(ident: SyntaxNode): BindingSite | undefined {
    return this.indexed(this.bindingCache, ident, () => this.computeBinding(ident));
  }

  private letsOf(block: SyntaxNode): LetEntry[] {
    let lets = this.blockLets.get(block);
    if (!lets) {
      lets = [];
      for (const child of block.namedChildren) {
        if (child.type === 'let_declaration') lets.push({ start: this.syntax.start(child), end: this.syntax.end(child), decl: child });
      }
      this.blockLets.set(block, lets);
    }
    return lets;
  }

  private paramsOf(fn: SyntaxNode): Array<{ param: SyntaxNode; names: readonly string[] }> {
    let out = this.fnParams.get(fn);
    if (!out) {
      out = [];
      const params = fn.childForFieldName('parameters');
      for (const p of params?.namedChildren ?? []) {
        const pat = p.type === 'parameter' ? p.childForFieldName('pattern') : p;
        out.push({ param: p, names: pat ? patternNames(pat) : [] });
      }
      this.fnParams.set(fn, out);
    }
    return out;
  }

  /** The ancestors of `node` of the SCOPES types, innermost first (by file offsets when they tell). */
  private *scopesAround(node: SyntaxNode): Generator<SyntaxNode> {
    let scope = this.syntax.enclosingOf(SCOPES, node);
    if (scope === null) {
      yield* this.syntax.ancestors(node);
      return;
    }
    while (scope) {
      yield scope;
      const next: SyntaxNode | undefined | null = this.syntax.enclosingOf(SCOPES, scope);
      if (next === null) {
        yield* this.syntax.ancestors(scope);
        return;
      }
      scope = next;
    }
  }

  private computeBinding(ident: SyntaxNode): BindingSite | undefined {
    const name = ident.text;
    const at = this.syntax.start(ident);
    for (const scope of this.scopesAround(ident)) {
      if (scope.type === 'block') {
        const lets = this.letsOf(scope);
        // The last let before `at` that binds the name; a let is in scope for the statements
        // after it, not inside its own initializer.
        for (let i = lets.length - 1; i >= 0; i--) {
          const l = lets[i]!;
          if (l.start >= at || l.end > at) continue;
          // Most lets bind other names; what each binds is read from the tree once.
          if (!(l.names ??= letNames(l.decl)).includes(name)) continue;
          const site = this.letBinding(l.decl, name);
          if (site) return site;
        }
      } else if (FN_LIKE.has(scope.type)) {
        for (const { param: p, names } of this.paramsOf(scope)) {
          if (!names.includes(name)) continue;
          const pat = p.type === 'parameter' ? p.childForFieldName('pattern') : p;
          const id = pat && findBoundIdent(pat, name);
          if (id) {
            const t = p.type === 'parameter' ? p.childForFieldName('type') : null;
            return { decl: p, ident: id, type: t ? this.type(t.text) : undefined };
          }
        }
        if (scope.type === 'function_item') return undefined;
      } else if (scope.type === 'for_expression' || scope.type === 'let_condition' || scope.type === 'match_arm') {
        const pat = scope.childForFieldName('pattern');
        const id = pat && findBoundIdent(pat, name);
        if (id && !this.syntax.contains(pat, ident)) return { decl: scope, ident: id };
      }
    }
    return undefined;
  }

  private letBinding(decl: SyntaxNode, name: string): BindingSite | undefined {
    const pat = decl.childForFieldName('pattern');
    if (!pat) return undefined;
    const id = findBoundIdent(pat, name);
    if (!id) return undefined;
    const annotated = decl.childForFieldName('type');
    if (annotated) return { decl, ident: id, type: this.type(annotated.text) };
    const value = decl.childForFieldName('value');
    if (!value) return { decl, ident: id };
    if (pat.type === 'tuple_pattern') {
      const idx = pat.namedChildren.findIndex((c) => this.syntax.contains(c, id));
      const tuple = this.tupleTypeOf(value);
      return { decl, ident: id, type: tuple?.[idx] };
    }
    return { decl, ident: id, type: this.typeOf(value) };
  }

  /** Element types of a call known to return a tuple (`mpsc::channel(8)`, `listener.accept().await?`). */
  private tupleTypeOf(value: SyntaxNode): string[] | undefined {
    let v: SyntaxNode | null = value;
    while (v && (v.type === 'try_expression' || v.type === 'await_expression')) v = v.namedChildren[0] ?? null;
    if (v?.type === 'call_expression') {
      const m = this.methodCall(v);
      if (m && (m.name === 'unwrap' || m.name === 'expect')) return this.tupleTypeOf(m.receiver);
      const path = this.calleePath(v);
      let ret = path ? this.knowledge.returnType(path) : undefined;
      if (!ret && m) {
        const recv = this.typeOf(m.receiver);
        if (recv) ret = this.knowledge.methodReturnType(m.name, recv);
      }
      if (ret?.startsWith('(')) return splitTuple(ret);
    }
    return undefined;
  }
}

function splitTuple(t: string): string[] {
  return t.slice(1, -1).split(',').map((s) => s.trim());
}

/** The names a pattern binds, as `findBoundIdent` finds them. */
function patternNames(pat: SyntaxNode): string[] {
  return pat.type === 'identifier' ? [pat.text] : boundNames(pat).map((n) => n.text);
}

/** The names a `let` binds (none without a pattern, as `letBinding` reads it). */
function letNames(decl: SyntaxNode): readonly string[] {
  const pat = decl.childForFieldName('pattern');
  return pat ? patternNames(pat) : [];
}

/** The identifier binding `name` inside a pattern (not a path or a struct name in it). */
export function findBoundIdent(pat: SyntaxNode, name: string): SyntaxNode | undefined {
  if (pat.type === 'identifier') return pat.text === name ? pat : undefined;
  return boundNames(pat).find((n) => n.text === name);
}

/** Every name a pattern binds. */
export function boundNames(pat: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const visit = (n: SyntaxNode) => {
    if (n.type === 'identifier') {
      out.push(n);
      return;
    }
    n.namedChildren.forEach((c, i) => {
      if (c.type === 'scoped_identifier' || c.type === 'type_identifier' || c.type === 'field_identifier') return;
      if ((n.type === 'tuple_struct_pattern' || n.type === 'struct_pattern') && i === 0 && c.type === 'identifier') return;
      visit(c);
    });
  };
  visit(pat);
  return out;
}
