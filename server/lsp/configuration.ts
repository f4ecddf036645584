// Effective settings = awaitlens.toml of the workspace, with the editor's `awaitlens.*` settings
// laid over it. Both have the same shape (`rules`, `console`, ...), so `applyConfig` merges them;
// the few settings only an editor has (debounce, console replay) are kept beside the Config.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { applyConfig, ConfigError, defaultConfig, loadConfigFile, type Config } from '../analysis/config.js';

export const CONFIG_FILE = 'awaitlens.toml';

export interface EditorOnlySettings {
  /** Extra delay before analysing a changed document; 0 = the next macrotask. */
  debounceMs: number;
  /** Pause in typing after which a fast (changed items only) result is followed by a full check. */
  fullCheckDelayMs?: number;
  console: { address?: string; replay?: string };
}

export interface EffectiveSettings extends EditorOnlySettings {
  config: Config;
  /** Where the workspace config came from, when a file was found. */
  configFile?: string;
}

export interface SettingsProblem {
  source: string;
  message: string;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The first awaitlens.toml among the workspace roots. A broken file is a problem, not a crash. */
export function loadWorkspaceConfig(roots: readonly string[], problems: SettingsProblem[]): { config: Config; file?: string } {
  for (const root of roots) {
    const file = join(root, CONFIG_FILE);
    if (!existsSync(file)) continue;
    try {
      return { config: loadConfigFile(file), file };
    } catch (e) {
      problems.push({ source: file, message: (e as Error).message });
      return { config: defaultConfig(), file };
    }
  }
  return { config: defaultConfig() };
}

/**
 * Lay editor settings over the workspace config. Entries that do not fit are reported and
 * skipped one by one, so one bad severity does not drop the others.
 */
export function mergeSettings(base: Config, raw: unknown, knownRules: ReadonlySet<string>, problems: SettingsProblem[]): EffectiveSettings {
  const source = 'editor settings (awaitlens)';
  let config = base;
  const out: EffectiveSettings = { config, debounceMs: 0, console: { address: base.console.address } };
  if (!isRecord(raw)) return out;
  if (isRecord(raw.rules)) {
    for (const [id, sev] of Object.entries(raw.rules)) {
      if (!knownRules.has(id)) problems.push({ source, message: `unknown rule '${id}' in awaitlens.rules` });
      try {
        config = applyConfig(config, { rules: { [id]: sev } }, source);
      } catch (e) {
        problems.push({ source, message: e instanceof ConfigError ? e.message : String(e) });
      }
    }
  } else if (raw.rules !== undefined && raw.rules !== null) {
    problems.push({ source, message: 'awaitlens.rules must be an object of rule id → severity' });
  }
  const rest = { ...raw };
  delete rest.rules;
  config = applyConfig(config, rest, source);
  out.config = config;
  out.console.address = config.console.address;
  if (isRecord(raw.console) && typeof raw.console.replay === 'string' && raw.console.replay !== '') out.console.replay = raw.console.replay;
  if (raw.debounceMs !== undefined) {
    if (typeof raw.debounceMs === 'number' && Number.isFinite(raw.debounceMs) && raw.debounceMs >= 0) out.debounceMs = Math.min(raw.debounceMs, 10_000);
    else problems.push({ source, message: 'awaitlens.debounceMs must be a number of milliseconds ≥ 0' });
  }
  if (raw.fullCheckDelayMs !== undefined) {
    if (typeof raw.fullCheckDelayMs === 'number' && Number.isFinite(raw.fullCheckDelayMs) && raw.fullCheckDelayMs >= 0) out.fullCheckDelayMs = Math.min(raw.fullCheckDelayMs, 60_000);
    else problems.push({ source, message: 'awaitlens.fullCheckDelayMs must be a number of milliseconds ≥ 0' });
  }
  return out;
}

/** Unknown rule ids in the workspace file are worth a warning too: usually a typo. */
export function unknownRuleIds(config: Config, knownRules: ReadonlySet<string>): string[] {
  return Object.keys(config.rules).filter((id) => !knownRules.has(id));
}
