import type { RollupRows } from '../types.js';
import { emptyRollups, ROLLUP_COLUMNS } from './blocks.js';

/** Numbers per row: its start, then ROLLUP_COLUMNS (min, max, sum, count, last, increase). */
const W = 7;

/**
 * Rollup rows in a reused buffer: rows(n) gives the same views while n and the buffer stay the same, so a loop over
 * thousands of series that decodes and merges their rows allocates nothing per series.
 */
export class RowScratch {
  private all = new Float64Array(0);
  private views: RollupRows | null = null;
  private n = -1;

  /** Rows of n (not zeroed; valid until the next call). */
  rows(n: number): RollupRows {
    if (this.all.length < W * n) {
      this.all = new Float64Array(Math.max(W * n, this.all.length * 2));
      this.views = null;
    }
    if (!this.views || this.n !== n) {
      this.views = emptyRollups(n, this.all);
      this.n = n;
    }
    return this.views;
  }

  /** rows(n) as decodeRollupBlock's `into`. */
  readonly into = (n: number): RollupRows => this.rows(n);
}

/**
 * The 1h rows a seal batch made (one per series and hour sealed), kept as numbers in one growing buffer until the
 * day's 1h part is rewritten once for the batch. A RollupRows per series and hour (seven typed arrays and an object)
 * lived through the whole batch and was most of a seal pass's JS heap.
 */
export class HourRows {
  private ids = new Int32Array(1024);
  private vals = new Float64Array(1024 * W);
  private n = 0;
  /** After group(): row positions ordered by (id, start), the distinct ids ascending, and where each one's rows start. */
  private order = new Uint32Array(0);
  private distinct = new Int32Array(0);
  private starts = new Uint32Array(0);
  private groups = 0;

  get length(): number {
    return this.n;
  }

  private room(): number {
    if (this.n === this.ids.length) {
      const ids = new Int32Array(this.ids.length * 2);
      ids.set(this.ids);
      this.ids = ids;
      const vals = new Float64Array(this.vals.length * 2);
      vals.set(this.vals);
      this.vals = vals;
    }
    return this.n++;
  }

  /**
   * The one row of minute rows that all lie in the hour starting at `hour`, as rollup.ts's coarsen() makes it (the
   * same operations in the same order, so the 1h tier is the same number for number); nothing when there is none.
   */
  addCoarsened(id: number, hour: number, m: RollupRows): void {
    const rows = m.timestamps.length;
    if (rows === 0) return;
    const r = this.room();
    this.ids[r] = id;
    const at = r * W;
    const v = this.vals;
    let min = m.min[0]!;
    let max = m.max[0]!;
    let sum = 0;
    let count = 0;
    let increase = 0;
    for (let i = 0; i < rows; i++) {
      if (m.min[i]! < min) min = m.min[i]!;
      if (m.max[i]! > max) max = m.max[i]!;
      sum += m.sum[i]!;
      count += m.count[i]!;
      increase += m.increase[i]!;
    }
    v[at] = hour;
    v[at + 1] = min;
    v[at + 2] = max;
    v[at + 3] = sum;
    v[at + 4] = count;
    v[at + 5] = m.last[rows - 1]!;
    v[at + 6] = increase;
  }

  /** Every row of `rows` (a series' 1h rows). */
  addRows(id: number, rows: RollupRows): void {
    for (let i = 0; i < rows.timestamps.length; i++) {
      const r = this.room();
      this.ids[r] = id;
      const at = r * W;
      this.vals[at] = rows.timestamps[i]!;
      ROLLUP_COLUMNS.forEach((c, k) => {
        this.vals[at + 1 + k] = rows[c][i]!;
      });
    }
  }

  /** Groups the rows by series (call once all are added, before ids(), find() and the reads). */
  group(): void {
    const n = this.n;
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    const ids = this.ids;
    const v = this.vals;
    order.sort((a, b) => ids[a]! - ids[b]! || v[a * W]! - v[b * W]!);
    const distinct = new Int32Array(n);
    const starts = new Uint32Array(n + 1);
    let g = 0;
    for (let k = 0; k < n; k++) {
      const id = ids[order[k]!]!;
      if (g === 0 || distinct[g - 1] !== id) {
        distinct[g] = id;
        starts[g++] = k;
      }
    }
    starts[g] = n;
    this.order = order;
    this.distinct = distinct;
    this.starts = starts;
    this.groups = g;
  }

  /** The series with rows, ascending. */
  seriesIds(): Int32Array {
    return this.distinct.subarray(0, this.groups);
  }

  /** The group of a series (its position in seriesIds()), or -1. */
  find(id: number): number {
    let lo = 0;
    let hi = this.groups - 1;
    const d = this.distinct;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const x = d[mid]!;
      if (x === id) return mid;
      if (x < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** The rows of group g, ascending (one per hour: a series is sealed once per hour in a batch). */
  rowsOf(g: number, out: RowScratch): RollupRows {
    const from = this.starts[g]!;
    const n = this.starts[g + 1]! - from;
    const rows = out.rows(n);
    for (let k = 0; k < n; k++) this.copyRow(this.order[from + k]!, rows, k);
    return rows;
  }

  /** `old` rows (ascending) with group g's merged in by start; where both have one, g's wins. */
  mergedWith(old: RollupRows, g: number, out: RowScratch): RollupRows {
    const from = this.starts[g]!;
    const to = this.starts[g + 1]!;
    const na = old.timestamps.length;
    let n = 0;
    for (let i = 0, j = from; i < na || j < to; n++) {
      const ta = i < na ? old.timestamps[i]! : Infinity;
      const tb = j < to ? this.vals[this.order[j]! * W]! : Infinity;
      if (ta < tb) i++;
      else {
        if (ta === tb) i++;
        j++;
      }
    }
    const rows = out.rows(n);
    for (let i = 0, j = from, r = 0; r < n; r++) {
      const ta = i < na ? old.timestamps[i]! : Infinity;
      const tb = j < to ? this.vals[this.order[j]! * W]! : Infinity;
      if (ta < tb) {
        rows.timestamps[r] = ta;
        for (const c of ROLLUP_COLUMNS) rows[c][r] = old[c][i]!;
        i++;
      } else {
        if (ta === tb) i++;
        this.copyRow(this.order[j]!, rows, r);
        j++;
      }
    }
    return rows;
  }

  private copyRow(row: number, into: RollupRows, r: number): void {
    const at = row * W;
    const v = this.vals;
    into.timestamps[r] = v[at]!;
    into.min[r] = v[at + 1]!;
    into.max[r] = v[at + 2]!;
    into.sum[r] = v[at + 3]!;
    into.count[r] = v[at + 4]!;
    into.last[r] = v[at + 5]!;
    into.increase[r] = v[at + 6]!;
  }
}
