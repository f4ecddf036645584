// Everything the server sends on its own initiative goes through this small client interface:
// logs, messages, diagnostics, progress and refresh requests. Sending never throws into the
// caller: a client that went away or refused a request only costs that message.
import {
  CodeLensRefreshRequest,
  DiagnosticRefreshRequest,
  LogMessageNotification,
  MessageType,
  PublishDiagnosticsNotification,
  ShowDocumentRequest,
  ShowMessageNotification,
  type Connection,
  type Diagnostic,
  type WorkDoneProgressServerReporter,
} from 'vscode-languageserver/node.js';
import type { ClientFeatures } from './capabilities.js';

export type LogLevel = 'error' | 'warning' | 'info' | 'log';

const LEVEL: Record<LogLevel, MessageType> = { error: MessageType.Error, warning: MessageType.Warning, info: MessageType.Info, log: MessageType.Log };

export interface Progress {
  report(done: number, total: number, message: string): void;
  done(): void;
}

export class Outbound {
  private readonly logged = new Set<string>();

  constructor(
    private readonly connection: Connection,
    private readonly client: () => ClientFeatures,
  ) {}

  /** Send a notification; a closed connection (client gone, shutting down) drops it quietly. */
  private notify<P>(send: () => Promise<P>): void {
    try {
      void send().catch(() => undefined);
    } catch {
      // Disposed connection: nothing to tell anyone.
    }
  }

  log(message: string, level: LogLevel = 'log'): void {
    this.notify(() => this.connection.sendNotification(LogMessageNotification.type, { type: LEVEL[level], message }));
  }

  /** Log a message only the first time `key` is seen (per server lifetime). */
  logOnce(key: string, message: string, level: LogLevel = 'warning'): void {
    if (this.logged.has(key)) return;
    this.logged.add(key);
    this.log(message, level);
  }

  show(message: string, level: Exclude<LogLevel, 'log'> = 'info'): void {
    this.notify(() => this.connection.sendNotification(ShowMessageNotification.type, { type: LEVEL[level], message }));
  }

  publish(uri: string, diagnostics: Diagnostic[], version?: number): void {
    const params = version === undefined || !this.client().versionSupport ? { uri, diagnostics } : { uri, version, diagnostics };
    this.notify(() => this.connection.sendNotification(PublishDiagnosticsNotification.type, params));
  }

  refreshDiagnostics(): void {
    if (!this.client().diagnosticRefresh) return;
    this.notify(() => this.connection.sendRequest(DiagnosticRefreshRequest.type));
  }

  refreshCodeLenses(): void {
    if (!this.client().codeLensRefresh) return;
    this.notify(() => this.connection.sendRequest(CodeLensRefreshRequest.type));
  }

  /** A notification of awaitlens's own (`awaitlens/status`). */
  custom(method: string, params: unknown): void {
    this.notify(() => this.connection.sendNotification(method, params));
  }

  /** Open a local document in the editor; false when the client cannot. */
  async showDocument(uri: string): Promise<boolean> {
    if (!this.client().showDocument) return false;
    try {
      return (await this.connection.sendRequest(ShowDocumentRequest.type, { uri, takeFocus: true })).success;
    } catch {
      return false;
    }
  }

  /** Open an external URL: `window/showDocument` when supported, else a message with the URL. */
  async openExternal(url: string, what: string): Promise<boolean> {
    if (this.client().showDocument) {
      try {
        const r = await this.connection.sendRequest(ShowDocumentRequest.type, { uri: url, external: true });
        if (r.success) return true;
      } catch {
        // Fall through to the message: the URL still reaches the user.
      }
    }
    this.show(`${what}: ${url}`);
    return false;
  }

  /** Work-done progress created by the server, or a silent stand-in when the client has none. */
  async progress(title: string, first: string): Promise<Progress> {
    let reporter: WorkDoneProgressServerReporter | undefined;
    if (this.client().workDoneProgress) {
      try {
        reporter = await this.connection.window.createWorkDoneProgress();
        reporter.begin(title, 0, first, false);
      } catch {
        reporter = undefined;
      }
    }
    return {
      report: (done, total, message) => reporter?.report(total === 0 ? 100 : Math.floor((done * 100) / total), message),
      done: () => reporter?.done(),
    };
  }
}
