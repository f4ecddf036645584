// Starts `awaitlens lsp --stdio` for Rust files. It runs beside rust-analyzer (a second server
// for the same language), so it registers only for `rust` documents in files on disk and leaves
// completion, navigation and the rest to rust-analyzer.
import * as vscode from 'vscode';
import { LanguageClient, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';

let client: LanguageClient | undefined;

/** The command from `awaitlens.path`, else `awaitlens` on PATH. */
function command(): string {
  const path = vscode.workspace.getConfiguration('awaitlens').get<string>('path', '').trim();
  return path === '' ? 'awaitlens' : path;
}

/**
 * Settings as the server reads them: an empty string in the settings UI means "not set here", so
 * it must not override the workspace's awaitlens.toml; `path` only concerns this extension.
 */
function serverSettings(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (key === 'path' || value === '') continue;
    out[key] = typeof value === 'object' && value !== null && !Array.isArray(value) ? serverSettings(value) : value;
  }
  return out;
}

function createClient(): LanguageClient {
  const cmd = command();
  const serverOptions: ServerOptions = {
    run: { command: cmd, args: ['lsp', '--stdio'] },
    debug: { command: cmd, args: ['lsp', '--stdio'], options: { env: { ...process.env, AWAITLENS_DEBUG: '1' } } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: 'file', language: 'rust' }],
    synchronize: { configurationSection: 'awaitlens' },
    middleware: {
      workspace: {
        configuration: async (params, token, next) => {
          const result = await next(params, token);
          if (!Array.isArray(result)) return result;
          return result.map((value, i) => (params.items[i]?.section === 'awaitlens' ? serverSettings(value) : value));
        },
      },
    },
  };
  return new LanguageClient('awaitlens', 'awaitlens', serverOptions, clientOptions);
}

async function start(context: vscode.ExtensionContext): Promise<void> {
  client = createClient();
  try {
    await client.start();
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    void vscode.window.showErrorMessage(
      `awaitlens: could not start \`${command()} lsp --stdio\` (${message}). Install awaitlens (npm install -g awaitlens) or set "awaitlens.path".`,
    );
  }
  context.subscriptions.push({ dispose: () => void client?.stop() });
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  context.subscriptions.push(
    vscode.commands.registerCommand('awaitlens.restart', async () => {
      await client?.stop();
      await start(context);
    }),
    // The command itself is read once at start; the rest is sent to the running server.
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (!e.affectsConfiguration('awaitlens.path')) return;
      await client?.stop();
      await start(context);
    }),
  );
  await start(context);
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
