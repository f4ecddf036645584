// Every rule's metadata, static and live. The live rules are owned by the live layer and may not
// exist in a build yet, so they are looked up lazily and their absence is not an error. Importing
// this module pulls in the static rules only (no gRPC, no LSP).
import { STATIC_RULES } from '../../rules/index.js';
import type { RuleMeta } from '../analysis/types.js';
import { importOptional } from './optional-module.js';

// A variable specifier keeps TypeScript and bundlers from requiring the module to exist.
const LIVE_RULES_MODULE = '../live/rules/index.js';

interface LiveRulesModule {
  LIVE_RULES?: ReadonlyArray<{ meta: RuleMeta }>;
  liveRules?: () => ReadonlyArray<{ meta: RuleMeta }>;
}

export function staticRuleMetas(): RuleMeta[] {
  return STATIC_RULES.map((r) => r.meta);
}

/** Metadata of the live rules, or [] when this build has none. */
export async function liveRuleMetas(): Promise<RuleMeta[]> {
  const mod = await importOptional<LiveRulesModule>(() => import(LIVE_RULES_MODULE), LIVE_RULES_MODULE);
  if (!mod) return [];
  const list = mod.LIVE_RULES ?? mod.liveRules?.() ?? [];
  return list.map((r) => r.meta);
}

/** Static rules first (registry order), then live rules. */
export async function allRuleMetas(): Promise<RuleMeta[]> {
  return [...staticRuleMetas(), ...(await liveRuleMetas())];
}
