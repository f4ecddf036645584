// `awaitlens check --format sarif`: valid SARIF 2.1.0 (checked against the published schema) with
// what GitHub code scanning reads: rule descriptors, levels, relative locations, fixes.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import AjvModule from 'ajv-draft-04';
import { describe, expect, test } from 'vitest';
import { STATIC_RULES } from '../rules/index.js';
import { main } from '../server/cli/cli.js';
import { ruleDocsUrl } from '../server/meta/docs-url.js';

const require = createRequire(import.meta.url);
// A CommonJS module: under NodeNext its class is the `default` property of the default import.
const Ajv = AjvModule.default;
const FIX = resolve(__dirname, 'fixtures/cli');

async function sarif(args: string[]): Promise<{ code: number; log: any; stderr: string }> {
  let out = '';
  let stderr = '';
  const code = await main(['check', ...args, '--format', 'sarif'], {
    stdout: (t) => void (out += t),
    stderr: (t) => void (stderr += t),
    cwd: FIX,
    env: {},
    stdoutIsTTY: false,
  });
  return { code, log: JSON.parse(out), stderr };
}

function validator() {
  const schema = JSON.parse(readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'));
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false, formats: { uri: /^[a-z][a-z0-9+.-]*:/i, 'uri-reference': true, 'date-time': true } });
  return ajv.compile(schema);
}

describe('sarif', () => {
  const validate = validator();

  test('validates against the SARIF 2.1.0 schema (findings, fixes, skipped files, overrides)', async () => {
    // The validator does reject a log without runs, so a pass below means something.
    expect(validate({ version: '2.1.0' })).toBe(false);
    for (const args of [['bug'], ['clean'], ['bug', 'nonutf8'], ['bug', '--config', 'config/error.toml'], ['bug', '--config', 'config/off.toml']]) {
      const { log } = await sarif(args);
      const ok = validate(log);
      expect(ok ? [] : validate.errors, args.join(' ')).toEqual([]);
    }
  });

  test('run structure', async () => {
    const { code, log } = await sarif(['bug']);
    expect(code).toBe(1);
    expect(log.$schema).toBe('https://json.schemastore.org/sarif-2.1.0.json');
    expect(log.version).toBe('2.1.0');
    expect(log.runs).toHaveLength(1);
    const run = log.runs[0];
    expect(run.columnKind).toBe('unicodeCodePoints');
    expect(run.originalUriBaseIds).toEqual({ '%SRCROOT%': { uri: pathToFileURL(FIX).href + '/' } });
    const driver = run.tool.driver;
    expect(driver.name).toBe('awaitlens');
    expect(driver.version).toBe(JSON.parse(readFileSync(join(FIX, '../../../package.json'), 'utf8')).version);
    expect(driver.informationUri).toBe('https://github.com/awaitlens/awaitlens');
    expect(driver.rules.map((r: { id: string }) => r.id)).toEqual(STATIC_RULES.map((r) => r.meta.id));
  });

  test('rule descriptors come from the metadata', async () => {
    const { log } = await sarif(['clean']);
    const rules = log.runs[0].tool.driver.rules;
    STATIC_RULES.forEach((rule, i) => {
      const m = rule.meta;
      const d = rules[i];
      expect(d.id).toBe(m.id);
      expect(d.name).toMatch(/^[A-Z][A-Za-z0-9]*$/);
      expect(d.shortDescription).toEqual({ text: m.summary });
      expect(d.fullDescription).toEqual({ text: m.docs.whatItFinds });
      expect(d.help.text).toContain(m.docs.whyBad);
      expect(d.help.text).toContain(m.docs.useInstead.trimEnd());
      expect(d.help.markdown).toContain('```rust\n' + m.docs.useInstead.trimEnd() + '\n```');
      expect(d.helpUri).toBe(ruleDocsUrl(m.id));
      expect(d.defaultConfiguration).toEqual({ level: { error: 'error', warning: 'warning', info: 'note', hint: 'note' }[m.defaultSeverity] });
      expect(d.properties.category).toBe(m.category);
      expect(d.properties.tags).toContain(m.category);
    });
    const uf = rules.find((r: { id: string }) => r.id === 'unawaited-future');
    expect(uf.name).toBe('UnawaitedFuture');
    expect(uf.helpUri).toBe('https://github.com/awaitlens/awaitlens/blob/main/rules/unawaited-future/README.md');
  });

  test('results: rule, index, level, message, location, fix', async () => {
    const { log } = await sarif(['bug']);
    const run = log.runs[0];
    const idx = STATIC_RULES.findIndex((r) => r.meta.id === 'unawaited-future');
    expect(run.results).toHaveLength(3);
    const first = run.results[0];
    expect(first).toEqual({
      ruleId: 'unawaited-future',
      ruleIndex: idx,
      level: 'warning',
      message: { text: '`save()` returns a future that is dropped here without being polled, so its work never runs; add `.await` or pass it to `tokio::spawn`.' },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: 'bug/src/lib.rs', uriBaseId: '%SRCROOT%' },
            region: { startLine: 7, startColumn: 21, endLine: 7, endColumn: 32 },
          },
        },
      ],
      fixes: [
        {
          description: { text: 'Add `.await`' },
          artifactChanges: [
            {
              artifactLocation: { uri: 'bug/src/lib.rs', uriBaseId: '%SRCROOT%' },
              replacements: [{ deletedRegion: { startLine: 7, startColumn: 32, endLine: 7, endColumn: 32 }, insertedContent: { text: '.await' } }],
            },
          ],
        },
      ],
    });
    // Outside an async fn there is no fix.
    expect(run.results[2].fixes).toBeUndefined();
    expect(run.results[2].locations[0].physicalLocation.region).toEqual({ startLine: 13, startColumn: 5, endLine: 13, endColumn: 12 });
  });

  test('configured severities: levels, overrides, hint → note', async () => {
    const err = (await sarif(['bug', '--config', 'config/error.toml'])).log.runs[0];
    expect(err.results.map((r: { level: string }) => r.level)).toEqual(['error', 'error', 'error']);
    const idx = STATIC_RULES.findIndex((r) => r.meta.id === 'unawaited-future');
    expect(err.invocations[0].ruleConfigurationOverrides).toEqual([{ descriptor: { id: 'unawaited-future', index: idx }, configuration: { level: 'error' } }]);
    const hint = (await sarif(['with-config'])).log.runs[0];
    expect(hint.results.map((r: { level: string }) => r.level)).toEqual(['note']);
    const off = (await sarif(['bug', '--config', 'config/off.toml'])).log.runs[0];
    expect(off.results).toEqual([]);
    expect(off.invocations[0].ruleConfigurationOverrides).toEqual([{ descriptor: { id: 'unawaited-future', index: idx }, configuration: { enabled: false } }]);
  });

  test('skipped files become tool notifications', async () => {
    const { log, stderr } = await sarif(['nonutf8']);
    expect(stderr).toBe('');
    expect(log.runs[0].invocations[0]).toEqual({
      executionSuccessful: true,
      toolExecutionNotifications: [
        {
          level: 'warning',
          message: { text: 'skipped: file is not valid UTF-8' },
          locations: [{ physicalLocation: { artifactLocation: { uri: 'nonutf8/src/latin1.rs', uriBaseId: '%SRCROOT%' } } }],
        },
      ],
    });
  });
});
