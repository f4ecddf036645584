// The registry of live rules (rules that read a running program through tokio-console). Each is
// `rules/<id>/live.ts`; `main-off-runtime` has a static half (`rule.ts`) and a live half.
import type { LiveRule } from '../server/live/rules/types.js';
import lostWaker from './lost-waker/live.js';
import selfWakes from './self-wakes/live.js';
import neverYielded from './never-yielded/live.js';
import largeFuture from './large-future/live.js';
import autoBoxedFuture from './auto-boxed-future/live.js';
import longPoll from './long-poll/live.js';
import schedulingDelay from './scheduling-delay/live.js';
import stuckOnResource from './stuck-on-resource/live.js';
import taskGrowth from './task-growth/live.js';
import deadlockCycle from './deadlock-cycle/live.js';
import starvedOnResource from './starved-on-resource/live.js';
import mainOffRuntime from './main-off-runtime/live.js';

export const ALL_LIVE_RULES: readonly LiveRule[] = [
  lostWaker,
  selfWakes,
  neverYielded,
  largeFuture,
  autoBoxedFuture,
  longPoll,
  schedulingDelay,
  stuckOnResource,
  taskGrowth,
  deadlockCycle,
  starvedOnResource,
  mainOffRuntime,
];

/**
 * Live rules with a page of their own. The live half of `main-off-runtime` is documented on the
 * static rule's page, so it is left out here (the docs generator and SARIF list each id once).
 */
export const LIVE_RULES: readonly LiveRule[] = ALL_LIVE_RULES.filter((r) => r.meta.id !== mainOffRuntime.meta.id);

export function liveRuleById(id: string): LiveRule | undefined {
  return ALL_LIVE_RULES.find((r) => r.meta.id === id);
}
