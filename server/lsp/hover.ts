// Hover text, as markdown plus the UTF-16 span it is about. Three places have something to say:
// a finding's range (the rule's explanation), an `.await` (what is awaited and whether dropping
// it loses work), and an async fn's name (where the workspace calls it without `.await`).
import type { SyntaxNode } from '../../grammars/rust.js';
import type { ParsedFile } from '../analysis/engine.js';
import { awaitedCall, futureKind, knownAsyncCall } from '../analysis/facts.js';
import type { Knowledge } from '../analysis/knowledge.js';
import { lastSegment } from '../analysis/knowledge.js';
import type { Finding, RuleMeta } from '../analysis/types.js';
import type { WorkspaceIndex } from '../analysis/workspace-index.js';
import type { FnFact } from '../analysis/facts.js';
import { ruleDocsUrl } from './docs-url.js';

export interface HoverInput {
  file: ParsedFile;
  offset: number;
  findings: readonly Finding[];
  allFindings: () => Iterable<Finding>;
  index: WorkspaceIndex;
  knowledge: Knowledge;
  ruleMeta(id: string): RuleMeta | undefined;
  /** A markdown link to a place in the workspace (line is 0-based). */
  link(path: string, line: number): string;
}

export interface HoverOutput {
  markdown: string;
  start: number;
  end: number;
}

export function computeHover(h: HoverInput): HoverOutput | undefined {
  const sections: string[] = [];
  let range: { start: number; end: number } | undefined;
  const cover = (start: number, end: number) => (range ??= { start, end });

  const here = h.findings.filter((f) => f.span.start.offset <= h.offset && h.offset <= f.span.end.offset);
  const seenRules = new Set<string>();
  for (const f of here) {
    if (seenRules.has(f.rule)) continue;
    seenRules.add(f.rule);
    const meta = h.ruleMeta(f.rule);
    if (!meta) continue;
    sections.push(ruleSection(meta, f));
    cover(f.span.start.offset, f.span.end.offset);
  }

  const aw = awaitAt(h.file, h.offset);
  if (aw) {
    sections.push(awaitSection(h, aw.node));
    cover(aw.start, aw.end);
  }

  const fn = asyncFnNameAt(h.file, h.offset);
  if (fn) {
    sections.push(callersSection(h, fn.name, fn.implType, fn.isMethod));
    cover(fn.start, fn.end);
  }

  if (!range || sections.length === 0) return undefined;
  return { markdown: sections.join('\n\n---\n\n'), ...range };
}

function ruleSection(meta: RuleMeta, f: Finding): string {
  const parts = [`**awaitlens: \`${meta.id}\`** — ${meta.summary}`, `**At runtime:** ${meta.docs.whyBad}`];
  const fixes = f.fixes.map((x) => x.title);
  parts.push(`**Fix:**${fixes.length ? ` ${fixes.join('; ')} (quick fix available).` : ''}\n\n\`\`\`rust\n${meta.docs.useInstead}\n\`\`\``);
  parts.push(`[Documentation for ${meta.id}](${ruleDocsUrl(meta.id)})`);
  return parts.join('\n\n');
}

/** The `.await` under the offset: the await_expression whose `.await` suffix holds it. */
function awaitAt(file: ParsedFile, offset: number): { node: SyntaxNode; start: number; end: number } | undefined {
  const { syntax } = file;
  for (const node of syntax.nodes('await_expression')) {
    const end = syntax.end(node);
    const kw = node.lastChild;
    if (!kw || kw.type !== 'await') continue;
    const kwStart = syntax.start(kw);
    const dot = file.text.lastIndexOf('.', kwStart);
    const start = dot >= 0 && /^\s*$/.test(file.text.slice(dot + 1, kwStart)) ? dot : kwStart;
    if (offset >= start && offset <= end) return { node, start, end };
  }
  return undefined;
}

function awaitSection(h: HoverInput, node: SyntaxNode): string {
  const { resolver } = h.file;
  const call = awaitedCall(node);
  if (call) {
    const known = knownAsyncCall(resolver, h.knowledge, call);
    if (known) return apiLine(known.api.path, known.api.cancelSafe, known.api.why);
    const target = workspaceTarget(h, call);
    if (target) {
      const fns = h.index.fnsNamed(target.name).filter(({ fn }) => fn.future && (target.implType === undefined ? !fn.implType || target.method : fn.implType === target.implType));
      if (fns.length > 0) {
        const lines = fns.map(({ fn, file }) => `- \`${describeFn(fn)}\` at ${h.link(file, fn.nameSpan.start.line)}`);
        const chain = h.index.unsafeAwaitChain(target.name, target.implType);
        const safety = chain
          ? `\n\nNot cancel safe: it awaits \`${chain.call.unsafeApi!.path}\` (${chain.call.unsafeApi!.why})${chain.fns.length > 1 ? ` via ${chain.fns.map((f) => `\`${f.name}\``).join(' → ')}` : ''}.`
          : '';
        return `**Awaits** a workspace future:\n\n${lines.join('\n')}${safety}`;
      }
    }
  } else {
    let inner: SyntaxNode | undefined = node.namedChildren[0];
    while (inner && inner.type === 'parenthesized_expression') inner = inner.namedChildren[0];
    const type = inner ? resolver.typeOf(inner) : undefined;
    const api = type ? h.knowledge.awaitableType(type) : undefined;
    if (api) return apiLine(api.path, api.cancelSafe, api.why);
  }
  return '**Awaits** an unknown future: awaitlens cannot tell what it is or whether it is cancel safe.';
}

function apiLine(path: string, cancelSafe: boolean | undefined, why: string | undefined): string {
  const safety =
    cancelSafe === true ? 'yes' : cancelSafe === false ? `**no** — if this future is dropped before it completes, ${why ?? 'progress is lost'}` : 'unknown (its documentation does not say)';
  return `**Awaits** \`${path}\` (known API)\n\nCancel safe: ${safety}`;
}

function describeFn(fn: FnFact): string {
  const kw = fn.future === 'async' ? 'async fn' : 'fn';
  return `${kw} ${fn.implType ? `${fn.implType}::` : ''}${fn.name}`;
}

function workspaceTarget(h: HoverInput, call: SyntaxNode): { name: string; implType?: string; method: boolean } | undefined {
  const { resolver } = h.file;
  const path = resolver.calleePath(call);
  if (path) {
    const segs = path.split('::');
    const name = segs[segs.length - 1]!;
    if (segs.length === 1) return { name, method: false };
    let owner = segs[segs.length - 2]!;
    if (owner === 'Self') owner = lastSegment(resolver.implTypeOf(call) ?? '');
    return { name, implType: /^[A-Z]/.test(owner) ? owner : undefined, method: false };
  }
  const m = resolver.methodCall(call);
  if (!m) return undefined;
  const recv = m.receiver.type === 'self' ? resolver.implTypeOf(call) : resolver.typeOf(m.receiver);
  return { name: m.name, implType: recv ? lastSegment(recv) : undefined, method: true };
}

function asyncFnNameAt(file: ParsedFile, offset: number): { name: string; implType?: string; isMethod: boolean; start: number; end: number } | undefined {
  const { syntax } = file;
  for (const fn of syntax.nodes('function_item')) {
    const name = fn.childForFieldName('name');
    if (!name) continue;
    const start = syntax.start(name);
    const end = syntax.end(name);
    if (offset < start || offset > end) continue;
    if (!futureKind(fn)) return undefined;
    const fact = file.facts.fns.find((f) => f.nameSpan.start.offset === start);
    return { name: name.text, implType: fact?.implType, isMethod: fact?.isMethod ?? false, start, end };
  }
  return undefined;
}

/**
 * Callers that drop the fn's future, read from the unawaited-future findings of every file. The
 * finding names its callee in the message (`` `self.flush()` ``, `` `Conn::reset()` ``); that is
 * matched against the hovered fn by name and, where the message shows one, by owner.
 */
function callersSection(h: HoverInput, name: string, implType: string | undefined, isMethod: boolean): string {
  const hits: Finding[] = [];
  for (const f of h.allFindings()) {
    if (f.rule !== 'unawaited-future') continue;
    const callee = /^`([^`]+)`/.exec(f.message)?.[1];
    if (!callee) continue;
    const bare = callee.replace(/\(.*\)$/, '');
    const viaDot = bare.lastIndexOf('.') > bare.lastIndexOf('::');
    const segs = bare.split(/::|\./);
    if (segs[segs.length - 1] !== name) continue;
    if (viaDot && !isMethod) continue;
    if (!viaDot && segs.length > 1) {
      const owner = segs[segs.length - 2]!;
      if (/^[A-Z]/.test(owner) ? owner !== implType : implType !== undefined) continue;
    }
    if (!viaDot && segs.length === 1 && implType !== undefined) continue;
    hits.push(f);
  }
  if (hits.length === 0) return `\`${name}\`: every call in the workspace uses its future (none is dropped without \`.await\`).`;
  hits.sort((a, b) => a.file.localeCompare(b.file) || a.span.start.offset - b.span.start.offset);
  const list = hits.map((f) => `- ${h.link(f.file, f.span.start.line)}`);
  return `**Called without \`.await\`** (${hits.length} ${hits.length === 1 ? 'place' : 'places'}; the future is dropped and \`${name}\` never runs):\n\n${list.join('\n')}`;
}
