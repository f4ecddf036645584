// `workspace/executeCommand`: the built-in commands and those extensions register.
import { ruleDocsUrl } from './docs-url.js';
import { COMMANDS } from './capabilities.js';
import type { Indexer } from './indexer.js';
import type { Session } from './session.js';

export interface StatusReport {
  version: string;
  positionEncoding: string;
  diagnostics: 'push' | 'pull';
  roots: string[];
  configFile: string | null;
  indexing: boolean;
  indexedFiles: number;
  openDocuments: number;
  findings: number;
  skipped: Array<{ path: string; reason: string }>;
  /** Each extension's own state, e.g. the live console connection. */
  extensions: Record<string, unknown>;
}

export async function executeCommand(s: Session, indexer: Indexer, serverVersion: string, command: string, args: readonly unknown[]): Promise<unknown> {
  switch (command) {
    case COMMANDS.openDocs: {
      const arg = args[0];
      if (typeof arg !== 'string' || arg === '') {
        s.out.log('awaitlens: awaitlens.openDocs needs a URL or a rule id', 'warning');
        return null;
      }
      // Only web pages: a command argument must not make the editor open arbitrary local files.
      const url = /^https?:\/\//.test(arg) ? arg : /^[a-z0-9-]+$/.test(arg) ? ruleDocsUrl(arg) : undefined;
      if (!url) {
        s.out.log(`awaitlens: awaitlens.openDocs: not a documentation link: ${arg}`, 'warning');
        return null;
      }
      await s.out.openExternal(url, 'awaitlens documentation');
      return null;
    }
    case COMMANDS.status: {
      const report: StatusReport = {
        version: serverVersion,
        positionEncoding: s.codec.encoding,
        diagnostics: s.pushMode ? 'push' : 'pull',
        roots: s.roots,
        configFile: s.settings.configFile ?? null,
        indexing: indexer.running,
        indexedFiles: s.host.workspace.index.size,
        openDocuments: s.docs.all().length,
        findings: [...s.host.allFindings()].length,
        skipped: indexer.skipped,
        extensions: {},
      };
      const lines: string[] = [];
      for (const ext of s.extensions) {
        const st = ext.status ? s.callExt(ext, 'status', () => ext.status!()) : undefined;
        if (!st) continue;
        report.extensions[ext.name] = st.detail;
        lines.push(st.line);
      }
      s.out.show(
        [`awaitlens ${report.version}: ${report.indexedFiles} files indexed${report.indexing ? ' (indexing…)' : ''}, ${report.openDocuments} open, ${report.findings} findings, ${report.skipped.length} skipped`, ...lines].join('; '),
      );
      return report;
    }
    case COMMANDS.reindex:
      void indexer.start();
      return null;
    default: {
      for (const ext of s.extensions) {
        const handler = ext.commands?.[command];
        if (handler) return s.callExt(ext, `command ${command}`, () => handler(args)) ?? null;
      }
      s.out.log(`awaitlens: unknown command ${command}`, 'warning');
      return null;
    }
  }
}
