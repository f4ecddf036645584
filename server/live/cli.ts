/**
 * Entry of the live commands (`awaitlens watch | record | top`). The main CLI
 * imports this module only when one of them runs, so `check` never loads gRPC.
 */
import { EXIT_OK, EXIT_USAGE, UsageError, processIo } from '../cli/io.js';
import { runRecord, runTop, runWatch, type LiveDeps } from './cli/commands.js';

export type LiveCommand = 'watch' | 'record' | 'top';

export { runRecord, runTop, runWatch, type LiveDeps } from './cli/commands.js';

/** Runs one command with injected dependencies (tests call this). */
export async function run(command: LiveCommand, argv: readonly string[], deps: LiveDeps): Promise<number> {
  try {
    switch (command) {
      case 'watch':
        return await runWatch(argv, deps);
      case 'record':
        return await runRecord(argv, deps);
      case 'top':
        return await runTop(argv, deps);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      deps.io.stderr(`awaitlens ${command}: ${e.message}\n`);
      return EXIT_USAGE;
    }
    throw e;
  }
  deps.io.stderr(`awaitlens: unknown live command '${String(command)}'\n`);
  return EXIT_USAGE;
}

/**
 * `main('watch', ['--replay', 'x.bin'])`. The dispatcher in server/cli/cli.ts
 * passes one array with the command first; both shapes are accepted.
 */
export async function main(command: LiveCommand | string[], argv: string[] = []): Promise<number> {
  let cmd: string;
  let rest: string[];
  if (Array.isArray(command)) [cmd = '', ...rest] = command;
  else [cmd, rest] = [command, argv];
  if (cmd !== 'watch' && cmd !== 'record' && cmd !== 'top') {
    process.stderr.write(`awaitlens: unknown live command '${cmd}'\n`);
    return EXIT_USAGE;
  }
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onSigint);
  try {
    return await run(cmd, rest, { io: processIo(), signal: controller.signal, stdin: process.stdin });
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
}

export { EXIT_OK };
