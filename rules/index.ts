// The registry of static rules. A test checks that this list, the rule folders, their docs and
// their fixtures are the same set.
import type { StaticRule } from '../server/analysis/rule.js';
import unawaitedFuture from './unawaited-future/rule.js';
import selectCancelUnsafe from './select-cancel-unsafe/rule.js';
import guardAcrossAwait from './guard-across-await/rule.js';
import blockingInAsync from './blocking-in-async/rule.js';
import pendingWithoutWaker from './pending-without-waker/rule.js';
import selfHeldSender from './self-held-sender/rule.js';
import serialAcceptLoop from './serial-accept-loop/rule.js';
import sequentialFutures from './sequential-futures/rule.js';
import mainOffRuntime from './main-off-runtime/rule.js';
import vecRemoveFront from './vec-remove-front/rule.js';
import lockOrderInversion from './lock-order-inversion/rule.js';
import unbufferedIo from './unbuffered-io/rule.js';
import serialReceiverLoop from './serial-receiver-loop/rule.js';
import lostPanic from './lost-panic/rule.js';

export const STATIC_RULES: readonly StaticRule[] = [
  unawaitedFuture,
  selectCancelUnsafe,
  guardAcrossAwait,
  blockingInAsync,
  pendingWithoutWaker,
  selfHeldSender,
  serialAcceptLoop,
  sequentialFutures,
  mainOffRuntime,
  vecRemoveFront,
  lockOrderInversion,
  unbufferedIo,
  serialReceiverLoop,
  lostPanic,
];

export function ruleById(id: string): StaticRule | undefined {
  return STATIC_RULES.find((r) => r.meta.id === id);
}
