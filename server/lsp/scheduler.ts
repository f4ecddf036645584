// When to analyse a changed document. Analysis runs on a later macrotask than the change, so a
// burst of changes already received is applied first and analysed once. JSON-RPC dispatches one
// message per macrotask, so "later" alone is not enough: the reader tells the scheduler about
// didChange messages it has received but not yet dispatched, and a run that would start while
// such a change is still queued is skipped — that change reschedules when it is applied.
//
// A change gets a fast check (only the edited items, see server/analysis/incremental.ts); the
// full check that makes the result exact runs once the document has been left alone for
// `fullDelayMs`. Every new change of the document pushes its full check back, and one already
// running (in slices, see Session.analyseFull) stops at its next slice.
export const DEFAULT_FULL_CHECK_DELAY_MS = 250;

export class AnalysisScheduler {
  private readonly pending = new Map<string, () => void>();
  private readonly pendingFull = new Map<string, () => void>();
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

  /** A change of `uri` was received or applied and is not analysed yet. */
  changeComing(uri: string): boolean {
    return this.queued.has(uri) || this.pending.has(uri);
  }

  isFullPending(uri: string): boolean {
    return this.pendingFull.has(uri);
  }

  cancelFull(uri: string): void {
    const stop = this.pendingFull.get(uri);
    if (stop) {
      stop();
      this.pendingFull.delete(uri);
    }
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
    const stop = this.pending.get(uri);
    if (stop) {
      stop();
      this.pending.delete(uri);
    }
  }

  dispose(): void {
    for (const stop of this.pending.values()) stop();
    for (const stop of this.pendingFull.values()) stop();
    this.pending.clear();
    this.pendingFull.clear();
  }
}
