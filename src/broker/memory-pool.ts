/**
 * A broker-wide byte budget shared by every connection (Kafka's SimpleMemoryPool, non-strict): a grant succeeds while
 * any memory is free, so the pool may overshoot by one grant, but a full-sized request is never refused outright.
 * Whoever finds it exhausted waits for a release (onAvailable) instead of allocating.
 */
export class MemoryPool {
  private free: number;
  private readonly waiters = new Set<() => void>();

  constructor(readonly capacity: number) {
    this.free = capacity;
  }

  get available(): number {
    return this.free;
  }

  get used(): number {
    return this.capacity - this.free;
  }

  tryAcquire(bytes: number): boolean {
    if (bytes <= 0) return true;
    if (this.free <= 0) return false;
    this.free -= bytes;
    return true;
  }

  /** Takes `bytes` even when none are free: memory already held that must be counted. */
  forceAcquire(bytes: number): void {
    this.free -= bytes;
  }

  release(bytes: number): void {
    if (bytes <= 0) return;
    this.free += bytes;
    if (this.free <= 0 || this.waiters.size === 0) return;
    for (const w of [...this.waiters]) {
      this.waiters.delete(w);
      w();
      if (this.free <= 0) break;
    }
  }

  /** Calls `cb` once, after a release leaves memory free. Returns a function that cancels the wait. */
  onAvailable(cb: () => void): () => void {
    this.waiters.add(cb);
    return () => this.waiters.delete(cb);
  }
}
