// PLACEHOLDER: to be replaced by the real rule (metadata, docs and check).
import { defineRule } from '../../server/analysis/rule.js';

export default defineRule({
  meta: {
    id: 'self-held-sender',
    kind: 'static',
    category: 'correctness',
    defaultSeverity: 'warning',
    fixable: false,
    summary: 'TODO',
    docs: { whatItFinds: 'TODO', whyBad: 'TODO', example: 'TODO', useInstead: 'TODO' },
  },
  nodeTypes: [],
  check() {},
});
