// The server's state and the flows that change it: opening, editing and closing documents,
// analysing them, publishing, and (re)loading configuration. Handlers in server.ts call in here;
// indexing lives in indexer.ts, requests' answers in hover/code-actions/pull modules.
import { relative } from 'node:path';
import type { Diagnostic } from 'vscode-languageserver/node.js';
import type { RuleFailure } from '../analysis/engine.js';
import { LineIndex } from '../analysis/line-index.js';
import type { StaticRule } from '../analysis/rule.js';
import type { Finding } from '../analysis/types.js';
import { defaultConfig } from '../analysis/config.js';
import { readSource } from '../workspace/read-source.js';
import { AnalysisHost, type CheckOutcome } from './analysis-host.js';
import { readClientFeatures, type ClientFeatures } from './capabilities.js';
import { loadWorkspaceConfig, mergeSettings, unknownRuleIds, type EffectiveSettings, type SettingsProblem } from './configuration.js';
import { extensionToDiagnostic, findingToDiagnostic, type Conversion } from './diagnostics.js';
import { OpenDocuments, type OpenDocument } from './documents.js';
import type { ExtensionHost, LspExtension } from './extensions.js';
import type { Outbound } from './outbound.js';
import { PositionCodec } from './positions.js';
import { AnalysisScheduler, DEFAULT_FULL_CHECK_DELAY_MS } from './scheduler.js';
import { runFor } from '../analysis/steps.js';
import { pathToUri } from './uri.js';

/**
 * How long one slice of a full check may run before the server looks at its input again. A
 * keystroke that arrives meanwhile waits at most about this long (plus one rule or one fn's
 * facts, the smallest steps), instead of the whole check of a large file.
 */
const FULL_SLICE_MS = 4;

export class Session {
  client: ClientFeatures = readClientFeatures(undefined);
  codec = new PositionCodec('utf-16');
  roots: string[] = [];
  readonly docs = new OpenDocuments();
  readonly host: AnalysisHost;
  readonly scheduler: AnalysisScheduler;
  settings: EffectiveSettings = { config: defaultConfig(), debounceMs: 0, console: {} };
  /** Editor settings pushed with didChangeConfiguration (clients without workspace/configuration). */
  pushedSettings: unknown;
  /** Version each open document's findings were computed from. */
  private readonly analysedVersion = new Map<string, number>();
  /** Files whose last publish was non-empty (push mode), so deletions can be cleared. */
  readonly published = new Set<string>();
  shuttingDown = false;

  constructor(
    rules: readonly StaticRule[],
    readonly out: Outbound,
    readonly extensions: readonly LspExtension[],
  ) {
    this.host = new AnalysisHost(defaultConfig(), rules);
    this.scheduler = new AnalysisScheduler((uri) => this.analyse(uri), 0, (uri) => this.analyseFull(uri));
  }

  get pushMode(): boolean {
    return !this.client.pullDiagnostics;
  }

  get knownRules(): ReadonlySet<string> {
    return new Set(this.host.rules.map((r) => r.meta.id));
  }

  // ---- positions and conversion -------------------------------------------------------------

  /** Lines of a file: the open document's, or read from disk (only needed for UTF-8/UTF-32). */
  linesFor(path: string): LineIndex | undefined {
    const od = this.docs.byFilePath(path);
    if (od) return od.doc.lines;
    const cached = this.diskLines.get(path);
    if (cached) return cached;
    const read = readSource(path, this.host.config.maxFileBytes);
    if (!read.ok) return undefined;
    const lines = new LineIndex(read.text);
    if (this.diskLines.size === 0) queueMicrotask(() => this.diskLines.clear());
    this.diskLines.set(path, lines);
    return lines;
  }
  private readonly diskLines = new Map<string, LineIndex>();

  uriFor(path: string): string {
    return this.docs.byFilePath(path)?.uri ?? pathToUri(path);
  }

  conversion(): Conversion {
    return { codec: this.codec, client: this.client, linesFor: (p) => this.linesFor(p), uriFor: (p) => this.uriFor(p) };
  }

  /** A markdown link to a workspace place, shown relative to its root. */
  link(path: string, line: number): string {
    const root = this.roots.find((r) => !relative(r, path).startsWith('..'));
    const shown = root ? relative(root, path) : path;
    return `[${shown}:${line + 1}](${pathToUri(path)}#L${line + 1})`;
  }

  // ---- documents ------------------------------------------------------------------------------

  open(uri: string, text: string, version: number): void {
    this.docs.open(uri, text, version);
    this.scheduler.schedule(uri);
    for (const ext of this.extensions) this.callExt(ext, 'onOpen', () => ext.onOpen?.(uri));
  }

  /** A closed document goes back to what is on disk, or away when it is not a workspace file. */
  close(uri: string): void {
    const od = this.docs.close(uri);
    this.scheduler.cancel(uri);
    this.scheduler.cancelFull(uri);
    this.scheduler.stopSliced(uri);
    this.analysedVersion.delete(uri);
    for (const ext of this.extensions) this.callExt(ext, 'onClose', () => ext.onClose?.(uri));
    if (!od) return;
    this.host.closeDocument(od.path);
    const read = this.inWorkspace(od.path) ? readSource(od.path, this.host.config.maxFileBytes) : undefined;
    if (read?.ok) {
      const outcome = this.host.checkClosed(od.path, read.text);
      this.logFailures(outcome.failures, od.path);
      this.publishPath(od.path);
      if (outcome.indexChanged) this.recheckOpen();
    } else {
      const changed = this.host.forget(od.path);
      this.clear(od.path, uri);
      if (changed) this.recheckOpen();
    }
    if (!this.pushMode) this.out.refreshDiagnostics();
  }

  inWorkspace(path: string): boolean {
    return path.endsWith('.rs') && this.roots.some((r) => {
      const rel = relative(r, path);
      return rel !== '' && !rel.startsWith('..');
    });
  }

  // ---- analysis ---------------------------------------------------------------------------------

  /**
   * Analyse an open document now and publish. An edit gets the fast check (the changed items
   * only) and a full check later, once typing pauses; the first analysis, and any that cannot
   * build on an earlier result, are full at once. Results for an outdated version are dropped.
   */
  analyse(uri: string): void {
    // This analysis supersedes a full check of the document under way (for an older version,
    // or under settings that changed since it started).
    this.scheduler.stopSliced(uri);
    const od = this.docs.get(uri);
    if (!od || this.shuttingDown) return;
    const version = od.doc.version;
    // A failure of the engine itself (not of one rule, which checkFile isolates) must not take
    // the server down: a failed fast check falls back to the full one, a failed full check
    // leaves the last published diagnostics.
    let fast: CheckOutcome | undefined;
    try {
      fast = this.host.checkOpenFast(od.path, od.doc);
    } catch (e) {
      this.logAnalysisError('fast check', od.path, e);
    }
    let outcome: CheckOutcome;
    try {
      outcome = fast ?? this.host.checkOpen(od.path, od.doc);
    } catch (e) {
      this.logAnalysisError('check', od.path, e);
      return;
    }
    this.logFailures(outcome.failures, od.path);
    if (this.docs.get(uri) !== od || od.doc.version !== version) return;
    this.analysedVersion.set(uri, version);
    this.publishOpen(od, version);
    if (fast) this.scheduler.scheduleFull(uri);
    if (outcome.indexChanged) this.recheckOpen(uri);
  }

  /**
   * The full check of an open document: exactly what `awaitlens check` reports for its text.
   * Published only when it differs from what the client already has for this version. It runs
   * in slices of about FULL_SLICE_MS, yielding to incoming messages in between; once the document
   * changes (or a change of it is waiting) the rest is dropped, and that change's fast check
   * schedules the next full one.
   */
  analyseFull(uri: string): void {
    this.scheduler.stopSliced(uri);
    const od = this.docs.get(uri);
    if (!od || this.shuttingDown) return;
    const version = od.doc.version;
    const had = this.analysedVersion.get(uri) === version ? findingsKey(this.host.findings(od.path)) : undefined;
    const steps = this.host.checkOpenSteps(od.path, od.doc);
    this.scheduler.runSliced(uri, () => {
      if (this.shuttingDown || this.docs.get(uri) !== od || od.doc.version !== version) return true;
      let done: { value: CheckOutcome } | undefined;
      try {
        done = runFor(steps, FULL_SLICE_MS);
      } catch (e) {
        this.logAnalysisError('full check', od.path, e);
        return true;
      }
      if (!done) return false;
      const outcome = done.value;
      this.logFailures(outcome.failures, od.path);
      this.analysedVersion.set(uri, version);
      if (had !== findingsKey(outcome.findings)) {
        this.publishOpen(od, version);
        if (!this.pushMode) this.out.refreshDiagnostics();
      }
      if (outcome.indexChanged) this.recheckOpen(uri);
      return true;
    });
  }

  /** Whether a full check of `uri` is under way (tests watch the slicing through it). */
  fullRunning(uri: string): boolean {
    return this.scheduler.isSliced(uri);
  }

  /** Make an open document's findings current (a request is about to read them). */
  ensureCurrent(od: OpenDocument): void {
    if (this.scheduler.flush(od.uri)) return;
    if (this.analysedVersion.get(od.uri) !== od.doc.version) this.analyse(od.uri);
  }

  isCurrent(od: OpenDocument): boolean {
    return this.analysedVersion.get(od.uri) === od.doc.version;
  }

  /** Other open documents may read what changed: a full check of each, once typing pauses. */
  recheckOpen(except?: string): void {
    for (const other of this.docs.all()) if (other.uri !== except) this.scheduler.scheduleFull(other.uri);
    if (!this.pushMode) this.out.refreshDiagnostics();
  }

  private logAnalysisError(what: string, path: string, e: unknown): void {
    this.out.log(`awaitlens: the ${what} of ${path} failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`, 'error');
  }

  logFailures(failures: readonly RuleFailure[], path: string): void {
    for (const f of failures) {
      this.out.logOnce(
        `rule\0${f.rule}\0${path}`,
        `awaitlens: rule ${f.rule} failed on ${path}: ${f.error.message} (its findings for this file are skipped; other rules still ran)`,
        'error',
      );
    }
  }

  // ---- diagnostics ----------------------------------------------------------------------------

  /** Static and extension diagnostics of a file, in LSP form. */
  diagnosticsFor(path: string, uri: string): Diagnostic[] {
    const cv = this.conversion();
    const out = (this.host.findings(path) ?? []).map((f) => findingToDiagnostic(f, cv));
    for (const ext of this.extensions) {
      if (!ext.diagnostics) continue;
      const extra = this.callExt(ext, 'diagnostics', () => ext.diagnostics!(uri)) ?? [];
      for (const d of extra) {
        try {
          out.push(extensionToDiagnostic(d, path, cv));
        } catch (e) {
          this.out.logOnce(`ext-diag\0${ext.name}`, `awaitlens: extension ${ext.name} gave a malformed diagnostic: ${(e as Error).message}`);
        }
      }
    }
    return out;
  }

  diagnosticFor(f: Finding): Diagnostic {
    return findingToDiagnostic(f, this.conversion());
  }

  private publishOpen(od: OpenDocument, version: number): void {
    if (!this.pushMode) return;
    const diagnostics = this.diagnosticsFor(od.path, od.uri);
    // Checked again right before sending: nothing newer may be overwritten by older results.
    if (this.docs.get(od.uri) !== od || od.doc.version !== version) return;
    this.out.publish(od.uri, diagnostics, version);
    this.published.add(od.path);
  }

  /** Publish a file (open or closed) from the findings held for it. */
  publishPath(path: string): void {
    if (!this.pushMode) return;
    const od = this.docs.byFilePath(path);
    if (od) {
      if (this.isCurrent(od)) this.publishOpen(od, od.doc.version);
      else this.scheduler.schedule(od.uri);
      return;
    }
    const diagnostics = this.diagnosticsFor(path, this.uriFor(path));
    if (diagnostics.length === 0 && !this.published.has(path)) return;
    this.out.publish(this.uriFor(path), diagnostics);
    if (diagnostics.length > 0) this.published.add(path);
    else this.published.delete(path);
  }

  clear(path: string, uri = this.uriFor(path)): void {
    if (!this.pushMode) return;
    this.out.publish(uri, []);
    this.published.delete(path);
  }

  /** Re-publish one URI, or everything (what extensions ask for when their data changed). */
  refresh(uri?: string): void {
    if (!this.pushMode) {
      this.out.refreshDiagnostics();
      return;
    }
    if (uri) {
      const od = this.docs.get(uri);
      this.publishPath(od ? od.path : this.uriToKnownPath(uri));
      return;
    }
    for (const p of new Set([...this.host.paths(), ...this.docs.all().map((d) => d.path)])) this.publishPath(p);
  }

  private uriToKnownPath(uri: string): string {
    return this.host.paths().find((p) => this.uriFor(p) === uri) ?? uri;
  }

  // ---- configuration --------------------------------------------------------------------------

  /** Workspace file + editor settings → effective settings; problems are shown once each. */
  applySettings(editorRaw: unknown): EffectiveSettings {
    const problems: SettingsProblem[] = [];
    const toml = loadWorkspaceConfig(this.roots, problems);
    for (const id of unknownRuleIds(toml.config, this.knownRules)) problems.push({ source: toml.file ?? 'awaitlens.toml', message: `unknown rule '${id}' in [rules]` });
    const eff = mergeSettings(toml.config, editorRaw, this.knownRules, problems);
    if (toml.file) eff.configFile = toml.file;
    for (const p of problems) {
      const msg = `awaitlens: ${p.source}: ${p.message.replace(`${p.source}: `, '')}`;
      this.out.logOnce(`config\0${msg}`, msg, 'warning');
    }
    this.settings = eff;
    this.host.config = eff.config;
    // A full check under way uses the old rules and severities: it must not store or publish.
    this.scheduler.stopAllSliced();
    // What was analysed under the old settings is no longer current: the next check publishes.
    this.analysedVersion.clear();
    this.scheduler.debounceMs = eff.debounceMs;
    this.scheduler.fullDelayMs = eff.fullCheckDelayMs ?? DEFAULT_FULL_CHECK_DELAY_MS;
    for (const ext of this.extensions) this.callExt(ext, 'onConfig', () => ext.onConfig?.(eff));
    return eff;
  }

  // ---- extensions -----------------------------------------------------------------------------

  /** Run extension code; an exception is logged once per extension and hook, never propagated. */
  callExt<T>(ext: LspExtension, hook: string, fn: () => T): T | undefined {
    try {
      return fn();
    } catch (e) {
      this.out.logOnce(`ext\0${ext.name}\0${hook}`, `awaitlens: extension ${ext.name} failed in ${hook}: ${(e as Error).message}`, 'error');
      return undefined;
    }
  }

  extensionHost(): ExtensionHost {
    return {
      refresh: (uri) => this.refresh(uri),
      refreshCodeLenses: () => this.out.refreshCodeLenses(),
      log: (message, level) => this.out.log(message, level ?? 'log'),
      openDocuments: () => this.docs.all().map((d) => d.uri),
      notify: (method, params) => this.out.custom(method, params),
      show: (message, level) => this.out.show(message, level ?? 'info'),
      showDocument: (uri) => this.out.showDocument(uri),
      roots: () => [...this.roots],
      findings: (path) => this.host.findings(path) ?? [],
      rawSettings: () => this.pushedSettings,
      lines: (path) => this.linesFor(path),
      republish: (path) => {
        if (this.pushMode) this.publishPath(path);
        else this.out.refreshDiagnostics();
      },
    };
  }

  setClient(features: ClientFeatures): void {
    this.client = features;
    this.codec = new PositionCodec(features.encoding);
  }
}

/** Findings compared by value: a full check republishes only when they differ. */
function findingsKey(findings: readonly Finding[] | undefined): string {
  return JSON.stringify(findings ?? []);
}
