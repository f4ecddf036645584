// Process entry of the `awaitlens` command (bin/awaitlens.js imports this file). The work is in
// cli.ts so tests can call `main()` without running a process.
import { main } from './cli.js';
import { processIo } from './io.js';

process.exitCode = await main(process.argv.slice(2), processIo());
