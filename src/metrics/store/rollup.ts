import type { RollupRows } from '../types.js';
import { emptyRollups, ROLLUP_COLUMNS } from './blocks.js';
import { lowerBound, type Points } from './point-codec.js';

/**
 * Rollup rows of ascending, unique points: one row per `intervalMs` that has points, labelled by its start.
 * `prev` is the value of the series' point just before the first one (NaN when unknown): the first interval's
 * increase starts from it. A drop is a counter reset, and the value after it is the increase (Prometheus's rule).
 */
export function rollupPoints(p: Points, intervalMs: number, prev: number, alloc: (n: number) => RollupRows = emptyRollups): RollupRows {
  const { timestamps: ts, values: vs } = p;
  let rows = 0;
  for (let i = 0, last = NaN; i < ts.length; i++) {
    const s = Math.floor(ts[i]! / intervalMs) * intervalMs;
    if (s !== last) {
      rows++;
      last = s;
    }
  }
  // Every column of a row is set when the row starts (`alloc` need not zero: a seal pass's scratch does not).
  const out = alloc(rows);
  let r = -1;
  let start = NaN;
  let before = prev;
  for (let i = 0; i < ts.length; i++) {
    const v = vs[i]!;
    const s = Math.floor(ts[i]! / intervalMs) * intervalMs;
    if (s !== start) {
      r++;
      start = s;
      out.timestamps[r] = s;
      out.min[r] = v;
      out.max[r] = v;
      out.sum[r] = 0;
      out.count[r] = 0;
      out.increase[r] = 0;
    }
    if (v < out.min[r]!) out.min[r] = v;
    if (v > out.max[r]!) out.max[r] = v;
    out.sum[r] += v;
    out.count[r]++;
    out.last[r] = v;
    if (!Number.isNaN(before)) out.increase[r] += v >= before ? v - before : v;
    before = v;
  }
  return out;
}

/** Rows of a finer tier combined into rows of `intervalMs` (1m rows into 1h rows): min of mins, sums of sums and increases. */
export function coarsen(rows: RollupRows, intervalMs: number): RollupRows {
  const n = rows.timestamps.length;
  let count = 0;
  for (let i = 0, last = NaN; i < n; i++) {
    const s = Math.floor(rows.timestamps[i]! / intervalMs) * intervalMs;
    if (s !== last) {
      count++;
      last = s;
    }
  }
  const out = emptyRollups(count);
  let r = -1;
  let start = NaN;
  for (let i = 0; i < n; i++) {
    const s = Math.floor(rows.timestamps[i]! / intervalMs) * intervalMs;
    if (s !== start) {
      r++;
      start = s;
      out.timestamps[r] = s;
      out.min[r] = rows.min[i]!;
      out.max[r] = rows.max[i]!;
    } else {
      if (rows.min[i]! < out.min[r]!) out.min[r] = rows.min[i]!;
      if (rows.max[i]! > out.max[r]!) out.max[r] = rows.max[i]!;
    }
    out.sum[r] += rows.sum[i]!;
    out.count[r] += rows.count[i]!;
    out.increase[r] += rows.increase[i]!;
    out.last[r] = rows.last[i]!;
  }
  return out;
}

/** Rows of `a` and `b` by time; where both have a row for the same interval, b's wins. */
export function mergeRollups(a: RollupRows, b: RollupRows): RollupRows {
  if (a.timestamps.length === 0) return b;
  if (b.timestamps.length === 0) return a;
  const idx: [RollupRows, number][] = [];
  let i = 0;
  let j = 0;
  while (i < a.timestamps.length || j < b.timestamps.length) {
    const ta = i < a.timestamps.length ? a.timestamps[i]! : Infinity;
    const tb = j < b.timestamps.length ? b.timestamps[j]! : Infinity;
    if (ta < tb) idx.push([a, i++]);
    else {
      if (ta === tb) i++;
      idx.push([b, j++]);
    }
  }
  const out = emptyRollups(idx.length);
  idx.forEach(([src, k], r) => {
    out.timestamps[r] = src.timestamps[k]!;
    for (const c of ROLLUP_COLUMNS) out[c][r] = src[c][k]!;
  });
  return out;
}

/** Rows with fromMs <= start < toMs, as views. */
export function sliceRollups(rows: RollupRows, fromMs: number, toMs: number): RollupRows {
  const lo = lowerBound(rows.timestamps, fromMs);
  const hi = lowerBound(rows.timestamps, toMs);
  if (lo === 0 && hi === rows.timestamps.length) return rows;
  const out = { timestamps: rows.timestamps.subarray(lo, hi) } as RollupRows;
  for (const c of ROLLUP_COLUMNS) out[c] = rows[c].subarray(lo, hi);
  return out;
}

/** Concatenates rows of consecutive, non-overlapping spans (ascending). */
export function concatRollups(parts: RollupRows[]): RollupRows {
  const nonEmpty = parts.filter((p) => p.timestamps.length > 0);
  if (nonEmpty.length === 1) return nonEmpty[0]!;
  const n = nonEmpty.reduce((a, p) => a + p.timestamps.length, 0);
  const out = emptyRollups(n);
  let at = 0;
  for (const p of nonEmpty) {
    out.timestamps.set(p.timestamps, at);
    for (const c of ROLLUP_COLUMNS) out[c].set(p[c], at);
    at += p.timestamps.length;
  }
  return out;
}
