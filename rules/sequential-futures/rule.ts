// PLACEHOLDER: to be replaced by the real rule (metadata, docs and check).
import { defineRule } from '../../server/analysis/rule.js';

export default defineRule({
  meta: {
    id: 'sequential-futures',
    kind: 'static',
    category: 'suspicious',
    defaultSeverity: 'hint',
    fixable: false,
    summary: 'TODO',
    docs: { whatItFinds: 'TODO', whyBad: 'TODO', example: 'TODO', useInstead: 'TODO' },
  },
  nodeTypes: [],
  check() {},
});
