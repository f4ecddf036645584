// A long analysis written as a generator that yields where it may be paused. The language server
// runs the full check of a large file in slices, so that a keystroke arriving meanwhile is not
// kept waiting for the whole check (and the check, now outdated, is dropped); everything else
// runs the steps straight to the end. Yields are cheap: the driver, not the analysis, decides
// how much work one slice takes.
export type Steps<T> = Generator<void, T, void>;

/** Run every step now. */
export function finish<T>(steps: Steps<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * Run steps until they end or `budgetMs` has passed: the result when they ended, `undefined` when
 * there are steps left (call again to go on).
 */
export function runFor<T>(steps: Steps<T>, budgetMs: number): { value: T } | undefined {
  const until = performance.now() + budgetMs;
  for (;;) {
    const r = steps.next();
    if (r.done) return { value: r.value };
    if (performance.now() >= until) return undefined;
  }
}
