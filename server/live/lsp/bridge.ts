// What the live extension needs from the server beyond `ExtensionHost`: custom notifications,
// messages, showDocument, the workspace roots, the static findings and the raw editor settings
// (for the settings `EffectiveSettings` does not carry). `bindServer` builds it from the handle
// `createServer` returns; the extension works without it (logs only, no status notifications).
import type { LineIndex } from '../../analysis/line-index.js';
import type { Finding } from '../../analysis/types.js';
import type { AwaitlensServer } from '../../lsp/server.js';

export interface LiveBridge {
  notify(method: string, params: unknown): void;
  show(message: string, level?: 'error' | 'warning' | 'info'): void;
  /** Opens a local file in the editor; false when the client cannot. */
  showDocument(uri: string): Promise<boolean>;
  roots(): string[];
  findings(path: string): readonly Finding[];
  /** The `awaitlens` settings object as the editor sent it. */
  rawSettings(): unknown;
  /** Lines of a file: the open document's text, else the file on disk. */
  lines(path: string): LineIndex | undefined;
  /** Re-publish one file's diagnostics (push), or ask for a diagnostic refresh (pull). */
  republish(path: string): void;
}

export function serverBridge(server: Pick<AwaitlensServer, 'connection' | 'session'>): LiveBridge {
  const { connection, session } = server;
  const safe = (send: () => Promise<unknown>): void => {
    try {
      void send().catch(() => undefined);
    } catch {
      // The connection is gone: nobody to tell.
    }
  };
  return {
    notify: (method, params) => safe(() => connection.sendNotification(method, params)),
    show: (message, level = 'info') => session.out.show(message, level),
    async showDocument(uri) {
      if (!session.client.showDocument) return false;
      try {
        const r = await connection.sendRequest('window/showDocument', { uri, takeFocus: true });
        return !!(r as { success?: boolean } | null)?.success;
      } catch {
        return false;
      }
    },
    roots: () => [...session.roots],
    findings: (path) => session.host.findings(path) ?? [],
    rawSettings: () => session.pushedSettings,
    lines: (path) => session.linesFor(path),
    republish(path) {
      if (session.pushMode) session.publishPath(path);
      else session.out.refreshDiagnostics();
    },
  };
}
