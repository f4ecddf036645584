// The live runtime inside the language server: one `LspExtension` that runs a console feed (or a
// replay) into a model and the live rule engine, and shows the result as diagnostics, hovers,
// code lenses, a status stream and a task report.
//
// Pacing: engine events and model updates only mark things dirty; a flush at most once per
// `throttleMs` (local clock) snapshots the open findings, republishes the files whose findings
// changed, asks for a code lens refresh and adjusts the task-details subscriptions. What editors
// see therefore changes at most once a second however fast updates come.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { LineIndex } from '../../analysis/line-index.js';
import type { EffectiveSettings } from '../../lsp/configuration.js';
import type { ExtensionCodeLens, ExtensionDiagnostic, ExtensionHost, HoverContext, LspExtension, PlainRange } from '../../lsp/extensions.js';
import { ruleDocsUrl } from '../../meta/docs-url.js';
import { readSource } from '../../workspace/read-source.js';
import { ALL_LIVE_RULES } from '../../../rules/live-index.js';
import { systemClock, type Clock } from '../clock.js';
import { ConsoleModel, type ApplyResult } from '../model.js';
import { LiveRuleEngine } from '../rules/engine.js';
import type { LiveFinding, StaticFindingRef } from '../rules/types.js';
import { siteKey } from '../sites.js';
import type { SourceMapper } from '../source-map.js';
import type { WireLocation } from '../wire.js';
import type { Speed } from '../cli/replay.js';
import type { LiveBridge } from './bridge.js';
import { consoleFeed, replayFeed, type Feed, type LiveStatus } from './feed.js';
import { awaitHover } from './await-hover.js';
import { calleeRange, callEndLine, makeMapper } from './locations.js';
import { taskReport } from './report.js';
import { feedKey, readLiveSettings, type LiveSettings } from './settings.js';
import { SiteIndex } from './site-stats.js';
import { lensTitle, resourceHover, spawnSiteHover } from './texts.js';

export const STATUS_NOTIFICATION = 'awaitlens/status';
export const LIVE_COMMANDS = { showTasks: 'awaitlens.showTasks' } as const;

export interface LiveExtensionOptions {
  /** Local timers: the publish throttle and the engine's disconnect grace. */
  clock?: Clock;
  /** Local wall clock in ms, for "updated 0.4 s ago". */
  now?: () => number;
  env?: NodeJS.ProcessEnv;
  throttleMs?: number;
  /** Tasks per spawn site, and in total, for which task details are requested. */
  detailsPerSite?: number;
  maxDetailTasks?: number;
  /** Waits of a paced replay (tests inject one). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Where `awaitlens.showTasks` writes its report (default: the OS temp dir). */
  reportDir?: string;
}

interface Runtime {
  model: ConsoleModel;
  engine: LiveRuleEngine;
  feed?: Feed;
  sites: SiteIndex;
  mapper: SourceMapper;
  firstNow?: bigint;
  lastUpdateAt?: number;
}

const uriToPath = (uri: string): string | undefined => {
  try {
    return uri.startsWith('file:') ? fileURLToPath(uri) : undefined;
  } catch {
    return undefined;
  }
};

export class LiveLspExtension implements LspExtension {
  readonly name = 'live';
  private host: ExtensionHost | undefined;
  private bridge: LiveBridge | undefined;
  private settings: LiveSettings | undefined;
  private key = '';
  private rt: Runtime | undefined;
  private statusValue: LiveStatus = { state: 'disabled', address: '', reason: 'not configured yet' };
  private generation = 0;
  /** Findings as last flushed: what diagnostics and hovers show. */
  private shown = new Map<string, LiveFinding>();
  private flushTimer: unknown;
  private lastFlush = -Infinity;
  private lensesShown = false;
  private readonly details = new Map<string, () => void>();
  private readonly clock: Clock;
  private readonly now: () => number;
  private readonly throttleMs: number;
  private disposed = false;
  private hoverLines: LineIndex | undefined;

  readonly commands: Record<string, (args: readonly unknown[]) => unknown> = {
    [LIVE_COMMANDS.showTasks]: () => this.showTasks(),
  };

  constructor(private readonly opts: LiveExtensionOptions = {}) {
    this.clock = opts.clock ?? systemClock;
    this.now = opts.now ?? Date.now;
    this.throttleMs = opts.throttleMs ?? 1000;
  }

  /** The model, engine and site index in use (tests and the bench read them). */
  get runtime(): Runtime | undefined {
    return this.rt;
  }

  attach(host: ExtensionHost): void {
    this.host = host;
    this.bridge = host;
  }

  /** The console connection's state (the last one announced). */
  get connection(): LiveStatus {
    return { ...this.statusValue };
  }

  /** The console connection's state, for the `awaitlens.status` command. */
  status(): { line: string; detail: unknown } {
    return { line: `live: ${statusLine(this.statusValue)}`, detail: { ...this.statusValue } };
  }

  onConfig(eff: EffectiveSettings): void {
    if (this.disposed) return;
    const { settings, problems } = readLiveSettings(eff, this.bridge?.rawSettings(), this.bridge?.roots() ?? []);
    for (const p of problems) this.host?.log(`awaitlens: ${p}`, 'warning');
    const key = feedKey(settings) + JSON.stringify(this.bridge?.roots() ?? []);
    this.settings = settings;
    if (key === this.key && this.rt) {
      this.rt.engine.setConfig(settings.config);
      return;
    }
    this.key = key;
    this.restart();
  }

  private restart(): void {
    this.stopRuntime();
    const s = this.settings!;
    if (!s.enabled) {
      this.setStatus({ state: 'disabled', address: s.replay ?? s.address ?? '', reason: 'awaitlens.console.enabled is false' });
      this.markDirty();
      return;
    }
    const model = new ConsoleModel({ retentionMs: s.config.live.retentionMs });
    const mapper = makeMapper(this.bridge?.roots() ?? [], s.config.console.remapPathPrefix);
    const engine = new LiveRuleEngine(model, { rules: ALL_LIVE_RULES, config: s.config, mapper, clock: this.clock, staticFindingsNear: (f, l, r) => this.staticNear(f, l, r) });
    const rt: Runtime = { model, engine, mapper, sites: new SiteIndex(model, () => mapper) };
    this.rt = rt;
    this.generation++;
    engine.on('event', () => this.markDirty());
    engine.on('error', ({ rule, error }) => this.host?.log(`awaitlens: live rule ${rule} failed: ${(error as Error)?.message ?? String(error)}`, 'error'));
    const handlers = {
      status: (st: LiveStatus) => {
        if (this.rt === rt) this.setStatus(st);
      },
      update: (r: ApplyResult) => {
        if (this.rt !== rt) return;
        if (r.snapshot || rt.firstNow === undefined) rt.firstNow = r.now ?? rt.firstNow;
        rt.lastUpdateAt = this.now();
        this.generation++;
        engine.onUpdate(r);
        this.markDirty();
      },
      connection: (c: Parameters<LiveRuleEngine['onConnectionState']>[0]) => {
        if (this.rt === rt) engine.onConnectionState(c);
      },
      ended: () => {
        if (this.rt === rt) engine.evaluate(true);
      },
    };
    if (s.replay !== undefined) rt.feed = replayFeed(model, s.replay, s.replaySpeed as Speed, handlers, this.opts.sleep);
    else {
      rt.feed = consoleFeed(model, s.address, handlers, { clock: this.clock, ...(this.opts.env ? { env: this.opts.env } : {}) });
    }
  }

  private stopRuntime(): void {
    const rt = this.rt;
    if (!rt) return;
    this.rt = undefined;
    for (const release of this.details.values()) release();
    this.details.clear();
    rt.feed?.stop();
    rt.engine.dispose();
    this.generation++;
    this.markDirty();
  }

  private setStatus(s: LiveStatus): void {
    const prev = this.statusValue;
    if (s.address === '' && prev.address) s = { ...s, address: prev.address };
    if (prev.state === s.state && prev.reason === s.reason && prev.address === s.address) return;
    this.statusValue = s;
    const params: LiveStatus = { state: s.state, address: s.address };
    if (s.reason !== undefined) params.reason = s.reason;
    this.bridge?.notify(STATUS_NOTIFICATION, params);
    this.host?.log(`awaitlens live: ${statusLine(s)}`, s.state === 'disconnected' ? 'warning' : 'info');
    this.markDirty();
  }

  /** Whether lenses and hovers have data to show. */
  private get showing(): boolean {
    const st = this.statusValue.state;
    return !!this.rt && (st === 'live' || st === 'replaying' || st === 'replay-finished');
  }

  // ---- pacing ---------------------------------------------------------------------------------

  private markDirty(): void {
    if (this.flushTimer !== undefined || this.disposed) return;
    const wait = Math.max(0, this.lastFlush + this.throttleMs - this.now());
    this.flushTimer = this.clock.setTimeout(() => {
      this.flushTimer = undefined;
      this.flush();
    }, wait);
  }

  /** Publishes what changed since the last flush. Public so tests and benches can force one. */
  flush(): void {
    if (this.disposed) return;
    this.lastFlush = this.now();
    const next = new Map<string, LiveFinding>();
    for (const f of this.rt?.engine.open() ?? []) next.set(f.key, f);
    const sig = (m: Map<string, LiveFinding>): Map<string, string> => {
      const out = new Map<string, string>();
      for (const f of m.values()) {
        const p = this.pathOf(f.location);
        if (p) out.set(p, (out.get(p) ?? '') + `${f.key}\0${f.message}\0${f.severity}\0${JSON.stringify(f.related)}\n`);
      }
      return out;
    };
    const before = sig(this.shown);
    const after = sig(next);
    this.shown = next;
    for (const p of new Set([...before.keys(), ...after.keys()])) {
      if (before.get(p) === after.get(p)) continue;
      if (this.bridge) this.bridge.republish(p);
      else this.host?.refresh(pathToFileURL(p).href);
    }
    if (this.showing || this.lensesShown) {
      this.lensesShown = this.showing;
      this.host?.refreshCodeLenses();
    }
    this.syncDetails();
  }

  // ---- locations ------------------------------------------------------------------------------

  private pathOf(loc: WireLocation | undefined): string | undefined {
    if (!loc || !this.rt) return undefined;
    const r = this.rt.mapper.resolve(loc);
    return r.kind === 'workspace' ? r.path : undefined;
  }

  private linesOf(path: string): LineIndex | undefined {
    const fromBridge = this.bridge?.lines(path);
    if (fromBridge) return fromBridge;
    const read = readSource(path, 8 * 1024 * 1024);
    return read.ok ? new LineIndex(read.text) : undefined;
  }

  private rangeOf(loc: WireLocation, lines: LineIndex | undefined): PlainRange | undefined {
    if (!lines || loc.line === undefined) return undefined;
    return calleeRange(lines, loc.line, loc.column);
  }

  private staticNear(file: string, line: number, rules: readonly string[]): StaticFindingRef[] {
    if (!this.bridge) return [];
    const lines = this.linesOf(file);
    const last = lines ? (callEndLine(lines, line, 1) ?? line - 1) : line - 1;
    return this.bridge
      .findings(file)
      .filter((f) => rules.includes(f.rule) && f.span.start.line >= line - 1 && f.span.start.line <= last)
      .map((f) => ({ rule: f.rule, file, line: f.span.start.line + 1, column: f.span.start.character + 1, message: f.message }));
  }

  // ---- LSP features -----------------------------------------------------------------------------

  diagnostics(uri: string): readonly ExtensionDiagnostic[] {
    const path = uriToPath(uri);
    if (!path || !this.rt || this.shown.size === 0) return [];
    const lines = this.linesOf(path);
    const out: ExtensionDiagnostic[] = [];
    for (const f of this.shown.values()) {
      if (this.pathOf(f.location) !== path) continue;
      const range = this.rangeOf(f.location, lines);
      if (!range) continue;
      const d: ExtensionDiagnostic = { range, severity: f.severity, message: f.message, code: f.rule, href: ruleDocsUrl(f.rule) };
      const related: NonNullable<ExtensionDiagnostic['related']> = [];
      for (const r of f.related) {
        const rp = r.file ?? this.pathOf(r.location);
        const rr = rp && r.location ? this.rangeOf(r.location, rp === path ? lines : this.linesOf(rp)) : undefined;
        if (rp && rr) related.push({ path: rp, range: rr, message: r.message });
      }
      if (related.length) d.related = related;
      out.push(d);
    }
    return out;
  }

  private header(): string {
    const st = this.statusValue.state;
    const rt = this.rt!;
    const appS = rt.firstNow !== undefined && rt.model.now !== undefined ? Number(rt.model.now - rt.firstNow) / 1e9 : 0;
    if (st === 'replaying') return `Live (replay, at ${appS.toFixed(1)} s of the recording)`;
    if (st === 'replay-finished') return `Live (replay finished, ${appS.toFixed(1)} s of the recording)`;
    const ago = rt.lastUpdateAt !== undefined ? ((this.now() - rt.lastUpdateAt) / 1000).toFixed(1) : '?';
    return st === 'live' ? `Live (live, ${ago} s ago)` : `Live (${st}, last update ${ago} s ago)`;
  }

  hover(uri: string, offset: number, ctx: HoverContext): string | undefined {
    const rt = this.rt;
    if (!rt || rt.model.now === undefined) return undefined;
    rt.sites.sync(this.generation);
    if (this.hoverLines?.text !== ctx.text) this.hoverLines = new LineIndex(ctx.text);
    const lines = this.hoverLines;
    const line0 = ctx.position.line;
    const parts: string[] = [];
    const onLine = (loc: WireLocation): boolean => {
      if (loc.line !== 1 + line0) return false;
      const r = calleeRange(lines, loc.line, loc.column);
      return !!r && ctx.position.character >= r.start.character;
    };
    for (const key of rt.sites.siteKeysIn(ctx.path)) {
      const s = rt.sites.stats(key)!;
      if (!onLine(s.location)) continue;
      const findings = rt.engine.open().filter((f) => f.siteKey === key);
      parts.push(spawnSiteHover(s, findings, this.header()));
      this.watchSite(key);
    }
    for (const { resource } of rt.sites.resourcesIn(ctx.path)) {
      if (!resource.location || !onLine(resource.location)) continue;
      parts.push(resourceHover(rt.model, resource, rt.sites.opsOn(resource.spanId), `\`${siteKey(resource.location)}\``, this.header()));
    }
    if (parts.length === 0) {
      const a = awaitHover(rt.model, rt.sites, rt.mapper, ctx.path, ctx.text, offset, this.header());
      if (a) parts.push(a);
    }
    void uri;
    return parts.length ? parts.join('\n\n') : undefined;
  }

  codeLenses(uri: string): readonly ExtensionCodeLens[] {
    const path = uriToPath(uri);
    const rt = this.rt;
    if (!path || !rt || !this.showing) return [];
    rt.sites.sync(this.generation);
    const keys = rt.sites.siteKeysIn(path);
    if (keys.length === 0) return [];
    const lines = this.linesOf(path);
    const out: ExtensionCodeLens[] = [];
    for (const key of keys) {
      const s = rt.sites.stats(key)!;
      const range = this.rangeOf(s.location, lines);
      if (range) out.push({ range, title: lensTitle(s), command: LIVE_COMMANDS.showTasks, arguments: [] });
    }
    return out.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
  }

  onOpen(): void {
    this.syncDetails();
  }

  onClose(): void {
    this.syncDetails();
  }

  // ---- task details -----------------------------------------------------------------------------

  private watchSite(key: string): void {
    const rt = this.rt;
    if (!rt?.feed) return;
    const per = this.opts.detailsPerSite ?? 4;
    const max = this.opts.maxDetailTasks ?? 32;
    for (const t of rt.sites.tasksAt(key).filter((t) => t.stats?.droppedAt === undefined).slice(0, per)) {
      if (this.details.has(t.spanId) || this.details.size >= max) continue;
      this.details.set(t.spanId, rt.feed.watchDetails(t.spanId));
    }
  }

  /** Details for live tasks at spawn sites of open documents; released when they close. */
  private syncDetails(): void {
    const rt = this.rt;
    if (!rt?.feed || !this.host) return;
    rt.sites.sync(this.generation);
    const per = this.opts.detailsPerSite ?? 4;
    const max = this.opts.maxDetailTasks ?? 32;
    const want = new Set<string>();
    for (const uri of this.host.openDocuments()) {
      const p = uriToPath(uri);
      if (!p) continue;
      for (const key of rt.sites.siteKeysIn(p)) {
        for (const t of rt.sites.tasksAt(key).filter((t) => t.stats?.droppedAt === undefined).slice(0, per)) {
          if (want.size < max) want.add(t.spanId);
        }
      }
    }
    for (const [id, release] of this.details) {
      if (!want.has(id)) {
        release();
        this.details.delete(id);
      }
    }
    for (const id of want) if (!this.details.has(id)) this.details.set(id, rt.feed.watchDetails(id));
  }

  /** Task ids with a details subscription (tests check the bound and the release). */
  get watchedTasks(): string[] {
    return [...this.details.keys()];
  }

  // ---- report -----------------------------------------------------------------------------------

  async showTasks(): Promise<string | null> {
    const rt = this.rt;
    if (!rt) {
      this.bridge?.show(`awaitlens live: no data (${statusLine(this.statusValue)})`, 'warning');
      return null;
    }
    rt.sites.sync(this.generation);
    const { path } = taskReport(rt.sites, rt.engine.open(), this.statusValue, this.bridge?.roots() ?? [], this.opts.reportDir);
    const uri = pathToFileURL(path).href;
    const shown = this.bridge ? await this.bridge.showDocument(uri) : false;
    if (!shown) this.bridge?.show(`awaitlens: task report written to ${path}`);
    return path;
  }

  dispose(): void {
    this.stopRuntime();
    this.disposed = true;
    if (this.flushTimer !== undefined) this.clock.clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
  }
}

export function statusLine(s: LiveStatus): string {
  return `${s.state}${s.address ? ` (${s.address})` : ''}${s.reason ? `: ${s.reason}` : ''}`;
}
