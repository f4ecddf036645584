// PLACEHOLDER: to be replaced by the real rule (metadata, docs and check).
import { defineRule } from '../../server/analysis/rule.js';

export default defineRule({
  meta: {
    id: 'main-off-runtime',
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
