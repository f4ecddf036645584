// Rule documentation links come from server/meta (shared with SARIF and the generated docs).
export { ruleDocsUrl } from '../meta/docs-url.js';
