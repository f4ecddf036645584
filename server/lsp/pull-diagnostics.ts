// Pull diagnostics (LSP 3.17), used instead of publishing when the client advertises them:
// `textDocument/diagnostic` for one document, `workspace/diagnostic` for the closed files.
import {
  DocumentDiagnosticReportKind,
  type CancellationToken,
  type DocumentDiagnosticReport,
  type WorkspaceDiagnosticReport,
  type WorkspaceDocumentDiagnosticReport,
} from 'vscode-languageserver/node.js';
import type { Session } from './session.js';
import { uriToPath } from './uri.js';

export function documentReport(s: Session, uri: string): DocumentDiagnosticReport {
  const od = s.docs.get(uri);
  if (od) {
    s.ensureCurrent(od);
    return { kind: DocumentDiagnosticReportKind.Full, items: s.diagnosticsFor(od.path, od.uri) };
  }
  const path = uriToPath(uri);
  if (!s.host.findings(path)) return { kind: DocumentDiagnosticReportKind.Full, items: [] };
  return { kind: DocumentDiagnosticReportKind.Full, items: s.diagnosticsFor(path, uri) };
}

/** Reports for every known file that is not open (open ones are pulled per document). */
export function workspaceReport(s: Session, token: CancellationToken): WorkspaceDiagnosticReport | undefined {
  const items: WorkspaceDocumentDiagnosticReport[] = [];
  for (const path of s.host.paths().sort()) {
    if (token.isCancellationRequested) return undefined;
    if (s.docs.byFilePath(path)) continue;
    items.push({ kind: DocumentDiagnosticReportKind.Full, uri: s.uriFor(path), version: null, items: s.diagnosticsFor(path, s.uriFor(path)) });
  }
  return { items };
}
