// `awaitlens.showTasks`: spawn sites ranked by busy time as a markdown file, with the runtime
// findings per site and links to the source lines. A file (not a webview) works in any client.
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { dur } from './texts.js';
import type { LiveFinding } from '../rules/types.js';
import type { LiveStatus } from './feed.js';
import type { SiteIndex, SiteStats } from './site-stats.js';

const MAX_ROWS = 200;

function siteLink(s: SiteStats, roots: readonly string[]): string {
  const r = s.resolved;
  if (r?.kind !== 'workspace') return `\`${s.key}\``;
  const root = roots.find((x) => !relative(x, r.path).startsWith('..'));
  const shown = `${root ? relative(root, r.path) : r.path}:${s.location.line ?? 0}:${s.location.column ?? 0}`;
  return `[${shown}](${pathToFileURL(r.path).href}#L${s.location.line ?? 1})`;
}

const cell = (t: string): string => t.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderTaskReport(sites: SiteIndex, findings: readonly LiveFinding[], status: LiveStatus, roots: readonly string[]): string {
  const all = [...sites.allSiteKeys()].map((k) => sites.stats(k)!);
  all.sort((a, b) => b.busyNs - a.busyNs || b.scheduledNs - a.scheduledNs || b.wakes - a.wakes || b.live - a.live || (a.key < b.key ? -1 : 1));
  const bySite = new Map<string, LiveFinding[]>();
  for (const f of findings) bySite.set(f.siteKey, [...(bySite.get(f.siteKey) ?? []), f]);
  const out = [
    '# awaitlens: tasks by spawn site',
    '',
    `Source: ${status.state}${status.address ? ` \`${status.address}\`` : ''}${status.reason ? ` (${status.reason})` : ''}. Ranked by busy time, then scheduled time, wakes and live tasks.`,
    '',
    '| # | spawn site | live / total | busy | scheduled | wakes | polls | names | warnings |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  all.slice(0, MAX_ROWS).forEach((s, i) => {
    const warn = (bySite.get(s.key) ?? []).map((f) => f.rule).join(', ');
    out.push(`| ${i + 1} | ${siteLink(s, roots)} | ${s.live} / ${s.total} | ${dur(s.busyNs)} | ${dur(s.scheduledNs)} | ${s.wakes} | ${s.polls} | ${cell(s.names.slice(0, 3).join(', '))} | ${cell(warn)} |`);
  });
  if (all.length > MAX_ROWS) out.push('', `${all.length - MAX_ROWS} more sites are not listed.`);
  if (all.length === 0) out.push('', 'No tasks with a spawn location yet.');
  const withFindings = all.filter((s) => bySite.has(s.key));
  if (withFindings.length) {
    out.push('', '## Runtime warnings', '');
    for (const s of withFindings) {
      out.push(`### ${siteLink(s, roots)}`, '');
      for (const f of bySite.get(s.key)!) out.push(`- **${f.rule}** (${f.severity}): ${f.message}`);
      out.push('');
    }
  }
  return out.join('\n') + '\n';
}

export function taskReport(sites: SiteIndex, findings: readonly LiveFinding[], status: LiveStatus, roots: readonly string[], dir = join(tmpdir(), 'awaitlens')): { path: string; text: string } {
  const text = renderTaskReport(sites, findings, status, roots);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `tasks-${process.pid}.md`);
  writeFileSync(path, text);
  return { path, text };
}
