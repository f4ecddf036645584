/** Workspace root, config and source mapping for the live commands. */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defaultConfig, loadConfigFile, type Config } from '../../analysis/config.js';
import { UsageError } from '../../cli/io.js';
import { SourceMapper } from '../source-map.js';

const SKIP = new Set(['target', 'node_modules', '.git']);

/** Folders holding a Cargo.toml under `root` (depth ≤ 3), most specific first. */
export function crateRoots(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number): void => {
    if (existsSync(join(dir, 'Cargo.toml'))) out.push(dir);
    if (depth >= 3) return;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) if (e.isDirectory() && !SKIP.has(e.name) && !e.name.startsWith('.')) walk(join(dir, e.name), depth + 1);
  };
  walk(root, 0);
  if (!out.includes(root)) out.push(root);
  return out.sort((a, b) => b.length - a.length);
}

export function loadConfig(root: string, explicit: string | undefined): Config {
  const path = explicit ?? join(root, 'awaitlens.toml');
  if (!explicit && !existsSync(path)) return defaultConfig();
  try {
    return loadConfigFile(path);
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
}

export function workspace(cwd: string, positional: string | undefined, configPath: string | undefined): { root: string; config: Config; mapper: SourceMapper } {
  const root = resolve(cwd, positional ?? '.');
  if (!existsSync(root)) throw new UsageError(`no such directory: ${positional}`);
  const config = loadConfig(root, configPath === undefined ? undefined : resolve(cwd, configPath));
  const mapper = new SourceMapper({ crateRoots: crateRoots(root), remaps: config.console.remapPathPrefix });
  return { root, config, mapper };
}
