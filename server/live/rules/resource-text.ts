/** Wording for rules that talk about resources and the tasks holding them. */
import type { LiveResource, LiveTask } from '../model.js';
import { taskLabel } from './format.js';
import { describeResource, formatLocation, isChannelCapacity } from './resources.js';
import type { LiveRelated, LiveRuleContext } from './types.js';

export function taskRef(t: LiveTask | undefined, id: string): string {
  if (!t) return `task span ${id} (no longer known)`;
  const name = t.name !== undefined ? `\`${t.name}\`, ` : '';
  return `task ${taskLabel(t)} (${name}spawned at ${formatLocation(t.location)})`;
}

/** Related entry pointing at where a resource was created (or its parent, for internal ones). */
export function resourceRelated(ctx: LiveRuleContext, root: LiveResource): LiveRelated[] {
  if (root.location?.file) return [{ location: root.location, message: `${describeResource(root).replace(/^the /, 'The ')}.` }];
  void ctx;
  return [];
}

/**
 * "; it is held by task 10 (`holder`, spawned at …)" or what is known instead.
 * `excludeTask` leaves out the waiter itself when it shows up as a past acquirer.
 */
export function holderText(ctx: LiveRuleContext, root: LiveResource): { text: string; related: LiveRelated[] } {
  const holders = ctx.resources.holders(ctx.model, root);
  if (holders.length > 0) {
    const refs = holders.slice(0, 3).map((h) => taskRef(ctx.model.taskById(h.taskId), h.taskId));
    const more = holders.length > 3 ? ` and ${holders.length - 3} more` : '';
    const verb = ctx.resources.exclusive(root) ? 'it is held by' : 'its permits were last taken by';
    const related: LiveRelated[] = [];
    for (const h of holders.slice(0, 3)) {
      const t = ctx.model.taskById(h.taskId);
      if (t?.location) related.push({ location: t.location, message: `${taskRef(t, h.taskId)} holds ${describeResource(root)}.`.replace(/^task/, 'Task') });
    }
    return { text: `${verb} ${refs.join(', ')}${more}`, related };
  }
  if (isChannelCapacity(root)) return { text: 'a slot frees up only when the receiver takes a message', related: [] };
  return { text: 'which task holds it is not known (it was taken before awaitlens connected, or its acquisition was not seen)', related: [] };
}
