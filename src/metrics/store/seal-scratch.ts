import type { RollupRows } from '../types.js';
import { blockScratch, type BlockScratch } from './block-arena.js';
import { ROLLUP_COLUMNS } from './blocks.js';

/**
 * The working arrays of one seal pass, reused from series to series: each series' decoded points and 1m rows are
 * needed only until its blocks are encoded, and allocating them per series (some 10 KiB of ArrayBuffers for an hour at
 * 10 s) left tens of MB of garbage per pass between collections, which glibc's heap kept as RSS afterwards.
 */
export class SealScratch {
  readonly blocks: BlockScratch = blockScratch();
  private ts = new Float64Array(0);
  private vs = new Float64Array(0);
  private rowsAll = new Float64Array(0);

  /** Two arrays of n (views of the scratch: valid until the next call). */
  points(n: number): { ts: Float64Array; vs: Float64Array } {
    if (this.ts.length < n) {
      const cap = Math.max(n, this.ts.length * 2);
      this.ts = new Float64Array(cap);
      this.vs = new Float64Array(cap);
    }
    return { ts: this.ts.subarray(0, n), vs: this.vs.subarray(0, n) };
  }

  /** Rollup rows of n (not zeroed; views of the scratch: valid until the next call). */
  readonly rows = (n: number): RollupRows => {
    if (this.rowsAll.length < 7 * n) this.rowsAll = new Float64Array(Math.max(7 * n, this.rowsAll.length * 2));
    const a = this.rowsAll;
    const out = { timestamps: a.subarray(0, n) } as RollupRows;
    ROLLUP_COLUMNS.forEach((c, i) => {
      out[c] = a.subarray((i + 1) * n, (i + 2) * n);
    });
    return out;
  };
}
