// Who waits for batches: a write() call (resolves when its records are safe) or a frame read back from the spool
// (lets the spool cursor pass it). A batch calls done() once on each of its owners when it is acknowledged or spooled.
import type { SpoolPosition } from './spool.js';

/** Whoever waits for batches to be safe: a write() call, or a frame read back from the spool. */
export interface Owner {
  /** Batches holding this owner's records that are not yet safe. */
  pending: number;
  done(): void;
  fail(err: Error): void;
}

/** A write() call: resolves when every batch holding its records is acknowledged or spooled. */
export class WriteOwner implements Owner {
  pending = 0;
  private settled = false;
  readonly promise: Promise<void>;
  private resolve!: () => void;
  private reject!: (err: Error) => void;
  constructor() {
    this.promise = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }
  done(): void {
    if (--this.pending === 0 && !this.settled) {
      this.settled = true;
      this.resolve();
    }
  }
  fail(err: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.reject(err);
  }
}

/** A frame read back from the spool: once all its batches are acknowledged, the spool cursor may pass it. */
export class DrainOwner implements Owner {
  pending = 0;
  complete = false;
  constructor(
    readonly end: SpoolPosition,
    readonly records: number,
    readonly bytes: number,
    private readonly onComplete: () => void,
    private readonly onFail: (err: Error) => void,
  ) {}
  done(): void {
    if (--this.pending === 0) {
      this.complete = true;
      this.onComplete();
    }
  }
  fail(err: Error): void {
    this.onFail(err);
  }
}
