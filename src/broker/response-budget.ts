import type { ResponseMemory } from './api.js';
import type { MemoryPool } from './memory-pool.js';

/** One response's share of the memory accounting. */
export interface ResponseSlot {
  /** Fetched bytes reserved from the broker's fetch memory for this response. */
  fetchBytes: number;
  /** What this response counts against its connection's budget. */
  heldBytes: number;
  released: boolean;
}

/**
 * The memory one connection's responses hold until the OS has taken them: encoded responses waiting for their turn
 * or being written, and records read for its fetches (from the broker-wide fetch memory). The connection handles no
 * more requests while `blocked`; fetch reads wait while the client leaves `limit` bytes unread.
 */
export class ResponseBudget {
  private held = 0;
  private readonly writing = new Set<ResponseSlot>();
  private writingBytes = 0;
  private readonly waiters = new Set<() => void>();
  private closed = false;

  constructor(
    private readonly fetchMemory: MemoryPool,
    /** maxResponseBytesPerConnection. */
    private readonly limit: number,
    /** Memory came free: the connection may handle more. */
    private readonly onFreed: () => void,
  ) {}

  get blocked(): boolean {
    return this.held >= this.limit;
  }

  /** The response is encoded: it holds `bytes`, or what its fetch reserved, whichever is more (records are referenced, not copied). */
  encoded(slot: ResponseSlot, bytes: number): void {
    const held = Math.max(bytes, slot.fetchBytes);
    this.held += held - slot.heldBytes;
    slot.heldBytes = held;
  }

  /** The response was handed to the transport; release() follows once the transport has flushed it. */
  writingStarted(slot: ResponseSlot): void {
    this.writing.add(slot);
    this.writingBytes += slot.heldBytes;
  }

  /** The response has left (or never will): what it held goes back, once. */
  release(slot: ResponseSlot): void {
    if (slot.released) return;
    slot.released = true;
    this.fetchMemory.release(slot.fetchBytes);
    this.held -= slot.heldBytes;
    if (this.writing.delete(slot)) {
      this.writingBytes -= slot.heldBytes;
      this.wake();
    }
    slot.fetchBytes = slot.heldBytes = 0;
    if (!this.closed) this.onFreed();
  }

  /** The connection closed: everything goes back, and waiting reservations give up. */
  close(slots: Iterable<ResponseSlot>): void {
    this.closed = true;
    for (const s of [...slots, ...this.writing]) this.release(s);
    this.wake();
  }

  memoryFor(slot: ResponseSlot): ResponseMemory {
    return {
      reserve: (want, deadline) => this.reserve(slot, want, deadline),
      settle: (granted, held) => {
        if (this.closed || slot.released) return;
        const diff = held - granted;
        if (diff > 0) this.fetchMemory.forceAcquire(diff);
        else this.fetchMemory.release(-diff);
        slot.fetchBytes += diff;
        slot.heldBytes += diff;
        this.held += diff;
      },
    };
  }

  private async reserve(slot: ResponseSlot, want: number, deadline: number): Promise<number> {
    for (;;) {
      if (this.closed || slot.released) return 0;
      // Only responses being written count here: they drain by the client reading, never by waiting on this slot
      // (responses queued behind it would), so reservations cannot deadlock the order.
      if (this.writingBytes < this.limit && this.fetchMemory.tryAcquire(want)) {
        slot.fetchBytes += want;
        slot.heldBytes += want;
        this.held += want;
        return want;
      }
      const left = deadline - Date.now();
      if (left <= 0) return 0;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          cancelPool();
          this.waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, left);
        const cancelPool = this.fetchMemory.onAvailable(done);
        this.waiters.add(done);
      });
    }
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }
}
