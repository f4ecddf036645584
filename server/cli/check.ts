// `awaitlens check`: read the config, analyse the paths, print the findings, pick the exit code.
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { STATIC_RULES } from '../../rules/index.js';
import { ConfigError, defaultConfig, loadConfigFile, type Config } from '../analysis/config.js';
import { SEVERITY_RANK, type Severity } from '../analysis/types.js';
import { sarifLevel } from '../meta/sarif-rules.js';
import { liveRuleMetas } from '../meta/registry.js';
import { Workspace } from '../workspace/workspace.js';
import { version } from './version.js';
import { buildReport, displayPath, type CliReport } from './diagnostics.js';
import { formatJson } from './format-json.js';
import { formatSarif } from './format-sarif.js';
import { formatText } from './format-text.js';
import { CHECK_HELP } from './help.js';
import { EXIT_FINDINGS, EXIT_OK, UsageError, type CliIo } from './io.js';

const FORMATS = ['text', 'json', 'sarif'] as const;
type Format = (typeof FORMATS)[number];
const FAIL_ON = ['hint', 'info', 'warning', 'error', 'none'] as const;
type FailOn = (typeof FAIL_ON)[number];

export interface CheckOptions {
  paths: string[];
  format: Format;
  config?: string;
  failOn: FailOn;
  colour: boolean;
  help: boolean;
}

export function parseCheckArgs(argv: readonly string[], io: CliIo): CheckOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        format: { type: 'string' },
        config: { type: 'string' },
        'fail-on': { type: 'string' },
        'no-color': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new UsageError(`${argError(e)} (see awaitlens check --help)`);
  }
  const v = parsed.values;
  const format = (v.format ?? 'text') as Format;
  if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, not '${v.format}'`);
  const failOn = (v['fail-on'] ?? 'warning') as FailOn;
  if (!FAIL_ON.includes(failOn)) throw new UsageError(`--fail-on must be one of ${FAIL_ON.join(', ')}, not '${v['fail-on']}'`);
  const noColour = v['no-color'] === true || (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '');
  return {
    paths: parsed.positionals.length ? parsed.positionals : ['.'],
    format,
    config: v.config,
    failOn,
    colour: io.stdoutIsTTY && !noColour,
    help: v.help === true,
  };
}

/** parseArgs errors carry a long message; keep its first sentence and drop Node's advice. */
function argError(e: unknown): string {
  const msg = (e as Error).message ?? String(e);
  const code = (e as NodeJS.ErrnoException).code;
  const opt = /'(-[^']*)'/.exec(msg)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && opt) return `unknown option '${opt}'`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && opt) return `option '${opt.split(' ')[0]}' needs a value`;
  return msg.split('\n')[0]!.replace(/\. To specify.*$/, '');
}

async function loadConfig(opts: CheckOptions, roots: readonly string[], cwd: string): Promise<{ config: Config; source?: string }> {
  let path: string | undefined;
  if (opts.config !== undefined) path = resolve(cwd, opts.config);
  else {
    const candidates = [join(cwd, 'awaitlens.toml')];
    const first = roots[0];
    if (first) candidates.push(join(isDir(first) ? first : dirname(first), 'awaitlens.toml'));
    path = candidates.find((c) => existsSync(c));
  }
  if (path === undefined) return { config: defaultConfig() };
  const shown = displayPath(path, cwd);
  let config: Config;
  try {
    config = loadConfigFile(path);
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message.split(path).join(shown));
    throw e;
  }
  const unknown = Object.keys(config.rules).filter((id) => !STATIC_RULES.some((r) => r.meta.id === id));
  if (unknown.length) {
    // Live rules may be configured too; their registry is only loaded when it matters.
    const live = new Set((await liveRuleMetas()).map((m) => m.id));
    const bad = unknown.filter((id) => !live.has(id));
    if (bad.length) {
      const known = [...STATIC_RULES.map((r) => r.meta.id), ...live].sort().join(', ');
      throw new UsageError(`${shown}: unknown rule ${bad.map((b) => `'${b}'`).join(', ')} in [rules] (known rules: ${known})`);
    }
  }
  return { config, source: path };
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

export async function runCheck(argv: readonly string[], io: CliIo): Promise<number> {
  const opts = parseCheckArgs(argv, io);
  if (opts.help) {
    io.stdout(CHECK_HELP);
    return EXIT_OK;
  }
  const roots = opts.paths.map((p) => resolve(io.cwd, p));
  roots.forEach((root, i) => {
    if (!existsSync(root)) throw new UsageError(`${opts.paths[i]}: no such file or directory`);
  });
  const { config } = await loadConfig(opts, roots, io.cwd);
  const batch = new Workspace(config).checkPaths(roots);
  const report = buildReport(batch, io.cwd);

  for (const f of report.failures) io.stderr(`awaitlens: internal warning: rule ${f.rule} failed on ${f.file}: ${f.message}\n`);
  if (opts.format === 'text') {
    for (const s of report.skipped) io.stderr(`${s.file}: skipped: ${s.reason}\n`);
    io.stdout(formatText(report, opts.colour));
  } else if (opts.format === 'json') {
    io.stdout(formatJson(report));
  } else {
    const level = (id: string) => {
      const s = config.rules[id];
      return s === undefined ? undefined : s === 'off' ? 'none' : sarifLevel(s);
    };
    io.stdout(formatSarif(report, STATIC_RULES.map((r) => r.meta), level, version(), io.cwd));
  }
  return failing(report, opts.failOn) ? EXIT_FINDINGS : EXIT_OK;
}

function failing(report: CliReport, failOn: FailOn): boolean {
  if (failOn === 'none') return false;
  const min = SEVERITY_RANK[failOn as Severity];
  return report.diagnostics.some((d) => SEVERITY_RANK[d.severity] >= min);
}
