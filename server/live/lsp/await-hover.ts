// Live data on an `.await` whose future is a resource operation (`m.lock().await`,
// `sem.acquire().await`): the pending async ops of the matching kind on resources created in
// this file (else this crate). Without a receiver type on the wire, several candidate resources
// are reported as ambiguous rather than guessed between.
import type { ConsoleModel, LiveResource } from '../model.js';
import { siteKey } from '../sites.js';
import type { SourceMapper } from '../source-map.js';
import type { SiteIndex } from './site-stats.js';
import { attributesText, waitersText } from './texts.js';

/** Method before `.await` → the resource type and the `AsyncOp.source` prefix tokio records. */
const OPS: Record<string, { type: string; source: string }> = {
  lock: { type: 'Mutex', source: 'Mutex::lock' },
  lock_owned: { type: 'Mutex', source: 'Mutex::lock' },
  read: { type: 'RwLock', source: 'RwLock::read' },
  read_owned: { type: 'RwLock', source: 'RwLock::read' },
  write: { type: 'RwLock', source: 'RwLock::write' },
  write_owned: { type: 'RwLock', source: 'RwLock::write' },
  acquire: { type: 'Semaphore', source: 'Semaphore::acquire' },
  acquire_owned: { type: 'Semaphore', source: 'Semaphore::acquire' },
  acquire_many: { type: 'Semaphore', source: 'Semaphore::acquire' },
  acquire_many_owned: { type: 'Semaphore', source: 'Semaphore::acquire' },
};

/** The method call awaited by the `.await` under `offset`, e.g. `acquire` in `s.acquire().await`. */
export function awaitedMethod(text: string, offset: number): string | undefined {
  const from = Math.max(0, offset - 6);
  const window = text.slice(from, offset + 7);
  const m = /\.await\b/.exec(window);
  if (!m) return undefined;
  const dot = from + m.index;
  if (offset < dot || offset > dot + 6) return undefined;
  const before = text.slice(Math.max(0, dot - 400), dot);
  const call = /\.\s*([A-Za-z_]\w*)\s*(?:::<[^>]*>)?\s*\(([^()]|\([^()]*\))*\)\s*$/.exec(before);
  return call?.[1];
}

export function awaitHover(model: ConsoleModel, sites: SiteIndex, mapper: SourceMapper, path: string, text: string, offset: number, header: string): string | undefined {
  const method = awaitedMethod(text, offset);
  const op = method ? OPS[method] : undefined;
  if (!op) return undefined;
  const isType = (r: LiveResource): boolean => r.concreteType === op.type && !r.isInternal;
  let candidates = sites.resourcesIn(path).filter((e) => isType(e.resource));
  let scope = 'this file';
  if (candidates.length === 0) {
    const here = mapper.resolve({ file: path });
    const crate = here.kind === 'workspace' ? here.crateRoot : undefined;
    candidates = [];
    for (const r of model.resources()) {
      if (!isType(r) || !r.location) continue;
      const rr = mapper.resolve(r.location);
      if (rr.kind === 'workspace' && rr.crateRoot === crate) candidates.push({ resource: r, resolved: rr });
    }
    scope = 'this crate';
  }
  if (candidates.length === 0) return undefined;
  const opsFor = (r: LiveResource) => sites.opsOn(r.spanId).filter((o) => o.source.startsWith(op.source));
  const lines = [`**${header}** · \`${op.source}\` on a \`${op.type}\``, ''];
  if (candidates.length === 1) {
    const r = candidates[0]!.resource;
    lines.push(`- the only \`${op.type}\` created in ${scope}: \`${siteKey(r.location!)}\` (${attributesText(r)})`);
    lines.push(...waitersText(model, opsFor(r)));
    return lines.join('\n');
  }
  lines.push(`- ${candidates.length} \`${op.type}\`s are created in ${scope}; the console does not say which one this \`.await\` uses, so each is listed:`);
  for (const { resource: r } of candidates.slice(0, 5)) {
    lines.push(`- \`${siteKey(r.location!)}\` (${attributesText(r)}):`);
    lines.push(...waitersText(model, opsFor(r)).map((l) => `  ${l}`));
  }
  return lines.join('\n');
}
