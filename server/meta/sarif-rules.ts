// SARIF `reportingDescriptor`s for the rules: what GitHub code scanning shows beside an alert.
import type { RuleMeta, Severity } from '../analysis/types.js';
import { ruleDocsUrl } from './docs-url.js';

export type SarifLevel = 'error' | 'warning' | 'note';

/** SARIF has no hint or info level; both become notes. */
export function sarifLevel(severity: Severity): SarifLevel {
  return severity === 'error' ? 'error' : severity === 'warning' ? 'warning' : 'note';
}

/** `unawaited-future` → `UnawaitedFuture`: SARIF names are identifiers meant for people. */
export function ruleName(id: string): string {
  return id.split('-').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
}

export interface SarifRuleDescriptor {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  help: { text: string; markdown: string };
  helpUri: string;
  defaultConfiguration: { level: SarifLevel };
  properties: { category: string; tags: string[] };
}

export function sarifRuleDescriptor(meta: RuleMeta): SarifRuleDescriptor {
  const d = meta.docs;
  const url = ruleDocsUrl(meta.id);
  const code = d.useInstead.replace(/\s+$/, '');
  return {
    id: meta.id,
    name: ruleName(meta.id),
    shortDescription: { text: meta.summary },
    fullDescription: { text: d.whatItFinds },
    help: {
      text: `${d.whyBad}\n\nUse instead:\n\n${code}\n\nMore: ${url}`,
      markdown: `${d.whyBad}\n\n**Use instead:**\n\n\`\`\`rust\n${code}\n\`\`\`\n\n[Rule documentation](${url})`,
    },
    helpUri: url,
    defaultConfiguration: { level: sarifLevel(meta.defaultSeverity) },
    properties: { category: meta.category, tags: ['awaitlens', meta.category, meta.kind] },
  };
}
