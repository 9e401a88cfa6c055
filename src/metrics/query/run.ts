import { bucketsOf, niceStepForInterval } from '../../common/time-buckets.js';
import type { MetricsReader, SeriesInfo, Tier } from '../types.js';
import { groupAccumulators, needsPredecessor } from './aggregate.js';
import { MetricsQueryError } from './errors.js';
import type { MetricsQuery } from './params.js';
import { chooseTier, stepOnTier } from './tier.js';

/** Raw reads for increase/rate start this much before the first bucket, to find each series' predecessor point. */
export const PREDECESSOR_LOOKBACK_MS = 3_600_000;
/** Values in one answer (series × buckets): beyond it the query is refused; narrow it with where, by or points. */
export const MAX_ANSWER_VALUES = 2_000_000;

export interface MetricsSeries {
  /** The group's values of the `by` tags (a missing tag is ""); {} without `by`. */
  tags: Record<string, string>;
  /** One per timestamp; null where no series of the group has a point. */
  values: (number | null)[];
}

export interface MetricsQueryStats {
  tier: Tier;
  /** The step used (ms): as asked, or rounded up to a whole number of the tier's intervals. */
  step: number;
  seriesRead: number;
  /** Raw points, or rollup rows, read. */
  pointsRead: number;
  elapsedMs: number;
}

/** The columnar answer uPlot draws: `timestamps` are bucket starts (ms), each series one value per bucket. */
export interface MetricsAnswer {
  timestamps: number[];
  series: MetricsSeries[];
  stats: MetricsQueryStats;
}

/**
 * The same answer as typed columns, as the query builds it: what the API serialises (answer-json.ts, answer-binary.ts)
 * without an intermediate array of boxed numbers and nulls per series. NaN marks an empty bucket.
 */
export interface MetricsColumns {
  timestamps: Float64Array;
  series: { tags: Record<string, string>; values: Float64Array }[];
  stats: MetricsQueryStats;
}

export interface RunOptions {
  /** Read this tier (live updates keep the tier of their first answer); default chosen from the step. */
  tier?: Tier;
}

/** Checks that the measurement and field exist (404 naming what does). */
function checkExists(reader: MetricsReader, q: MetricsQuery): void {
  const fields = reader.fields(q.measurement);
  if (fields.length === 0 && !reader.measurements(q.measurement).some((m) => m.name === q.measurement)) {
    const near = reader.measurements(q.measurement.slice(0, 2)).slice(0, 10).map((m) => m.name);
    throw new MetricsQueryError('measurement', `no measurement ${JSON.stringify(q.measurement)}${near.length ? `; some that exist: ${near.join(', ')}` : ''} (GET /api/v1/metrics/measurements lists them)`, 'not-found');
  }
  if (!fields.includes(q.field)) {
    throw new MetricsQueryError('field', `${q.measurement} has no numeric field ${JSON.stringify(q.field)}; its fields: ${fields.slice(0, 30).join(', ')}${fields.length > 30 ? ', …' : ''}`, 'not-found');
  }
}

/**
 * Numbers groups by the values of the `by` tags (a missing tag is ""), in order of first appearance: a Map per tag key
 * level, so no key string is built per series (a JSON.stringify of an array for each of 1,000 series before).
 */
class GroupNumbers {
  private readonly root = new Map<string, unknown>();
  count = 0;

  constructor(private readonly by: readonly string[]) {}

  /** The series' group number, and whether the group is new (then it has number count - 1). */
  of(s: SeriesInfo): number {
    const { by } = this;
    let level = this.root;
    for (let j = 0; j < by.length - 1; j++) {
      const v = s.tags[by[j]!] ?? '';
      let next = level.get(v) as Map<string, unknown> | undefined;
      if (!next) level.set(v, (next = new Map<string, unknown>()));
      level = next;
    }
    const last = by.length > 0 ? (s.tags[by[by.length - 1]!] ?? '') : '';
    const g = level.get(last) as number | undefined;
    if (g !== undefined) return g;
    level.set(last, this.count);
    return this.count++;
  }
}

/**
 * Runs a parsed query against the store: chooses the tier from the step (a coarser one where the finer does not reach
 * back to `from`), selects the series, groups them by the `by` tags, aggregates each group bucket by bucket
 * (aggregate.ts says how), and answers columns. Throws MetricsQueryError (unknown measurement or field, too large).
 */
export function runMetricsQuery(reader: MetricsReader, q: MetricsQuery, opts: RunOptions = {}): MetricsAnswer {
  const c = runMetricsColumns(reader, q, opts);
  return {
    timestamps: Array.from(c.timestamps),
    series: c.series.map((s) => ({ tags: s.tags, values: Array.from(s.values, (v) => (Number.isNaN(v) ? null : v)) })),
    stats: c.stats,
  };
}

/** runMetricsQuery's answer in typed columns (NaN: an empty bucket). */
export function runMetricsColumns(reader: MetricsReader, q: MetricsQuery, opts: RunOptions = {}): MetricsColumns {
  const started = performance.now();
  checkExists(reader, q);
  const selected = reader.select(q.measurement, q.field, q.where);
  // One read for every selected series: the store goes through each part once, not once per series.
  const ids = selected.map((s) => s.id);
  const step = q.stepGiven ? q.step : notFinerThanData(reader, ids, q.step);
  const tier = opts.tier ?? chooseTier(step, q.from, reader.tierSpans());
  const grid = bucketsOf(q.from, q.to, stepOnTier(step, tier));
  // Each selected series' group (by the `by` tags), numbered in order of first appearance.
  const numbers = new GroupNumbers(q.by);
  const groupTags: Record<string, string>[] = [];
  const groupOf = new Int32Array(selected.length);
  for (let i = 0; i < selected.length; i++) {
    const s = selected[i]!;
    const g = numbers.of(s);
    if (g === groupTags.length) {
      if ((groupTags.length + 1) * grid.count > MAX_ANSWER_VALUES) {
        throw new MetricsQueryError('by', `more than ${groupTags.length} series of ${grid.count} points (over ${MAX_ANSWER_VALUES} values); narrow the query with where, group by fewer tags, or ask for fewer points`);
      }
      groupTags.push(Object.fromEntries(q.by.map((b) => [b, s.tags[b] ?? ''])));
    }
    groupOf[i] = g;
  }
  const groupAccs = groupAccumulators(q.agg, grid, groupTags.length);
  const end = grid.first + grid.count * grid.step;
  let pointsRead = 0;
  const accs = Array.from(groupOf, (g) => groupAccs[g]!);
  if (tier === 'raw' && reader.eachRaw && accs.every((a) => a.addRawRange)) {
    // Points streamed into the accumulators hour by hour from scratch arrays: no per-series arrays to gather first.
    reader.eachRaw(ids, grid.first, end, (k, ts, vs, lo, hi) => {
      pointsRead += hi - lo;
      accs[k]!.addRawRange!(ts, vs, lo, hi);
    });
  } else if (tier === 'raw') {
    const points = reader.readRawMany(ids, needsPredecessor(q.agg) ? grid.first - PREDECESSOR_LOOKBACK_MS : grid.first, end);
    for (let i = 0; i < selected.length; i++) {
      const p = points[i]!;
      pointsRead += p.timestamps.length;
      accs[i]!.addRaw(p);
    }
  } else if (reader.eachRollup && accs.every((a) => a.addRollupsRange)) {
    reader.eachRollup(ids, tier, grid.first, end, (k, r, lo, hi) => {
      pointsRead += hi - lo;
      accs[k]!.addRollupsRange!(r, lo, hi);
    });
  } else {
    const rows = reader.readRollupsMany(ids, tier, grid.first, end);
    for (let i = 0; i < selected.length; i++) {
      const r = rows[i]!;
      pointsRead += r.timestamps.length;
      accs[i]!.addRollups(r);
    }
  }
  const series = groupTags
    .map((tags, g) => ({ tags, acc: groupAccs[g]! }))
    .sort((a, b) => compareTags(a.tags, b.tags, q.by))
    .map((g) => ({ tags: g.tags, values: g.acc.result() }));
  return {
    timestamps: bucketStarts(grid),
    series,
    stats: { tier, step: grid.step, seriesRead: selected.length, pointsRead, elapsedMs: Math.round((performance.now() - started) * 100) / 100 },
  };
}

function bucketStarts(grid: { first: number; step: number; count: number }): Float64Array {
  const out = new Float64Array(grid.count);
  for (let i = 0; i < grid.count; i++) out[i] = grid.first + i * grid.step;
  return out;
}

/**
 * A step derived from a point count, raised to the series' own interval when they are written less often (as
 * Grafana's "min interval" does for a data source): 15 minutes of 10 s data at 1,000 points would otherwise be 1 s
 * buckets, nine in ten empty, and `rate` (increase ÷ step) ten times the real rate in the others.
 */
function notFinerThanData(reader: MetricsReader, ids: readonly number[], step: number): number {
  if (!reader.typicalIntervalMs || ids.length === 0) return step;
  const interval = reader.typicalIntervalMs(ids);
  return interval > step ? Math.max(step, niceStepForInterval(interval)) : step;
}

function compareTags(a: Record<string, string>, b: Record<string, string>, by: readonly string[]): number {
  for (const k of by) {
    const x = a[k]!;
    const y = b[k]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
