/** Flag parsing for the live commands (small and strict: unknown flags are usage errors). */
import { UsageError } from '../../cli/io.js';

export interface ParsedArgs {
  flags: Map<string, string | true>;
  positionals: string[];
}

/** `valued` flags take the next argument (or `--flag=value`); the rest are booleans. */
export function parseArgs(argv: readonly string[], valued: readonly string[], booleans: readonly string[]): ParsedArgs {
  const flags = new Map<string, string | true>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : a;
    if (valued.includes(name)) {
      const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new UsageError(`${name} needs a value`);
      flags.set(name, value);
    } else if (booleans.includes(name)) {
      if (eq > 0) throw new UsageError(`${name} takes no value`);
      flags.set(name, true);
    } else {
      throw new UsageError(`unknown option '${name}'`);
    }
  }
  return { flags, positionals };
}

export function str(p: ParsedArgs, name: string): string | undefined {
  const v = p.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}
