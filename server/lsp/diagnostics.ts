// Findings (plain data, UTF-16 spans) → LSP diagnostics in the negotiated encoding. Static
// findings carry the rule id as `code`, its doc page as `codeDescription`, and `data` naming the
// exact span so code actions find the finding again without comparing ranges.
import { DiagnosticSeverity, type Diagnostic, type DiagnosticRelatedInformation } from 'vscode-languageserver/node.js';
import type { LineIndex } from '../analysis/line-index.js';
import type { Finding, Severity } from '../analysis/types.js';
import type { ClientFeatures } from './capabilities.js';
import { ruleDocsUrl } from './docs-url.js';
import { LIVE_SOURCE, type ExtensionDiagnostic } from './extensions.js';
import type { PositionCodec } from './positions.js';

export const STATIC_SOURCE = 'awaitlens';

export const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

/** What a static diagnostic carries for code actions. */
export interface FindingRef {
  rule: string;
  start: number;
  end: number;
}

export function isFindingRef(v: unknown): v is FindingRef {
  const r = v as FindingRef;
  return typeof r === 'object' && r !== null && typeof r.rule === 'string' && typeof r.start === 'number' && typeof r.end === 'number';
}

export interface Conversion {
  codec: PositionCodec;
  client: ClientFeatures;
  /** Lines of a file, for encodings other than UTF-16; undefined when it cannot be read. */
  linesFor(path: string): LineIndex | undefined;
  /** The URI under which the client knows a path (the one it opened it with, if open). */
  uriFor(path: string): string;
}

interface Converted {
  diagnostic: Diagnostic;
  client: ClientFeatures;
  /** The span and related spans' line/character positions, and the URIs, it was made from. */
  positions: number[];
  uris: string[];
}

/**
 * The language server keeps a finding object while its item is unchanged, moving its spans in
 * place, and republishes every finding on every keystroke: one whose positions and URIs are as
 * they were converts to the same diagnostic, so that one is reused (UTF-16 only: other
 * encodings read the line's text, which may have changed).
 */
const converted = new WeakMap<Finding, Converted>();

function positionsOf(f: Finding): number[] {
  const out = [f.span.start.line, f.span.start.character, f.span.end.line, f.span.end.character];
  for (const r of f.related) out.push(r.span.start.line, r.span.start.character, r.span.end.line, r.span.end.character);
  return out;
}

export function findingToDiagnostic(f: Finding, cv: Conversion): Diagnostic {
  if (cv.codec.encoding !== 'utf-16') return convert(f, cv);
  const uris = [cv.uriFor(f.file), ...f.related.map((r) => cv.uriFor(r.file ?? f.file))];
  const positions = positionsOf(f);
  const c = converted.get(f);
  if (c && c.client === cv.client && sameNumbers(c.positions, positions) && sameNumbers(c.uris, uris)) {
    // Offsets move with every keystroke above the finding; line and character often do not.
    const ref = c.diagnostic.data as FindingRef;
    ref.start = f.span.start.offset;
    ref.end = f.span.end.offset;
    return c.diagnostic;
  }
  const diagnostic = convert(f, cv);
  converted.set(f, { diagnostic, client: cv.client, positions, uris });
  return diagnostic;
}

function sameNumbers<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function convert(f: Finding, cv: Conversion): Diagnostic {
  const lines = cv.codec.encoding === 'utf-16' ? undefined : cv.linesFor(f.file);
  const d: Diagnostic = {
    range: cv.codec.range(f.span, lines),
    severity: SEVERITY[f.severity],
    code: f.rule,
    source: STATIC_SOURCE,
    message: f.message,
    data: { rule: f.rule, start: f.span.start.offset, end: f.span.end.offset } satisfies FindingRef,
  };
  if (cv.client.codeDescription) d.codeDescription = { href: ruleDocsUrl(f.rule) };
  if (cv.client.relatedInformation && f.related.length > 0) {
    d.relatedInformation = f.related.map((r): DiagnosticRelatedInformation => {
      const file = r.file ?? f.file;
      const rl = cv.codec.encoding === 'utf-16' ? undefined : cv.linesFor(file);
      return { location: { uri: cv.uriFor(file), range: cv.codec.range(r.span, rl) }, message: r.message };
    });
  }
  return d;
}

export function extensionToDiagnostic(e: ExtensionDiagnostic, path: string, cv: Conversion): Diagnostic {
  const lines = cv.codec.encoding === 'utf-16' ? undefined : cv.linesFor(path);
  const d: Diagnostic = {
    range: cv.codec.lineColRange(e.range, lines),
    severity: SEVERITY[e.severity] ?? DiagnosticSeverity.Information,
    source: LIVE_SOURCE,
    message: e.message,
  };
  if (e.code) d.code = e.code;
  if (e.href && cv.client.codeDescription) d.codeDescription = { href: e.href };
  if (e.related?.length && cv.client.relatedInformation) {
    d.relatedInformation = e.related.map((r) => ({
      location: { uri: cv.uriFor(r.path), range: cv.codec.lineColRange(r.range, cv.codec.encoding === 'utf-16' ? undefined : cv.linesFor(r.path)) },
      message: r.message,
    }));
  }
  return d;
}
