import type { RawPoints, RollupRows } from '../types.js';
import type { Aggregation } from './params.js';
import { quantile } from './percentile.js';

/**
 * How one group (the series sharing the `by` tag values) becomes one column of values, bucket by bucket.
 *
 * - avg, min, max, sum, count and the percentiles are taken over all points of the group's series in the bucket
 *   (as InfluxQL does): avg = Σ values / number of points. On rollup tiers avg, min, max, sum and count come out the
 *   same (Σ sum / Σ count, min of min, …); percentiles are taken over the per-interval means (sum/count of each series'
 *   rollup row), not over the points, so on rollups they describe how the minute (or hour) averages spread.
 * - last, increase and rate are per series, then summed over the group: last = the value of each series' newest point
 *   in the bucket; increase = Σ of the counter-aware steps from each point's predecessor (possibly in an earlier bucket)
 *   to the point, a drop counted as a reset (the value after it is the increase), as Prometheus's increase() treats
 *   resets, without its extrapolation: buckets add up exactly to the whole increase; rate = increase / step in
 *   seconds (per second).
 * - An empty bucket (no point of any series of the group) is null.
 */
export interface GroupAccumulator {
  /** Points of one series: `ts` ascending; those before the first bucket serve only as predecessors (increase/rate). */
  addRaw(p: RawPoints): void;
  /**
   * Points [lo, hi) of one series, for the aggregations whose result does not depend on how a series' points are
   * split into calls (all but last, increase and rate, which have none: see orderFree).
   */
  addRawRange?(ts: Float64Array, vs: Float64Array, lo: number, hi: number): void;
  /** Rollup rows of one series (their intervals divide the step). */
  addRollups(r: RollupRows): void;
  /** Rows [lo, hi) of one series, for the aggregations that only add rows up (as addRawRange). */
  addRollupsRange?(r: RollupRows, lo: number, hi: number): void;
  /** The group's column, one value per bucket; NaN where the bucket is empty (null in a JSON answer). */
  result(): Float64Array;
}

export interface BucketGrid {
  first: number;
  step: number;
  count: number;
}

const bucketOf = (g: BucketGrid, t: number) => Math.floor((t - g.first) / g.step);
const NONE = new Float64Array(0);

/**
 * The columns of several groups' StatsAccumulators, one allocation per column for them all (a 1 h query by host and
 * cpu has 1,000 groups: 2,000 typed arrays of their own, each a malloc and a zeroing, cost more than filling them).
 * Group g's column is the view [g·count, (g+1)·count).
 */
export class StatsColumns {
  readonly sum: Float64Array;
  readonly n: Float64Array;
  readonly min: Float64Array;
  readonly max: Float64Array;
  /** Groups that have not answered yet; the count slab is given back when none is left. */
  private pending: number;
  private countSlab: Float64Array | null;

  constructor(
    readonly agg: 'avg' | 'min' | 'max' | 'sum' | 'count',
    count: number,
    groups: number,
  ) {
    const size = count * groups;
    this.pending = groups;
    // The counts are the accumulators' own (never part of an answer: count answers a copy), so a slab of them can
    // serve the next query: a query of 1,000 groups allocated (and the kernel zeroed) 2.9 MB of them each time.
    const whole = size >= SLAB_VALUES / 2 && size <= SLAB_VALUES;
    const spare = whole ? spareCounts.pop() : undefined;
    if (spare) spare.fill(0, 0, size);
    this.countSlab = spare ?? new Float64Array(whole ? SLAB_VALUES : size);
    this.n = this.countSlab.subarray(0, size);
    // Only the columns the aggregation answers from.
    this.sum = agg === 'avg' || agg === 'sum' ? new Float64Array(size) : NONE;
    this.min = agg === 'min' ? new Float64Array(size).fill(Infinity) : NONE;
    this.max = agg === 'max' ? new Float64Array(size).fill(-Infinity) : NONE;
  }

  /** One group has answered: once every group has, the count slab is kept for another query (a few of them). */
  answered(): void {
    if (--this.pending > 0 || !this.countSlab) return;
    if (this.countSlab.length === SLAB_VALUES && spareCounts.length < SPARE_COUNT_SLABS) spareCounts.push(this.countSlab);
    this.countSlab = null;
  }
}

/** Values in one slab of StatsColumns (64 KiB). */
const SLAB_VALUES = 8192;
/** Count slabs kept between queries, at most (3 MiB: a query of 1,000 groups × 360 buckets uses 46). */
const SPARE_COUNT_SLABS = 48;
const spareCounts: Float64Array[] = [];

const view = (a: Float64Array, at: number, count: number) => (a.length ? a.subarray(at, at + count) : NONE);

/** avg, min, max, sum, count: running totals per bucket. */
class StatsAccumulator implements GroupAccumulator {
  private readonly sum: Float64Array;
  private readonly n: Float64Array;
  private readonly min: Float64Array;
  private readonly max: Float64Array;
  private answer: Float64Array | null = null;

  constructor(
    private readonly g: BucketGrid,
    private readonly agg: 'avg' | 'min' | 'max' | 'sum' | 'count',
    private readonly cols: StatsColumns = new StatsColumns(agg, g.count, 1),
    group = 0,
  ) {
    const at = group * g.count;
    this.n = cols.n.subarray(at, at + g.count);
    this.sum = view(cols.sum, at, g.count);
    this.min = view(cols.min, at, g.count);
    this.max = view(cols.max, at, g.count);
  }

  addRaw({ timestamps: ts, values: vs }: RawPoints): void {
    this.addRawRange(ts, vs, 0, ts.length);
  }

  addRawRange(ts: Float64Array, vs: Float64Array, lo: number, hi: number): void {
    const { g, sum, n, min, max } = this;
    const hasSum = sum.length > 0;
    const hasMin = min.length > 0;
    const hasMax = max.length > 0;
    for (let i = lo; i < hi; i++) {
      const b = bucketOf(g, ts[i]!);
      if (b < 0 || b >= g.count) continue;
      const v = vs[i]!;
      n[b]++;
      if (hasSum) sum[b] += v;
      if (hasMin && v < min[b]!) min[b] = v;
      if (hasMax && v > max[b]!) max[b] = v;
    }
  }

  addRollups(r: RollupRows): void {
    this.addRollupsRange(r, 0, r.timestamps.length);
  }

  addRollupsRange(r: RollupRows, lo: number, hi: number): void {
    const { g, sum, n, min, max } = this;
    const hasSum = sum.length > 0;
    const hasMin = min.length > 0;
    const hasMax = max.length > 0;
    for (let i = lo; i < hi; i++) {
      const b = bucketOf(g, r.timestamps[i]!);
      if (b < 0 || b >= g.count) continue;
      n[b] += r.count[i]!;
      if (hasSum) sum[b] += r.sum[i]!;
      if (hasMin && r.min[i]! < min[b]!) min[b] = r.min[i]!;
      if (hasMax && r.max[i]! > max[b]!) max[b] = r.max[i]!;
    }
  }

  /** Once: the counts go back to a shared slab afterwards (points added later would land in another query's). */
  result(): Float64Array {
    if (this.answer) return this.answer;
    // In place: the column answered is one of the accumulator's own (a new array only for count, which is read below).
    const { n } = this;
    const out = this.agg === 'sum' ? this.sum : this.agg === 'count' ? n.slice() : this.agg === 'min' ? this.min : this.agg === 'max' ? this.max : this.sum;
    const avg = this.agg === 'avg';
    for (let b = 0; b < out.length; b++) {
      if (n[b] === 0) out[b] = NaN;
      else if (avg) out[b] = out[b]! / n[b]!;
    }
    this.cols.answered();
    return (this.answer = out);
  }
}

/** last, increase, rate: per series, summed over the group. */
class PerSeriesAccumulator implements GroupAccumulator {
  private readonly total: Float64Array;
  private readonly has: Uint8Array;

  constructor(
    private readonly g: BucketGrid,
    private readonly agg: 'last' | 'increase' | 'rate',
  ) {
    this.total = new Float64Array(g.count);
    this.has = new Uint8Array(g.count);
  }

  addRaw({ timestamps: ts, values: vs }: RawPoints): void {
    const { g, total, has } = this;
    if (this.agg === 'last') {
      // Ascending: the last point seen in a bucket is its newest.
      let cur = -1;
      let val = 0;
      for (let i = 0; i < ts.length; i++) {
        const b = bucketOf(g, ts[i]!);
        if (b < 0 || b >= g.count) continue;
        if (b !== cur && cur >= 0) (total[cur] += val), (has[cur] = 1);
        cur = b;
        val = vs[i]!;
      }
      if (cur >= 0) (total[cur] += val), (has[cur] = 1);
      return;
    }
    for (let i = 0; i < ts.length; i++) {
      const b = bucketOf(g, ts[i]!);
      if (b < 0 || b >= g.count) continue;
      has[b] = 1;
      if (i === 0) continue; // no predecessor: a counter's first point adds nothing
      const d = vs[i]! - vs[i - 1]!;
      total[b] += d >= 0 ? d : vs[i]!;
    }
  }

  addRollups(r: RollupRows): void {
    const { g, total, has } = this;
    const col = this.agg === 'last' ? r.last : r.increase;
    if (this.agg === 'last') {
      let cur = -1;
      let val = 0;
      for (let i = 0; i < r.timestamps.length; i++) {
        const b = bucketOf(g, r.timestamps[i]!);
        if (b < 0 || b >= g.count) continue;
        if (b !== cur && cur >= 0) (total[cur] += val), (has[cur] = 1);
        cur = b;
        val = col[i]!;
      }
      if (cur >= 0) (total[cur] += val), (has[cur] = 1);
      return;
    }
    for (let i = 0; i < r.timestamps.length; i++) {
      const b = bucketOf(g, r.timestamps[i]!);
      if (b < 0 || b >= g.count) continue;
      has[b] = 1;
      total[b] += col[i]!;
    }
  }

  result(): Float64Array {
    const seconds = this.agg === 'rate' ? this.g.step / 1000 : 1;
    const out = this.total;
    for (let b = 0; b < out.length; b++) out[b] = this.has[b] ? out[b]! / seconds : NaN;
    return out;
  }
}

/**
 * p50…p99: the values (raw points, or per-interval means on rollups) with their buckets, in two flat arrays; at the
 * end they are placed bucket by bucket (a counting sort) and each bucket's slice sorted in place: no array per bucket.
 */
class QuantileAccumulator implements GroupAccumulator {
  private vals = new Float64Array(1024);
  private bkts = new Int32Array(1024);
  private n = 0;

  constructor(
    private readonly g: BucketGrid,
    private readonly q: number,
  ) {}

  private push(b: number, v: number): void {
    if (this.n === this.vals.length) {
      const vals = new Float64Array(this.n * 2);
      vals.set(this.vals);
      const bkts = new Int32Array(this.n * 2);
      bkts.set(this.bkts);
      this.vals = vals;
      this.bkts = bkts;
    }
    this.vals[this.n] = v;
    this.bkts[this.n++] = b;
  }

  addRaw({ timestamps: ts, values: vs }: RawPoints): void {
    this.addRawRange(ts, vs, 0, ts.length);
  }

  addRawRange(ts: Float64Array, vs: Float64Array, lo: number, hi: number): void {
    for (let i = lo; i < hi; i++) {
      const b = bucketOf(this.g, ts[i]!);
      if (b >= 0 && b < this.g.count) this.push(b, vs[i]!);
    }
  }

  addRollups(r: RollupRows): void {
    this.addRollupsRange(r, 0, r.timestamps.length);
  }

  addRollupsRange(r: RollupRows, lo: number, hi: number): void {
    for (let i = lo; i < hi; i++) {
      const b = bucketOf(this.g, r.timestamps[i]!);
      if (b >= 0 && b < this.g.count && r.count[i]! > 0) this.push(b, r.sum[i]! / r.count[i]!);
    }
  }

  result(): Float64Array {
    const count = this.g.count;
    const at = new Int32Array(count + 1);
    for (let i = 0; i < this.n; i++) at[this.bkts[i]! + 1]!++;
    for (let b = 0; b < count; b++) at[b + 1]! += at[b]!;
    const placed = new Float64Array(this.n);
    const next = at.slice(0, count);
    for (let i = 0; i < this.n; i++) placed[next[this.bkts[i]!]!++] = this.vals[i]!;
    const out = new Float64Array(count);
    for (let b = 0; b < count; b++) out[b] = quantile(placed.subarray(at[b]!, at[b + 1]!), this.q) ?? NaN;
    return out;
  }
}

const QUANTILES: Partial<Record<Aggregation, number>> = { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99 };

export function groupAccumulator(agg: Aggregation, grid: BucketGrid): GroupAccumulator {
  switch (agg) {
    case 'last':
    case 'increase':
    case 'rate':
      return new PerSeriesAccumulator(grid, agg);
    case 'avg':
    case 'min':
    case 'max':
    case 'sum':
    case 'count':
      return new StatsAccumulator(grid, agg);
    default:
      return new QuantileAccumulator(grid, QUANTILES[agg]!);
  }
}

/** One accumulator per group, `groups` of them; those of avg, min, max, sum and count share their columns' memory. */
export function groupAccumulators(agg: Aggregation, grid: BucketGrid, groups: number): GroupAccumulator[] {
  const out: GroupAccumulator[] = new Array(groups);
  if (agg === 'avg' || agg === 'min' || agg === 'max' || agg === 'sum' || agg === 'count') {
    // Slabs of at most 64 KiB a column: a few allocations per query instead of one per group and column. (Chosen to
    // stay below glibc's default mmap threshold; the core now runs with it fixed at 64 KiB (malloc-env.ts), so each
    // slab is a mapping of its own there. Not measured whether a slab just below 64 KiB would be cheaper.)
    const per = Math.max(1, Math.floor(SLAB_VALUES / grid.count));
    let cols: StatsColumns | null = null;
    for (let g = 0; g < groups; g++) {
      if (g % per === 0) cols = new StatsColumns(agg, grid.count, Math.min(per, groups - g));
      out[g] = new StatsAccumulator(grid, agg, cols!, g % per);
    }
  } else for (let g = 0; g < groups; g++) out[g] = groupAccumulator(agg, grid);
  return out;
}

/** Aggregations that look at the point before each bucket (raw reads start earlier for them). */
export const needsPredecessor = (agg: Aggregation): boolean => agg === 'increase' || agg === 'rate';
