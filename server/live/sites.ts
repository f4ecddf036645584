/**
 * Groups tasks by spawn site (file:line:col as recorded on the wire): many
 * tasks share one `spawn` call, and editors annotate the call, not the task.
 */
import type { ConsoleModel, LiveTask } from './model.js';
import type { ResolvedLocation, SourceMapper } from './source-map.js';
import { taskState, type TaskState } from './task-metrics.js';
import type { SpanId, WireLocation } from './wire.js';

export interface SpawnSite {
  /** `file:line:col` exactly as on the wire. */
  key: string;
  location: WireLocation;
  resolved?: ResolvedLocation;
  taskIds: SpanId[];
  names: string[];
  byState: Record<TaskState, number>;
}

export function siteKey(loc: WireLocation): string {
  return `${loc.file ?? '?'}:${loc.line ?? 0}:${loc.column ?? 0}`;
}

export function spawnSites(model: ConsoleModel, mapper?: SourceMapper): Map<string, SpawnSite> {
  return groupBySite(model.tasks(), mapper);
}

export function groupBySite(tasks: Iterable<LiveTask>, mapper?: SourceMapper): Map<string, SpawnSite> {
  const sites = new Map<string, SpawnSite>();
  const names = new Map<string, Set<string>>();
  for (const task of tasks) {
    if (!task.location) continue;
    const key = siteKey(task.location);
    let site = sites.get(key);
    if (!site) {
      site = {
        key,
        location: task.location,
        taskIds: [],
        names: [],
        byState: { running: 0, scheduled: 0, idle: 0, completed: 0 },
      };
      if (mapper) site.resolved = mapper.resolve(task.location);
      sites.set(key, site);
      names.set(key, new Set());
    }
    site.taskIds.push(task.spanId);
    site.byState[taskState(task)]++;
    if (task.name !== undefined) names.get(key)!.add(task.name);
  }
  for (const [key, set] of names) sites.get(key)!.names = [...set].sort();
  return sites;
}
