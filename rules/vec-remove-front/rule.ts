// PLACEHOLDER: to be replaced by the real rule (metadata, docs and check).
import { defineRule } from '../../server/analysis/rule.js';

export default defineRule({
  meta: {
    id: 'vec-remove-front',
    kind: 'static',
    category: 'performance',
    defaultSeverity: 'hint',
    fixable: false,
    summary: 'TODO',
    docs: { whatItFinds: 'TODO', whyBad: 'TODO', example: 'TODO', useInstead: 'TODO' },
  },
  nodeTypes: [],
  check() {},
});
