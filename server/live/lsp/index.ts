/** The live runtime in the language server (see docs/live.md, "In the editor"). */
export { LiveLspExtension, LIVE_COMMANDS, STATUS_NOTIFICATION, statusLine, type LiveExtensionOptions } from './extension.js';
export type { LiveStatus, LiveStateKind } from './feed.js';
export { calleeRange, findCrateRoots, locationOffset } from './locations.js';
export { readLiveSettings, type LiveSettings } from './settings.js';
