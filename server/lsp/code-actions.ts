// Code actions for findings: each fix a finding offers (quickfix), a line suppression, a link to
// the rule's docs, and one source action applying every safe fix in the file. Edits are built
// from plain analysis edits (UTF-16 spans) and converted here, per file, to the negotiated
// encoding; open documents are addressed with their version so a stale edit is refused.
import {
  CodeActionKind,
  type CodeAction,
  type Diagnostic,
  type OptionalVersionedTextDocumentIdentifier,
  type TextEdit as LspTextEdit,
  type WorkspaceEdit,
} from 'vscode-languageserver/node.js';
import type { LineIndex } from '../analysis/line-index.js';
import type { Finding, TextEdit } from '../analysis/types.js';
import { COMMANDS, type ClientFeatures } from './capabilities.js';
import { ruleDocsUrl } from './docs-url.js';
import type { PositionCodec } from './positions.js';

export const FIX_ALL_KIND = `${CodeActionKind.SourceFixAll}.awaitlens`;

export interface EditTarget {
  uri: string;
  /** The open document's version, or null for a file on disk. */
  version: number | null;
  lines: LineIndex | undefined;
}

export interface ActionEnv {
  codec: PositionCodec;
  client: ClientFeatures;
  /** Where an edit to `path` goes; undefined when the file cannot be addressed. */
  target(path: string): EditTarget | undefined;
  diagnosticFor(f: Finding): Diagnostic;
}

/** What an unresolved silence action carries to `codeAction/resolve`. */
export interface SilenceData {
  kind: 'awaitlens.silence';
  uri: string;
  version: number;
  rule: string;
  line: number;
}

export function isSilenceData(v: unknown): v is SilenceData {
  const d = v as SilenceData;
  return typeof d === 'object' && d !== null && d.kind === 'awaitlens.silence' && typeof d.uri === 'string' && typeof d.rule === 'string' && typeof d.line === 'number' && typeof d.version === 'number';
}

/** Whether an action of `kind` is wanted under `context.only`. */
export function kindWanted(kind: string, only: readonly string[] | undefined): boolean {
  if (!only || only.length === 0) return true;
  return only.some((o) => kind === o || kind.startsWith(`${o}.`));
}

export function workspaceEdit(edits: ReadonlyArray<{ path: string; edit: TextEdit }>, env: ActionEnv): WorkspaceEdit | undefined {
  const byPath = new Map<string, { target: EditTarget; edits: LspTextEdit[] }>();
  for (const { path, edit } of edits) {
    let entry = byPath.get(path);
    if (!entry) {
      const target = env.target(path);
      if (!target) return undefined;
      entry = { target, edits: [] };
      byPath.set(path, entry);
    }
    entry.edits.push({ range: env.codec.range(edit.span, entry.target.lines), newText: edit.newText });
  }
  if (env.client.documentChanges) {
    return {
      documentChanges: [...byPath.values()].map(({ target, edits: e }) => ({
        textDocument: { uri: target.uri, version: target.version } satisfies OptionalVersionedTextDocumentIdentifier,
        edits: e,
      })),
    };
  }
  const changes: Record<string, LspTextEdit[]> = {};
  for (const { target, edits: e } of byPath.values()) changes[target.uri] = e;
  return { changes };
}

/**
 * The suppression edit: `// awaitlens: allow(rule)` on its own line above `line`, indented like
 * it; when that line above already allows other rules, the rule is added to its list instead.
 */
export function silenceEdit(lines: LineIndex, line: number, rule: string): TextEdit {
  const text = lines.lineText(line);
  const indent = /^[ \t]*/.exec(text)![0];
  if (line > 0) {
    const above = lines.lineText(line - 1);
    const m = /^([ \t]*\/\/\s*awaitlens:\s*allow\()([^)]*)\)\s*$/.exec(above);
    if (m) {
      const start = lines.lineStarts[line - 1]! + m[1]!.length;
      const end = start + m[2]!.length;
      const list = m[2]!.trim();
      return { span: lines.span(start, end), newText: list ? `${list}, ${rule}` : rule };
    }
  }
  const at = lines.lineStarts[line] ?? lines.text.length;
  const eol = lines.text.slice(at).match(/\r?\n/)?.[0] ?? '\n';
  return { span: lines.span(at, at), newText: `${indent}// awaitlens: allow(${rule})${eol}` };
}

export interface ActionRequest {
  uri: string;
  path: string;
  version: number;
  lines: LineIndex;
  findings: readonly Finding[];
  only: readonly string[] | undefined;
  /** Whether the silence edit is left to `codeAction/resolve`. */
  lazySilence: boolean;
}

export function codeActions(req: ActionRequest, env: ActionEnv): CodeAction[] {
  const out: CodeAction[] = [];
  const quick = kindWanted(CodeActionKind.QuickFix, req.only);
  if (quick) {
    for (const f of req.findings) {
      const diagnostic = env.diagnosticFor(f);
      f.fixes.forEach((fix, i) => {
        const edit = workspaceEdit(
          fix.edits.map((e) => ({ path: e.file ?? f.file, edit: e })),
          env,
        );
        if (!edit) return;
        const action: CodeAction = { title: fix.title, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], edit };
        if (i === 0 && fix.safe) action.isPreferred = true;
        out.push(action);
      });
      const silence: CodeAction = { title: `Silence ${f.rule} on this line`, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic] };
      const line = f.span.start.line;
      if (req.lazySilence) {
        silence.data = { kind: 'awaitlens.silence', uri: req.uri, version: req.version, rule: f.rule, line } satisfies SilenceData;
      } else {
        const edit = workspaceEdit([{ path: req.path, edit: silenceEdit(req.lines, line, f.rule) }], env);
        if (edit) silence.edit = edit;
      }
      out.push(silence);
      const url = ruleDocsUrl(f.rule);
      out.push({
        title: `Open documentation for ${f.rule}`,
        kind: CodeActionKind.QuickFix,
        diagnostics: [diagnostic],
        command: { title: `Open documentation for ${f.rule}`, command: COMMANDS.openDocs, arguments: [url] },
      });
    }
  }
  return dedupeSilence(out);
}

/** Two findings of one rule on one line need one suppression. */
function dedupeSilence(actions: CodeAction[]): CodeAction[] {
  const seen = new Set<string>();
  return actions.filter((a) => {
    if (!a.title.startsWith('Silence ') && !a.title.startsWith('Open documentation for ')) return true;
    const d = a.diagnostics?.[0];
    const key = `${a.title}@${d?.range.start.line}`;
    if (a.title.startsWith('Open documentation for ')) {
      const k = a.title;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    }
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** "Apply all safe awaitlens fixes": the first safe fix of each finding, skipping overlaps. */
export function fixAllAction(req: ActionRequest, all: readonly Finding[], env: ActionEnv): CodeAction | undefined {
  if (!kindWanted(FIX_ALL_KIND, req.only) || !req.only?.some((o) => FIX_ALL_KIND === o || FIX_ALL_KIND.startsWith(`${o}.`))) return undefined;
  const chosen: Array<{ path: string; edit: TextEdit }> = [];
  const taken: Array<[number, number]> = [];
  for (const f of all) {
    const fix = f.fixes.find((x) => x.safe);
    if (!fix || fix.edits.some((e) => e.file && e.file !== req.path)) continue;
    const overlaps = fix.edits.some((e) => taken.some(([s, en]) => e.span.start.offset < en && s < e.span.end.offset || (e.span.start.offset === s && e.span.end.offset === en)));
    if (overlaps) continue;
    for (const e of fix.edits) {
      taken.push([e.span.start.offset, e.span.end.offset]);
      chosen.push({ path: req.path, edit: e });
    }
  }
  if (chosen.length === 0) return undefined;
  const edit = workspaceEdit(chosen, env);
  return edit ? { title: 'Apply all safe awaitlens fixes', kind: FIX_ALL_KIND, edit } : undefined;
}
