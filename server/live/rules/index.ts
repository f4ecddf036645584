/**
 * Public surface of the live rules: the registry (`rules/live-index.ts`), the
 * evaluation engine and the types the LSP layer and the CLI consume.
 * `LIVE_RULES` is what the docs / SARIF registry lists; the engine runs
 * `ALL_LIVE_RULES` (which adds the live half of `main-off-runtime`).
 */
export { ALL_LIVE_RULES, LIVE_RULES, liveRuleById } from '../../../rules/live-index.js';
export { LiveRuleEngine, DEFAULT_EVALUATION_INTERVAL_MS, MAX_TASK_IDS, type LiveEngineOptions } from './engine.js';
export { ResourceTracker, describeResource, isChannelCapacity, isSyncResource, type Acquisition, type PendingWait } from './resources.js';
export { Scenario, SCENARIO_EPOCH_NS } from './scenario.js';
export * from './types.js';
