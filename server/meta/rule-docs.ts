// Renders a rule's doc page and the index of all rules from metadata alone. The output is
// committed; `npm run docs` writes it and a test fails when it is stale, so rendering must be a
// pure function of the metadata.
import type { RuleMeta } from '../analysis/types.js';
import { ruleDocsPath } from './docs-url.js';

export const GENERATED_NOTE = '<!-- Generated from rule metadata by `npm run docs`; do not edit by hand. -->';

function fence(code: string, lang = 'rust'): string {
  const body = code.replace(/\s+$/, '');
  // A body that itself holds ``` needs a longer fence.
  const ticks = '`'.repeat(Math.max(3, ...[...body.matchAll(/`+/g)].map((m) => m[0].length + 1)));
  return `${ticks}${lang}\n${body}\n${ticks}`;
}

function paragraph(text: string): string {
  return text.trim();
}

/** One-line facts about a rule, as text badges. */
export function ruleBadges(meta: RuleMeta): string {
  return [
    `Category: **${meta.category}**`,
    `Default severity: **${meta.defaultSeverity}**`,
    `Fixable: **${meta.fixable ? 'yes' : 'no'}**`,
    `Kind: **${meta.kind}**`,
  ].join(' · ');
}

export function silencingSection(meta: RuleMeta): string {
  const toml = fence(`[rules]\n${meta.id} = "off"`, 'toml');
  const perSeverity = `Any other severity (\`"hint"\`, \`"info"\`, \`"warning"\`, \`"error"\`) in the same place changes how findings are reported instead.`;
  if (meta.kind === 'live') {
    return [
      `Live findings come from a running program, so they are silenced for the workspace in \`awaitlens.toml\`:`,
      toml,
      perSeverity,
    ].join('\n\n');
  }
  return [
    `For one finding, put this comment at the end of the line, or on the line above it:`,
    fence(`// awaitlens: allow(${meta.id})`),
    `Placed right before a \`fn\` or an \`impl\` (attributes may come between), the same comment covers the whole item. Several ids can be listed, separated by commas.`,
    `For the whole workspace, in \`awaitlens.toml\`:`,
    toml,
    perSeverity,
  ].join('\n\n');
}

/** The content of `rules/<id>/README.md`. */
export function renderRuleReadme(meta: RuleMeta): string {
  const d = meta.docs;
  const parts = [
    GENERATED_NOTE,
    `# ${meta.id}`,
    paragraph(meta.summary),
    ruleBadges(meta),
    `## What it finds`,
    paragraph(d.whatItFinds),
    `## Why it is bad at runtime`,
    paragraph(d.whyBad),
    `## Example`,
    fence(d.example),
    `## Use instead`,
    fence(d.useInstead),
  ];
  if (d.notes && d.notes.trim()) parts.push(`## Notes`, paragraph(d.notes));
  parts.push(`## How to silence it`, silencingSection(meta));
  return parts.join('\n\n') + '\n';
}

function cell(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/\|/g, '\\|').trim();
}

/** The content of `docs/rules.md`: one table of every rule, linking to its page. */
export function renderRulesIndex(metas: readonly RuleMeta[]): string {
  const table = (list: readonly RuleMeta[]) => [
    '| Rule | Category | Default severity | Fixable | What it finds |',
    '| --- | --- | --- | --- | --- |',
    ...list.map((m) => `| [\`${m.id}\`](../${ruleDocsPath(m.id)}) | ${m.category} | ${m.defaultSeverity} | ${m.fixable ? 'yes' : 'no'} | ${cell(m.summary)} |`),
  ].join('\n');
  const stat = metas.filter((m) => m.kind === 'static');
  const live = metas.filter((m) => m.kind === 'live');
  const parts = [
    GENERATED_NOTE,
    '# Rules',
    `awaitlens has ${metas.length} rules. Static rules read the source (in the editor and in \`awaitlens check\`); live rules read what a running program reports through tokio-console. Each rule's page says what it finds, why it hurts at runtime, an example, the fix, and how to silence it. Severities can be changed per workspace in \`awaitlens.toml\` (see [cli.md](cli.md)).`,
    '## Static rules',
    stat.length ? table(stat) : '_None._',
  ];
  if (live.length) parts.push('## Live rules', table(live));
  return parts.join('\n\n') + '\n';
}

/** Every generated docs file, repository-relative path → content. */
export function renderAllDocs(metas: readonly RuleMeta[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of metas) out.set(ruleDocsPath(m.id), renderRuleReadme(m));
  out.set('docs/rules.md', renderRulesIndex(metas));
  return out;
}
