// The live side's settings: `awaitlens.console.*` from the editor laid over `[console]` of
// awaitlens.toml (already merged into `EffectiveSettings`), plus the two editor-only keys
// `EffectiveSettings` does not carry (`enabled`, `replaySpeed`), read from the raw settings.
import { isAbsolute, resolve } from 'node:path';
import type { Config } from '../../analysis/config.js';
import type { EffectiveSettings } from '../../lsp/configuration.js';
import type { Speed } from '../cli/replay.js';

export interface LiveSettings {
  enabled: boolean;
  /** Explicit address (setting or awaitlens.toml); TOKIO_CONSOLE_BIND / default otherwise. */
  address?: string;
  /** Absolute path of a recording to replay instead of connecting. */
  replay?: string;
  replaySpeed: Speed;
  config: Config;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Problems are returned as text (logged once by the caller); bad values fall back to defaults. */
export function readLiveSettings(eff: EffectiveSettings, raw: unknown, roots: readonly string[]): { settings: LiveSettings; problems: string[] } {
  const problems: string[] = [];
  const con = isRecord(raw) && isRecord(raw.console) ? raw.console : {};
  let enabled = true;
  if (con.enabled !== undefined && con.enabled !== null) {
    if (typeof con.enabled === 'boolean') enabled = con.enabled;
    else problems.push('awaitlens.console.enabled must be true or false');
  }
  let replaySpeed: Speed = 1;
  const sp = con.replaySpeed;
  if (sp !== undefined && sp !== null) {
    if (sp === 'max') replaySpeed = 'max';
    else if (typeof sp === 'number' && Number.isFinite(sp) && sp > 0) replaySpeed = sp;
    else if (typeof sp === 'string' && Number.isFinite(Number(sp)) && Number(sp) > 0) replaySpeed = Number(sp);
    else problems.push(`awaitlens.console.replaySpeed must be a positive number or "max", got ${JSON.stringify(sp)}`);
  }
  const settings: LiveSettings = { enabled, replaySpeed, config: eff.config };
  const address = eff.console.address ?? eff.config.console.address;
  if (address) settings.address = address;
  const replay = eff.console.replay;
  if (replay) settings.replay = isAbsolute(replay) ? replay : resolve(roots[0] ?? process.cwd(), replay);
  return { settings, problems };
}

/** What must restart the feed when it changes (thresholds and severities do not). */
export function feedKey(s: LiveSettings): string {
  return JSON.stringify([s.enabled, s.address ?? null, s.replay ?? null, s.replaySpeed, s.config.console.remapPathPrefix]);
}
