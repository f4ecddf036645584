// When to analyse a changed document. Analysis runs on a later macrotask than the change, so a
// burst of changes already received is applied first and analysed once. JSON-RPC dispatches one
// message per macrotask, so "later" alone is not enough: the reader tells the scheduler about
// didChange messages it has received but not yet dispatched, and a run that would start while
// such a change is still queued is skipped — that change reschedules when it is applied.
//
// A change gets a fast check (only the edited items, see server/analysis/incremental.ts); the
// full check that makes the result exact runs once the document has been left alone for
// `fullDelayMs`. Every new change of the document pushes its full check back, and one already
// running (in slices, `runSliced`) stops at its next slice.
export const DEFAULT_FULL_CHECK_DELAY_MS = 250;

export class AnalysisScheduler {
  private readonly pending = new Map<string, () => void>();
  private readonly pendingFull = new Map<string, () => void>();
  /** Full checks under way, in slices: how to stop each. */
  private readonly slicing = new Map<string, () => void>();
  private readonly queued = new Map<string, number>();

  constructor(
    private readonly run: (uri: string) => void,
    public debounceMs = 0,
    private readonly runFull: (uri: string) => void = run,
    public fullDelayMs = DEFAULT_FULL_CHECK_DELAY_MS,
  ) {}

  /** A full check of `uri` after the delay (replacing one already waiting). */
  scheduleFull(uri: string): void {
    this.cancelFull(uri);
    const t = setTimeout(() => {
      this.pendingFull.delete(uri);
      // A change still queued will get its own fast check, which schedules the full one again.
      if (this.queued.has(uri) || this.pending.has(uri)) return;
      this.runFull(uri);
    }, this.fullDelayMs);
    this.pendingFull.set(uri, () => clearTimeout(t));
  }

  /**
   * Run the full check of `uri` in slices: `slice()` does one and says whether the check is over
   * (finished, or given up by the caller). Incoming messages are read between slices; once a
   * change of `uri` is received or applied the rest is dropped, as that change's own analysis
   * schedules the next full check. A full check already under way for `uri` stops.
   */
  runSliced(uri: string, slice: () => boolean): void {
    this.stopSliced(uri);
    const step = (): void => {
      this.slicing.delete(uri);
      // An applied change has its analysis pending, which schedules what follows it.
      if (this.pending.has(uri)) return;
      if (this.queued.has(uri)) {
        // A received change that turns out malformed is dropped without an analysis, which
        // would leave this version without a full check.
        this.scheduleFull(uri);
        return;
      }
      if (slice()) return;
      const t = setImmediate(step);
      this.slicing.set(uri, () => clearImmediate(t));
    };
    step();
  }

  /** Stop the full check of `uri` under way, if any. */
  stopSliced(uri: string): void {
    stopIn(this.slicing, uri);
  }

  /** Stop every full check under way (their results would be stale, e.g. after a settings change). */
  stopAllSliced(): void {
    for (const stop of this.slicing.values()) stop();
    this.slicing.clear();
  }

  isSliced(uri: string): boolean {
    return this.slicing.has(uri);
  }

  isFullPending(uri: string): boolean {
    return this.pendingFull.has(uri);
  }

  cancelFull(uri: string): void {
    stopIn(this.pendingFull, uri);
  }

  /** The reader received a change for `uri` that has not been dispatched yet. */
  received(uri: string): void {
    this.queued.set(uri, (this.queued.get(uri) ?? 0) + 1);
  }

  /** A received change was dispatched (applied, or dropped as malformed). */
  dispatched(uri: string): void {
    const n = (this.queued.get(uri) ?? 0) - 1;
    if (n > 0) this.queued.set(uri, n);
    else this.queued.delete(uri);
  }

  schedule(uri: string): void {
    this.cancel(uri);
    this.cancelFull(uri);
    const fire = () => {
      this.pending.delete(uri);
      if (this.queued.has(uri)) return;
      this.run(uri);
    };
    if (this.debounceMs > 0) {
      const t = setTimeout(fire, this.debounceMs);
      this.pending.set(uri, () => clearTimeout(t));
    } else {
      const t = setImmediate(fire);
      this.pending.set(uri, () => clearImmediate(t));
    }
  }

  isPending(uri: string): boolean {
    return this.pending.has(uri);
  }

  /** Run a pending analysis now (a request needs current results). */
  flush(uri: string): boolean {
    if (!this.pending.has(uri)) return false;
    this.cancel(uri);
    this.run(uri);
    return true;
  }

  cancel(uri: string): void {
    stopIn(this.pending, uri);
  }

  dispose(): void {
    for (const stop of this.pending.values()) stop();
    for (const stop of this.pendingFull.values()) stop();
    this.pending.clear();
    this.pendingFull.clear();
    this.stopAllSliced();
  }
}

/** Stop what `stops` holds for `uri`, if anything, and forget it. */
function stopIn(stops: Map<string, () => void>, uri: string): void {
  const stop = stops.get(uri);
  if (stop) {
    stop();
    stops.delete(uri);
  }
}
