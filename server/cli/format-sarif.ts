// SARIF 2.1.0 output for code-scanning services (GitHub, GitLab, Azure DevOps). Locations are
// relative to %SRCROOT% (the working directory), so run `awaitlens check` from the repository
// root for uploads to line up with the checkout.
import { pathToFileURL } from 'node:url';
import type { RuleMeta } from '../analysis/types.js';
import { sarifLevel, sarifRuleDescriptor } from '../meta/sarif-rules.js';
import type { CliReport, Range } from './diagnostics.js';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
const INFORMATION_URI = 'https://github.com/awaitlens/awaitlens';
const SRCROOT = '%SRCROOT%';

interface ArtifactLocation {
  uri: string;
  uriBaseId?: string;
}

function region(r: Range) {
  return { startLine: r.start.line, startColumn: r.start.column, endLine: r.end.line, endColumn: r.end.column };
}

/** A display path (relative to the cwd) as an artifact location; paths outside it stay absolute. */
function artifact(file: string, cwd: string): ArtifactLocation {
  if (file.startsWith('../') || file === '..' || /^([a-zA-Z]:)?\//.test(file)) {
    const abs = file.startsWith('/') || /^[a-zA-Z]:\//.test(file) ? file : `${cwd}/${file}`;
    return { uri: pathToFileURL(abs).href };
  }
  return { uri: file.split('/').map(encodeURIComponent).join('/'), uriBaseId: SRCROOT };
}

export function formatSarif(report: CliReport, rules: readonly RuleMeta[], effectiveLevel: (rule: string) => string | undefined, toolVersion: string, cwd: string): string {
  const ruleIndex = new Map(rules.map((r, i) => [r.id, i]));
  const results = report.diagnostics.map((d) => {
    const idx = ruleIndex.get(d.rule);
    return {
      ruleId: d.rule,
      ...(idx !== undefined ? { ruleIndex: idx } : {}),
      level: sarifLevel(d.severity),
      message: { text: d.message },
      locations: [{ physicalLocation: { artifactLocation: artifact(d.file, cwd), region: region(d.range) } }],
      ...(d.related.length
        ? { relatedLocations: d.related.map((r, i) => ({ id: i + 1, physicalLocation: { artifactLocation: artifact(r.file, cwd), region: region(r.range) }, message: { text: r.message } })) }
        : {}),
      ...(d.fixes.length
        ? {
            fixes: d.fixes.map((f) => ({
              description: { text: f.title },
              artifactChanges: groupByFile(f.edits).map(([file, edits]) => ({
                artifactLocation: artifact(file, cwd),
                replacements: edits.map((e) => ({ deletedRegion: region(e.range), insertedContent: { text: e.newText } })),
              })),
            })),
          }
        : {}),
    };
  });
  const notifications = [
    ...report.skipped.map((s) => ({
      level: 'warning',
      message: { text: `skipped: ${s.reason}` },
      locations: [{ physicalLocation: { artifactLocation: artifact(s.file, cwd) } }],
    })),
    ...report.failures.map((f) => ({
      level: 'warning',
      message: { text: `rule ${f.rule} failed: ${f.message}` },
      locations: [{ physicalLocation: { artifactLocation: artifact(f.file, cwd) } }],
      associatedRule: { id: f.rule, ...(ruleIndex.has(f.rule) ? { index: ruleIndex.get(f.rule)! } : {}) },
    })),
  ];
  const overrides = rules
    .map((r, i) => ({ r, i, level: effectiveLevel(r.id) }))
    .filter((x) => x.level !== undefined && x.level !== sarifRuleDescriptor(x.r).defaultConfiguration.level)
    .map((x) => ({ descriptor: { id: x.r.id, index: x.i }, configuration: x.level === 'none' ? { enabled: false } : { level: x.level } }));
  const log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'awaitlens',
            version: toolVersion,
            semanticVersion: toolVersion,
            informationUri: INFORMATION_URI,
            rules: rules.map(sarifRuleDescriptor),
          },
        },
        invocations: [
          {
            executionSuccessful: true,
            ...(notifications.length ? { toolExecutionNotifications: notifications } : {}),
            ...(overrides.length ? { ruleConfigurationOverrides: overrides } : {}),
          },
        ],
        originalUriBaseIds: { [SRCROOT]: { uri: pathToFileURL(cwd.endsWith('/') ? cwd : `${cwd}/`).href } },
        columnKind: 'unicodeCodePoints',
        results,
      },
    ],
  };
  return JSON.stringify(log, null, 2) + '\n';
}

function groupByFile<T extends { file: string }>(edits: readonly T[]): Array<[string, T[]]> {
  const by = new Map<string, T[]>();
  for (const e of edits) {
    const list = by.get(e.file) ?? [];
    list.push(e);
    by.set(e.file, list);
  }
  return [...by];
}
