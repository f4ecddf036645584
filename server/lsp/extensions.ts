// The seam through which the live runtime (and anything later) adds to what the editor shows
// without knowing about LSP: it hands plain data (UTF-16 line/character ranges, markdown
// strings) and the server converts, merges and publishes. An extension is given a host at
// attach time and calls `refresh(uri)` when its data for a document changed.
import type { LineIndex } from '../analysis/line-index.js';
import type { Finding, Severity } from '../analysis/types.js';
import type { EffectiveSettings } from './configuration.js';
import type { LineCol } from './positions.js';

export interface PlainRange {
  start: LineCol;
  end: LineCol;
}

export interface ExtensionDiagnostic {
  range: PlainRange;
  severity: Severity;
  message: string;
  /** Rule id, e.g. a live rule; becomes the diagnostic's `code`. */
  code?: string;
  /** Documentation page; becomes `codeDescription.href`. */
  href?: string;
  related?: Array<{ path: string; range: PlainRange; message: string }>;
}

export interface ExtensionCodeLens {
  range: PlainRange;
  title: string;
  /** A command id the extension registered in `commands` (or a built-in awaitlens command). */
  command?: string;
  arguments?: unknown[];
}

export interface HoverContext {
  path: string;
  text: string;
  /** Line/character of the hovered offset, UTF-16. */
  position: LineCol;
}

export interface LspExtension {
  /** Shown in logs. */
  name: string;
  /** Called once, before `initialize` is answered. */
  attach?(host: ExtensionHost): void;
  /** Extra diagnostics for a document; published with the static ones (source "awaitlens (live)"). */
  diagnostics?(uri: string): readonly ExtensionDiagnostic[];
  /** Markdown appended under the static hover; `offset` is a UTF-16 string offset. */
  hover?(uri: string, offset: number, ctx: HoverContext): string | undefined;
  /** Code lenses for a document. Declaring this makes the server advertise `codeLensProvider`. */
  codeLenses?(uri: string): readonly ExtensionCodeLens[];
  /** Commands the server advertises in `executeCommandProvider` and forwards here. */
  commands?: Record<string, (args: readonly unknown[]) => unknown>;
  onConfig?(settings: EffectiveSettings): void;
  onOpen?(uri: string): void;
  onClose?(uri: string): void;
  /** A line for the `awaitlens.status` command, and data for its report. */
  status?(): { line: string; detail: unknown };
  dispose?(): void;
}

export interface ExtensionHost {
  /** Re-publish diagnostics of `uri` (static + extension), or of every known file without one. */
  refresh(uri?: string): void;
  /** Ask the client to re-request code lenses (when it supports `workspace/codeLens/refresh`). */
  refreshCodeLenses(): void;
  /** A line in the client's log (`window/logMessage`). */
  log(message: string, level?: 'error' | 'warning' | 'info' | 'log'): void;
  /** Open documents' URIs. */
  openDocuments(): string[];
  /** A notification of the extension's own (e.g. `awaitlens/status`). */
  notify(method: string, params: unknown): void;
  /** A message the user sees (`window/showMessage`). */
  show(message: string, level?: 'error' | 'warning' | 'info'): void;
  /** Open a local file in the editor; false when the client cannot. */
  showDocument(uri: string): Promise<boolean>;
  /** Workspace folders. */
  roots(): string[];
  /** The static findings the server holds for a file. */
  findings(path: string): readonly Finding[];
  /** The `awaitlens` settings object as the editor sent it. */
  rawSettings(): unknown;
  /** Lines of a file: the open document's text, else the file on disk. */
  lines(path: string): LineIndex | undefined;
  /** Re-publish one file's diagnostics (push), or ask for a diagnostic refresh (pull). */
  republish(path: string): void;
}

export const LIVE_SOURCE = 'awaitlens (live)';
