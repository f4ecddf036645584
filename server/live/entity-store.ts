/**
 * Id-keyed entity map that forgets completed entities: after `retentionNs`
 * of app time, or sooner when more than `maxCompleted` are held. Live
 * entities are never evicted, so memory tracks what the app really has open
 * plus a bounded tail of finished ones.
 */
import type { SpanId } from './wire.js';

export interface RetentionOptions {
  /** How long completed entities stay visible, in app-clock ms. Default 10 000. */
  retentionMs?: number;
  /** Upper bound on completed entities kept per kind. Default 20 000. */
  maxCompleted?: number;
}

export const DEFAULT_RETENTION_MS = 10_000;
export const DEFAULT_MAX_COMPLETED = 20_000;

export class EntityStore<T> {
  private readonly live = new Map<SpanId, T>();
  /** Completed ids in the order we learned they completed, with their drop time. */
  private readonly completed = new Map<SpanId, bigint>();
  private earliestDrop: bigint | undefined;
  /** Undefined when retention is unbounded in time (Infinity). */
  private readonly retentionNs: bigint | undefined;
  readonly maxCompleted: number;
  evicted = 0;

  constructor(opts: RetentionOptions = {}) {
    const ms = opts.retentionMs ?? DEFAULT_RETENTION_MS;
    this.retentionNs = Number.isFinite(ms) ? BigInt(Math.round(Math.max(0, ms) * 1e6)) : undefined;
    const cap = opts.maxCompleted ?? DEFAULT_MAX_COMPLETED;
    this.maxCompleted = Number.isFinite(cap) ? Math.max(0, Math.floor(cap)) : Number.MAX_SAFE_INTEGER;
  }

  get size(): number {
    return this.live.size;
  }

  get completedCount(): number {
    return this.completed.size;
  }

  get(id: SpanId): T | undefined {
    return this.live.get(id);
  }

  has(id: SpanId): boolean {
    return this.live.has(id);
  }

  values(): IterableIterator<T> {
    return this.live.values();
  }

  /** Inserts or replaces (a reused span id means a new entity). */
  set(id: SpanId, entity: T): void {
    this.completed.delete(id);
    this.live.set(id, entity);
  }

  delete(id: SpanId): void {
    this.live.delete(id);
    this.completed.delete(id);
  }

  clear(): void {
    this.live.clear();
    this.completed.clear();
    this.earliestDrop = undefined;
  }

  markCompleted(id: SpanId, droppedAt: bigint): void {
    if (!this.live.has(id) || this.completed.has(id)) return;
    this.completed.set(id, droppedAt);
    if (this.earliestDrop === undefined || droppedAt < this.earliestDrop) this.earliestDrop = droppedAt;
  }

  /** Applies both bounds; `now` is the app clock of the latest update. */
  sweep(now: bigint | undefined): void {
    const retention = this.retentionNs;
    if (now !== undefined && retention !== undefined && this.earliestDrop !== undefined && now - this.earliestDrop > retention) {
      const cutoff = now - retention;
      let earliest: bigint | undefined;
      for (const [id, dropped] of this.completed) {
        if (dropped < cutoff) {
          this.completed.delete(id);
          this.live.delete(id);
          this.evicted++;
        } else if (earliest === undefined || dropped < earliest) {
          earliest = dropped;
        }
      }
      this.earliestDrop = earliest;
    }
    if (this.completed.size > this.maxCompleted) {
      let excess = this.completed.size - this.maxCompleted;
      for (const id of this.completed.keys()) {
        if (excess-- <= 0) break;
        this.completed.delete(id);
        this.live.delete(id);
        this.evicted++;
      }
      // The true minimum may have been evicted; a stale (smaller) bound only costs an extra scan.
    }
    if (this.completed.size === 0) this.earliestDrop = undefined;
  }
}
