// Cross-file facts: which fns return futures, which method names also exist as plain (sync)
// methods, struct field types, and which async fns transitively await a non-cancel-safe API.
import type { AwaitedCall, FieldFact, FileFacts, FnFact } from './facts.js';
import type { TypeLookup } from './resolve.js';

export interface UnsafeChain {
  /** From the outermost workspace fn down to the fn holding the unsafe await. */
  fns: FnFact[];
  call: AwaitedCall;
  /** File holding `call`. */
  file: string;
}

interface FactLists {
  fns: readonly FnFact[];
  fields: readonly FieldFact[];
  path: string;
}

export class WorkspaceIndex implements TypeLookup {
  private readonly files = new Map<string, FileFacts>();
  private readonly byName = new Map<string, Array<{ fn: FnFact; file: string }>>();
  /** struct → field → the fact (the object itself: the fast path moves its span in place). */
  private readonly fields = new Map<string, Map<string, { fact: FieldFact; file: string }>>();
  private gen = 0;
  private replaced = 0;

  get generation(): number {
    return this.gen;
  }

  /** Changes whenever some file's facts object is replaced or removed (signature changed or not). */
  get factsVersion(): number {
    return this.replaced;
  }

  /** Replace one file's facts; true when other files' results may change. */
  update(facts: FileFacts): boolean {
    const old = this.files.get(facts.path);
    if (old) this.unlink(old);
    this.files.set(facts.path, facts);
    this.replaced++;
    this.link(facts);
    const changed = old?.signature !== facts.signature;
    if (changed) this.gen++;
    return changed;
  }

  remove(path: string): boolean {
    const old = this.files.get(path);
    if (!old) return false;
    this.unlink(old);
    this.files.delete(path);
    this.replaced++;
    this.gen++;
    return true;
  }

  /**
   * Replace one file's facts by `facts`, which keeps the fn and field objects of the file's
   * current facts except `removed` and adds `added` (the language server's fast path, which moves
   * kept facts in place): only those are unlinked and linked, not every fn of a large file on
   * every keystroke. True when other files' results may change.
   */
  updateParts(
    facts: FileFacts,
    removed: { fns: readonly FnFact[]; fields: readonly FieldFact[] },
    added: { fns: readonly FnFact[]; fields: readonly FieldFact[] },
    /**
     * Neither the removed nor the added facts take a lock: then no lock pair starts in the
     * changed code, and what the lock graph built before says of the rest still holds (its
     * places are the kept facts' own spans, moved in place), so `factsVersion` stays.
     */
    lockGraphHolds = false,
  ): boolean {
    const old = this.files.get(facts.path);
    if (!old) return this.update(facts);
    this.unlink({ fns: removed.fns, fields: removed.fields, path: facts.path }, true);
    this.files.set(facts.path, facts);
    if (!lockGraphHolds) this.replaced++;
    this.link({ fns: added.fns, fields: added.fields, path: facts.path });
    const changed = old.signature !== facts.signature;
    if (changed) this.gen++;
    return changed;
  }

  private link(facts: FactLists): void {
    for (const fn of facts.fns) {
      const list = this.byName.get(fn.name);
      if (list) list.push({ fn, file: facts.path });
      else this.byName.set(fn.name, [{ fn, file: facts.path }]);
    }
    for (const f of facts.fields) {
      let m = this.fields.get(f.struct);
      if (!m) this.fields.set(f.struct, (m = new Map()));
      m.set(f.field, { fact: f, file: facts.path });
    }
  }

  /** `exact`: unlink these very fn and field objects, not every one of the file with their names. */
  private unlink(facts: FactLists, exact = false): void {
    for (const fn of facts.fns) {
      const list = this.byName.get(fn.name);
      if (!list) continue;
      const kept = list.filter((e) => (exact ? e.fn !== fn : e.file !== facts.path));
      if (kept.length > 0) this.byName.set(fn.name, kept);
      else this.byName.delete(fn.name);
    }
    for (const f of facts.fields) {
      const m = this.fields.get(f.struct);
      const e = m?.get(f.field);
      if (e && (exact ? e.fact === f : e.file === facts.path)) m!.delete(f.field);
      if (m && m.size === 0) this.fields.delete(f.struct);
    }
  }

  get(path: string): FileFacts | undefined {
    return this.files.get(path);
  }

  paths(): string[] {
    return [...this.files.keys()];
  }

  get size(): number {
    return this.files.size;
  }

  fnsNamed(name: string): ReadonlyArray<{ fn: FnFact; file: string }> {
    return this.byName.get(name) ?? [];
  }

  /** Workspace fns of that name (and impl type, when given) whose call yields a future. */
  futureFns(name: string, implType?: string): FnFact[] {
    return this.fnsNamed(name)
      .filter(({ fn }) => fn.future && (implType === undefined || fn.implType === implType))
      .map(({ fn }) => fn);
  }

  /** Whether some workspace method of this name does not return a future. */
  hasSyncMethod(name: string): boolean {
    return this.fnsNamed(name).some(({ fn }) => !fn.future && (fn.isMethod || fn.implType !== undefined || fn.traitName !== undefined));
  }

  /** Files that define a fn or a method of this name. */
  filesDefining(name: string): string[] {
    return [...new Set(this.fnsNamed(name).map((e) => e.file))];
  }

  fieldType(struct: string, field: string): string | undefined {
    return this.fields.get(struct)?.get(field)?.fact.type;
  }

  fieldFact(struct: string, field: string): FieldFact | undefined {
    return this.fields.get(struct)?.get(field)?.fact;
  }

  fnReturnType(name: string, implType?: string): string | undefined {
    const candidates = this.fnsNamed(name).filter(({ fn }) => implType === undefined || fn.implType === implType);
    const types = new Set(candidates.map(({ fn }) => fn.returnType));
    return types.size === 1 ? candidates[0]!.fn.returnType : undefined;
  }

  /**
   * A chain of workspace async fns, starting at `name`, that ends in an await of a non-cancel-safe
   * API. Names are matched with the impl type when known; a call that matches several fns
   * follows each.
   */
  unsafeAwaitChain(name: string, implType?: string, seen = new Set<string>()): UnsafeChain | undefined {
    for (const { fn, file } of this.fnsNamed(name)) {
      if (fn.future !== 'async') continue;
      if (implType !== undefined && fn.implType !== implType) continue;
      const key = `${file}#${fn.implType ?? ''}::${fn.name}@${fn.nameSpan.start.offset}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const direct = fn.awaits.find((a) => a.unsafeApi);
      if (direct) return { fns: [fn], call: direct, file };
      for (const a of fn.awaits) {
        const inner = this.unsafeAwaitChain(a.name, undefined, seen);
        if (inner) return { fns: [fn, ...inner.fns], call: inner.call, file: inner.file };
      }
    }
    return undefined;
  }
}
