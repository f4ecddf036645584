// API knowledge lives in knowledge/*.toml so reviewers can read and extend it; this module only
// loads and indexes it. Lookups are by fully qualified path, or by method name + receiver type.
import { readFileSync } from 'node:fs';
import { parse as parseToml } from 'smol-toml';
import { fromRoot } from '../paths.js';

export interface AsyncApi {
  path: string;
  kind: 'fn' | 'method' | 'future' | 'fn-sync';
  receivers: string[];
  cancelSafe?: boolean;
  why?: string;
  returns?: string;
}

export interface BlockingApi {
  path: string;
  kind: 'fn' | 'method' | 'fn-returns-only';
  receivers: string[];
  why: string;
  instead: string;
  replace?: string;
  returns?: string;
}

export type LockKind = 'blocking' | 'async' | 'cell';

export interface LockType {
  path: string;
  kind: LockKind;
  acquire: string[];
}

export function lastSegment(path: string): string {
  const i = path.lastIndexOf('::');
  return i === -1 ? path : path.slice(i + 2);
}

export function parentPath(path: string): string {
  const i = path.lastIndexOf('::');
  return i === -1 ? '' : path.slice(0, i);
}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new Error(`knowledge: ${what} must be a string`);
  return v;
}

function strs(v: unknown): string[] {
  return Array.isArray(v) ? v.map((x) => str(x, 'list item')) : [];
}

function optStr(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export class Knowledge {
  readonly asyncApis: AsyncApi[];
  readonly blocking: BlockingApi[];
  readonly locks: LockType[];
  private readonly byPath = new Map<string, AsyncApi>();
  private readonly methodsByName = new Map<string, AsyncApi[]>();
  private readonly blockingByPath = new Map<string, BlockingApi>();
  private readonly blockingModules = new Map<string, BlockingApi>();
  private readonly blockingMethods = new Map<string, BlockingApi[]>();
  private readonly lockByPath = new Map<string, LockType>();

  constructor(asyncApis: AsyncApi[], blocking: BlockingApi[], locks: LockType[]) {
    this.asyncApis = asyncApis;
    this.blocking = blocking;
    this.locks = locks;
    for (const a of asyncApis) {
      this.byPath.set(a.path, a);
      if (a.kind === 'method') {
        const name = lastSegment(a.path);
        const list = this.methodsByName.get(name) ?? [];
        list.push(a);
        this.methodsByName.set(name, list);
      }
    }
    for (const b of blocking) {
      if (b.path.endsWith('::*')) this.blockingModules.set(b.path.slice(0, -3), b);
      else this.blockingByPath.set(b.path, b);
      if (b.kind === 'method') {
        const name = lastSegment(b.path);
        const list = this.blockingMethods.get(name) ?? [];
        list.push(b);
        this.blockingMethods.set(name, list);
      }
    }
    for (const l of locks) this.lockByPath.set(l.path, l);
  }

  /** An async fn or associated fn called by its full path (`tokio::time::sleep`). */
  asyncFn(path: string): AsyncApi | undefined {
    const a = this.byPath.get(path);
    return a && (a.kind === 'fn' || a.kind === 'fn-sync') ? a : undefined;
  }

  /** A method returning a future, called on a value of type `receiver` (a full path). */
  asyncMethod(name: string, receiver: string): AsyncApi | undefined {
    return this.methodsByName.get(name)?.find((a) => a.receivers.includes(receiver));
  }

  /** Async methods of that name on any known type (for receivers whose type is unknown). */
  asyncMethodsNamed(name: string): readonly AsyncApi[] {
    return this.methodsByName.get(name) ?? [];
  }

  /** Whether awaiting a value of this type awaits a future directly (`JoinHandle`, `oneshot::Receiver`). */
  awaitableType(type: string): AsyncApi | undefined {
    const a = this.byPath.get(type);
    return a?.kind === 'future' ? a : undefined;
  }

  blockingFn(path: string): BlockingApi | undefined {
    const exact = this.blockingByPath.get(path);
    if (exact) return exact.kind === 'fn' ? exact : undefined;
    const mod = this.blockingModules.get(parentPath(path));
    return mod;
  }

  /** Whether some blocking API is a method of this name (checked before typing a receiver). */
  hasBlockingMethod(name: string): boolean {
    return this.blockingMethods.has(name);
  }

  blockingMethod(name: string, receiver: string): BlockingApi | undefined {
    return this.blockingMethods.get(name)?.find((b) => b.receivers.includes(receiver));
  }

  /** The type a known function returns (`std::fs::File::open` → `std::fs::File`). */
  returnType(path: string): string | undefined {
    return this.byPath.get(path)?.returns ?? this.blockingByPath.get(path)?.returns;
  }

  methodReturnType(name: string, receiver: string): string | undefined {
    return this.asyncMethod(name, receiver)?.returns ?? this.blockingMethod(name, receiver)?.returns;
  }

  /** Whether any known lock type takes its lock through a method of this name (a cheap pre-check before typing a receiver). */
  isAcquireMethod(name: string): boolean {
    if (!this.acquireNames) this.acquireNames = new Set(this.locks.flatMap((l) => l.acquire));
    return this.acquireNames.has(name);
  }

  private acquireNames?: Set<string>;

  lock(path: string): LockType | undefined {
    return this.lockByPath.get(path);
  }

  static load(): Knowledge {
    const read = (name: string) => parseToml(readFileSync(fromRoot('knowledge', `${name}.toml`), 'utf8'));
    const apis = (read('async-apis').api as unknown[] | undefined) ?? [];
    const blocking = (read('blocking').blocking as unknown[] | undefined) ?? [];
    const locks = (read('locks').lock as unknown[] | undefined) ?? [];
    return new Knowledge(
      apis.map((raw) => {
        const r = raw as Record<string, unknown>;
        return {
          path: str(r.path, 'api.path'),
          kind: str(r.kind, 'api.kind') as AsyncApi['kind'],
          receivers: strs(r.receivers),
          cancelSafe: typeof r.cancel_safe === 'boolean' ? r.cancel_safe : undefined,
          why: optStr(r.why),
          returns: optStr(r.returns),
        };
      }),
      blocking.map((raw) => {
        const r = raw as Record<string, unknown>;
        return {
          path: str(r.path, 'blocking.path'),
          kind: str(r.kind, 'blocking.kind') as BlockingApi['kind'],
          receivers: strs(r.receivers),
          why: str(r.why, 'blocking.why'),
          instead: str(r.instead, 'blocking.instead'),
          replace: optStr(r.replace),
          returns: optStr(r.returns),
        };
      }),
      locks.map((raw) => {
        const r = raw as Record<string, unknown>;
        return { path: str(r.path, 'lock.path'), kind: str(r.kind, 'lock.kind') as LockKind, acquire: strs(r.acquire) };
      }),
    );
  }
}

let shared: Knowledge | undefined;

export function knowledge(): Knowledge {
  return (shared ??= Knowledge.load());
}
