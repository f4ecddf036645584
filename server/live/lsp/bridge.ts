// What the live extension uses of the server: the subset of `ExtensionHost` it calls, so that
// benches and embedders can drive the extension without a language server.
import type { ExtensionHost } from '../../lsp/extensions.js';

export type LiveBridge = Pick<ExtensionHost, 'notify' | 'show' | 'showDocument' | 'roots' | 'findings' | 'rawSettings' | 'lines' | 'republish'>;
