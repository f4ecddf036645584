// File events from the client's watchers (`**/*.rs`, `**/awaitlens.toml`). Open documents belong
// to the editor and are left alone; closed files are re-read, re-indexed and re-published, and a
// changed awaitlens.toml reloads the configuration and re-checks everything.
import { basename } from 'node:path';
import { FileChangeType, type FileEvent } from 'vscode-languageserver/node.js';
import { readSource } from '../workspace/read-source.js';
import { CONFIG_FILE } from './configuration.js';
import type { Session } from './session.js';
import { uriToPath } from './uri.js';

export const WATCH_GLOBS = ['**/*.rs', `**/${CONFIG_FILE}`];

/** Apply file events; returns true when the configuration file changed (caller reloads). */
export function applyFileEvents(s: Session, events: readonly FileEvent[]): boolean {
  let configChanged = false;
  let indexChanged = false;
  for (const ev of events) {
    if (typeof ev?.uri !== 'string') continue;
    const path = uriToPath(ev.uri);
    if (basename(path) === CONFIG_FILE) {
      configChanged = true;
      continue;
    }
    if (!path.endsWith('.rs') || s.docs.byFilePath(path)) continue;
    if (ev.type === FileChangeType.Deleted) {
      if (s.host.forget(path)) indexChanged = true;
      s.clear(path, ev.uri);
      continue;
    }
    if (!s.inWorkspace(path)) continue;
    const read = readSource(path, s.host.config.maxFileBytes);
    if (!read.ok) {
      s.out.logOnce(`skip\0${path}\0${read.reason}`, `awaitlens: skipped ${path}: ${read.reason}`, 'warning');
      if (s.host.forget(path)) indexChanged = true;
      s.clear(path, ev.uri);
      continue;
    }
    const outcome = s.host.checkClosed(path, read.text);
    s.logFailures(outcome.failures, path);
    if (outcome.indexChanged) indexChanged = true;
    s.publishPath(path);
  }
  if (indexChanged) s.recheckOpen();
  else if (!s.pushMode && events.length > 0) s.out.refreshDiagnostics();
  return configChanged;
}
