import fs from 'node:fs';

/** One segment .log file whose descriptor the cache opens and closes at will; `fd` is null while closed. */
export class CachedFile {
  fd: number | null = null;
  /** Async operations (a read, an fsync) that need this fd to stay open until they finish. */
  pins = 0;
  /** close() was asked while pinned: close at the last unpin. */
  closing = false;

  constructor(readonly path: string) {}
}

/**
 * The open segment files of one data directory, bounded so that thousands of partitions or
 * segments fit in a desktop's default limit of open files (256 on macOS, 1024 on Linux).
 * Like PostgreSQL's virtual file descriptors: a segment asks for its fd when it needs one,
 * and the least recently used idle fd is closed to make room.
 *
 * - Async users (reads, fsyncs) pin a file for the duration of their I/O, so its fd is never
 *   closed underneath them. Pins and other short-lived opens (withSlot) share `limit` slots;
 *   when all are taken, the next one waits and is handed a slot, first come first served.
 *   Each user holds at most one slot while waiting, so waiting cannot deadlock.
 * - Synchronous users (append, recovery scans at startup) cannot wait: they open at once and
 *   the file joins the idle list as most recently used, so the segment being written stays
 *   open and steady appends to a few partitions reopen nothing. At most one fd over `limit`.
 *
 * Closing a descriptor with unsynced writes is safe: fsync through a later descriptor of the
 * same file flushes them, and Linux (4.16+) reports a writeback error to the first fsync
 * after it even through a new descriptor. Windows and macOS flush the file, not the handle.
 */
export class FdCache {
  /** Open and unpinned, least recently used first (a Set iterates in insertion order). */
  private readonly idle = new Set<CachedFile>();
  private openCount = 0;
  /** Slots taken: pinned files plus withSlot() callers. */
  private busy = 0;
  private transients = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(readonly limit: number) {}

  /** Segment fds open right now (pinned or idle). */
  get open(): number {
    return this.openCount;
  }

  /** Hand over a descriptor just opened by the owner (a segment file it created). */
  adopt(f: CachedFile, fd: number): void {
    if (f.fd !== null) throw new Error(`${f.path} is already open`);
    f.fd = fd;
    this.openCount++;
    this.touch(f);
  }

  /** The fd for a synchronous operation: opened now if needed (may throw), never waits. */
  fdSync(f: CachedFile): number {
    if (f.fd === null) this.openFile(f);
    this.touch(f);
    return f.fd!;
  }

  /** Pin without waiting if a slot is free (or the file is pinned already); false if the caller must pin(). May throw. */
  tryPin(f: CachedFile): boolean {
    if (f.pins > 0) {
      f.pins++;
      return true;
    }
    if (this.busy >= this.limit || this.waiters.length > 0) return false;
    this.busy++;
    this.pinWithSlot(f);
    return true;
  }

  /**
   * Pin, waiting for a slot. `wanted` is asked once the slot is ours: false (the segment was
   * deleted meanwhile) gives the slot up and resolves false. May throw if the open fails.
   */
  async pin(f: CachedFile, wanted: () => boolean): Promise<boolean> {
    if (this.tryPin(f)) return true;
    await this.takeSlot();
    if (!wanted()) {
      this.giveSlot();
      return false;
    }
    if (f.pins > 0) {
      // Pinned by someone else while we waited: share theirs.
      this.giveSlot();
      f.pins++;
      return true;
    }
    this.pinWithSlot(f);
    return true;
  }

  unpin(f: CachedFile): void {
    if (--f.pins > 0) return;
    if (f.closing) this.close(f);
    else if (f.fd !== null) this.touch(f);
    this.giveSlot();
  }

  /** Runs `fn`, which opens and closes one file of its own, inside a slot (fsync of an index file). */
  async withSlot<T>(fn: () => Promise<T>): Promise<T> {
    await this.takeSlot();
    this.transients++;
    this.trim(null);
    try {
      return await fn();
    } finally {
      this.transients--;
      this.giveSlot();
    }
  }

  /** Close for good (the segment is closed or deleted); deferred to the last unpin if pinned. */
  close(f: CachedFile): void {
    if (f.pins > 0) {
      f.closing = true;
      return;
    }
    f.closing = false;
    if (f.fd === null) return;
    this.idle.delete(f);
    this.closeFd(f);
  }

  private pinWithSlot(f: CachedFile): void {
    try {
      if (f.fd === null) this.openFile(f);
    } catch (err) {
      this.giveSlot();
      throw err;
    }
    this.idle.delete(f);
    f.pins = 1;
    this.trim(f);
  }

  private takeSlot(): Promise<void> | void {
    if (this.busy < this.limit && this.waiters.length === 0) {
      this.busy++;
      return;
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** A freed slot goes straight to the longest waiter (busy unchanged), so nobody can barge in. */
  private giveSlot(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.busy--;
  }

  private openFile(f: CachedFile): void {
    f.fd = fs.openSync(f.path, 'r+');
    this.openCount++;
  }

  /** Mark most recently used (if idle), then evict others while over the limit. */
  private touch(f: CachedFile): void {
    if (f.pins === 0) {
      this.idle.delete(f);
      this.idle.add(f);
    }
    this.trim(f);
  }

  private trim(keep: CachedFile | null): void {
    for (const f of this.idle) {
      if (this.openCount + this.transients <= this.limit) return;
      if (f === keep) continue;
      this.idle.delete(f);
      this.closeFd(f);
    }
  }

  private closeFd(f: CachedFile): void {
    const fd = f.fd!;
    f.fd = null;
    this.openCount--;
    try {
      fs.closeSync(fd);
    } catch {
      // Nothing left to release (the file went with its directory).
    }
  }
}
