// `awaitlens lsp`: pick the transport from argv, run the server until the client says `exit`
// (or goes away), and return the exit code for the CLI to use.
import { LiveLspExtension } from '../live/lsp/index.js';
import type { LspExtension } from './extensions.js';
import { createServer } from './server.js';
import { connectTransport, listenTransport, stdioTransport, type Transport } from './transport.js';

export const LSP_USAGE = `usage: awaitlens lsp [--stdio | --socket PORT | --listen PORT]

  --stdio          talk LSP over stdin/stdout (the default)
  --socket PORT    connect to the client listening on 127.0.0.1:PORT
  --listen PORT    listen on 127.0.0.1:PORT and serve the first client that connects
`;

type Mode = { kind: 'stdio' } | { kind: 'socket'; port: number } | { kind: 'listen'; port: number } | { kind: 'help' } | { kind: 'error'; message: string };

export function parseLspArgs(argv: readonly string[]): Mode {
  let mode: Mode = { kind: 'stdio' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    if (flag === '--stdio') mode = { kind: 'stdio' };
    else if (flag === '-h' || flag === '--help') return { kind: 'help' };
    else if (flag === '--socket' || flag === '--port' || flag === '--listen') {
      const value = inline ?? argv[++i];
      const port = Number(value);
      if (!value || !Number.isInteger(port) || port < 0 || port > 65535) return { kind: 'error', message: `${flag} needs a port number (0-65535), got '${value ?? ''}'` };
      mode = flag === '--listen' ? { kind: 'listen', port } : { kind: 'socket', port };
    } else if (flag.startsWith('--clientProcessId')) {
      // Passed by some launchers; the parent is watched through `initialize.processId` instead.
      if (inline === undefined) i++;
    } else return { kind: 'error', message: `unknown option '${a}'` };
  }
  return mode;
}

/** Extensions the server starts with (the live runtime adds itself here). */
export const liveExtension = new LiveLspExtension();
export const defaultExtensions: LspExtension[] = [liveExtension];

export async function main(argv: string[]): Promise<number> {
  const mode = parseLspArgs(argv);
  if (mode.kind === 'help') {
    process.stdout.write(LSP_USAGE);
    return 0;
  }
  if (mode.kind === 'error') {
    process.stderr.write(`awaitlens lsp: ${mode.message}\n${LSP_USAGE}`);
    return 2;
  }
  let transport: Transport;
  try {
    if (mode.kind === 'stdio') {
      // stdout carries the protocol: a stray console.log from any layer must not corrupt it.
      console.log = console.info = console.debug = (...args: unknown[]) => void process.stderr.write(`${args.map(String).join(' ')}\n`);
      transport = stdioTransport();
    }
    else if (mode.kind === 'socket') transport = await connectTransport(mode.port);
    else transport = await listenTransport(mode.port, '127.0.0.1', (p) => process.stderr.write(`awaitlens lsp: listening on 127.0.0.1:${p}\n`));
  } catch (e) {
    process.stderr.write(`awaitlens lsp: cannot open the connection: ${(e as Error).message}\n`);
    return 1;
  }
  const server = createServer(transport.reader, transport.writer, { extensions: defaultExtensions, watchParent: true });
  const code = await server.exited;
  transport.close();
  return code;
}
