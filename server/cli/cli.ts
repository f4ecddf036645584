// Subcommand dispatch. Only what a subcommand needs is imported, and only when it runs: `check`
// must not load the language server or gRPC, and `--help` / `--version` load nothing heavy.
import { importOptional } from '../meta/optional-module.js';
import { CHECK_HELP, MAIN_HELP } from './help.js';
import { EXIT_OK, EXIT_USAGE, UsageError, type CliIo } from './io.js';
import { version } from './version.js';

/** Entry point of the command line: returns the exit code. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`awaitlens: ${e.message}\n`);
      return EXIT_USAGE;
    }
    const err = e instanceof Error ? e : new Error(String(e));
    io.stderr(`awaitlens: internal error: ${err.message}\n`);
    if (io.env.AWAITLENS_DEBUG) io.stderr(`${err.stack}\n`);
    else io.stderr('awaitlens: set AWAITLENS_DEBUG=1 to see the stack trace\n');
    return EXIT_USAGE;
  }
}

// Modules of other layers, named by variable so a build without them still compiles and runs.
const LSP_MODULE = '../lsp/main.js';
const LIVE_MODULE = '../live/cli.js';

async function dispatch(argv: readonly string[], io: CliIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    io.stderr(MAIN_HELP);
    return EXIT_USAGE;
  }
  switch (first) {
    case '-h':
    case '--help':
      io.stdout(MAIN_HELP);
      return EXIT_OK;
    case '-V':
    case '--version':
      io.stdout(`awaitlens ${version()}\n`);
      return EXIT_OK;
    case 'help':
      if (rest[0] === 'check') io.stdout(CHECK_HELP);
      else if (rest[0] === undefined) io.stdout(MAIN_HELP);
      else return dispatch([rest[0], '--help'], io);
      return EXIT_OK;
    case 'check': {
      const { runCheck } = await import('./check.js');
      return runCheck(rest, io);
    }
    case 'lsp':
      return delegate(LSP_MODULE, 'lsp', rest, io);
    case 'watch':
    case 'record':
    case 'top':
      return delegate(LIVE_MODULE, first, [first, ...rest], io);
    default:
      if (first.startsWith('-')) throw new UsageError(`unknown option '${first}' (see awaitlens --help)`);
      throw new UsageError(`unknown command '${first}' (see awaitlens --help)`);
  }
}

interface SubcommandModule {
  main?: (argv: string[]) => number | void | undefined | Promise<number | void | undefined>;
}

/**
 * Run a subcommand implemented by another layer. Its module exports `main(argv)`; a number it
 * returns is the exit code, nothing means it keeps running (a server) and exits on its own.
 */
async function delegate(spec: string, name: string, argv: string[], io: CliIo): Promise<number> {
  const mod = await importOptional<SubcommandModule>(() => import(spec), spec);
  if (typeof mod?.main !== 'function') {
    io.stderr(`awaitlens: '${name}' is not available in this build\n`);
    return EXIT_USAGE;
  }
  const code = await mod.main(argv);
  return typeof code === 'number' ? code : (process.exitCode as number | undefined) ?? EXIT_OK;
}
