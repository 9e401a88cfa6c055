/**
 * The contract between the metrics store (src/metrics/store/: turns metric records of the log into series, keeps
 * tiers on disk) and the metrics queries (src/metrics/query/: aggregates series into the columnar answers charts
 * draw). The store never aggregates across series; the query side never touches files.
 *
 * Times are epoch milliseconds everywhere (line protocol's nanoseconds are floored to ms on the way in).
 */

/** Tiers of resolution kept on disk. `raw` holds points as written; the others hold one rollup per interval. */
export type Tier = 'raw' | '1m' | '1h';

/** Interval of a rollup tier in ms (raw: 0, points as written). */
export const TIER_INTERVAL_MS: Readonly<Record<Tier, number>> = { raw: 0, '1m': 60_000, '1h': 3_600_000 };

/** One series: a measurement, a tag set and one numeric field of it. */
export interface SeriesInfo {
  /** Stable for the life of the store's data (survives restarts). */
  readonly id: number;
  readonly measurement: string;
  readonly field: string;
  /** Tag keys in ascending order. */
  readonly tags: Readonly<Record<string, string>>;
}

/** A condition on one tag; a missing tag has the value "" (as in Prometheus). Regexes are RE2 (re2js), anchored. */
export interface TagMatcher {
  key: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

/** Points of one series in ascending time; timestamps are unique (a later write of the same ms replaces the value). */
export interface RawPoints {
  timestamps: Float64Array;
  values: Float64Array;
}

/**
 * Rollups of one series, one row per interval that has points, labelled by the interval's start (a multiple of the
 * tier's interval since the epoch), ascending.
 */
export interface RollupRows {
  timestamps: Float64Array;
  min: Float64Array;
  max: Float64Array;
  sum: Float64Array;
  count: Float64Array;
  /** Value of the interval's last point. */
  last: Float64Array;
  /**
   * Counter-aware increase ending in this interval: from the series' previous point (possibly in an earlier interval)
   * through this interval's last point, a drop counted as a reset (the value after it is the increase), as
   * Prometheus's increase() treats resets. Lets rate/increase over a rollup tier equal the same over raw points.
   */
  increase: Float64Array;
}

/** Which tiers hold data, and since when (retention drops the oldest). */
export interface TierSpan {
  tier: Tier;
  /** Oldest and newest point (raw) or interval start (rollups) held; null when the tier is empty. */
  oldestMs: number | null;
  newestMs: number | null;
}

/** What the overview and `/api/v1/metrics/stats` show. */
export interface MetricsStats {
  series: number;
  /** The configured caps. */
  maxSeries: number;
  maxSeriesPerMeasurement: number;
  /** New series refused by a cap since start, total and by measurement. */
  seriesRefused: number;
  refusedByMeasurement: Record<string, number>;
  /** Measurements at or above 80 % of their cap. */
  nearCap: string[];
  pointsApplied: number;
  /** Lines (or records) that could not be parsed, and fields that are not numeric (strings): counted and skipped. */
  badLines: number;
  skippedFields: number;
  /** How far behind the log the store is, in records, summed over the metric partitions it follows. */
  lagRecords: number;
  bytesOnDisk: Record<Tier, number>;
  /** Points for an hour already sealed on disk, merged into it at the next seal pass (optional: added by the store). */
  latePoints?: number;
  /** Points refused: older than the raw tier keeps, more than an hour ahead of the clock, or beyond ±2^49 ms. */
  droppedPoints?: number;
  /** Bytes the open hours' point streams take in memory. */
  memoryBytes?: number;
}

/** Called after the store applied new points: the series that got points and the newest timestamp among them. */
export type AppendListener = (seriesIds: ReadonlySet<number>, newestMs: number) => void;

/** A piece of one series' raw points: the points [lo, hi) of `ts` and `vs` (see MetricsReader.eachRaw). */
export type RawVisitor = (k: number, ts: Float64Array, vs: Float64Array, lo: number, hi: number) => void;

/** A piece of one series' rollup rows: the rows [lo, hi) of `rows` (see MetricsReader.eachRollup). */
export type RollupVisitor = (k: number, rows: RollupRows, lo: number, hi: number) => void;

/** The read side of the store, all the query side uses. */
export interface MetricsReader {
  /** Measurements with how many series each has, sorted by name; prefix filters by name. */
  measurements(prefix?: string): { name: string; series: number }[];
  /** Numeric fields of a measurement, sorted. */
  fields(measurement: string): string[];
  /** Tag keys of a measurement, sorted. */
  tagKeys(measurement: string): string[];
  /** Distinct values of a tag within a measurement, sorted, at most `limit`. */
  tagValues(measurement: string, key: string, prefix?: string, limit?: number): string[];
  /** Series of `measurement`/`field` whose tags satisfy every matcher (none: all of them). */
  select(measurement: string, field: string, matchers: readonly TagMatcher[]): SeriesInfo[];
  /** Raw points with fromMs <= t < toMs: the in-memory recent window and the raw tier on disk, merged. */
  readRaw(seriesId: number, fromMs: number, toMs: number): RawPoints;
  /** Rollup rows whose interval start s satisfies fromMs <= s < toMs (callers align fromMs down to the interval). */
  readRollups(seriesId: number, tier: Exclude<Tier, 'raw'>, fromMs: number, toMs: number): RollupRows;
  /**
   * readRaw of many series at once, answers in the order of `seriesIds`: a query's read, each part on disk read once
   * for all of them rather than once per series.
   */
  readRawMany(seriesIds: readonly number[], fromMs: number, toMs: number): RawPoints[];
  /**
   * The points of readRawMany without gathering them: visit(k, ts, vs, lo, hi) for the points [lo, hi) of series
   * seriesIds[k], one call per piece (an hour, ascending per series, pieces of one series may come at any point of the
   * walk). The arrays are scratch, valid during the call only: for aggregations that only add points up (avg, sum,
   * min, max, count, percentiles), which then never allocate per series. Optional: readRawMany serves without it.
   */
  eachRaw?(seriesIds: readonly number[], fromMs: number, toMs: number, visit: RawVisitor): void;
  /**
   * The rows of readRollupsMany without gathering them: visit(k, rows, lo, hi) for the rows [lo, hi) of series
   * seriesIds[k], pieces in no particular order (scratch: valid during the call only). For the aggregations that only
   * add rows up. Optional.
   */
  eachRollup?(seriesIds: readonly number[], tier: Exclude<Tier, 'raw'>, fromMs: number, toMs: number, visit: RollupVisitor): void;
  /** readRollups of many series at once, answers in the order of `seriesIds`. */
  readRollupsMany(seriesIds: readonly number[], tier: Exclude<Tier, 'raw'>, fromMs: number, toMs: number): RollupRows[];
  /** What each tier holds (for choosing the tier of a query). */
  tierSpans(): TierSpan[];
  /**
   * The typical time between the points of these series (ms), as recently written; NaN when unknown. A step derived
   * from a point count is never finer (optional: without it, the derived step stands).
   */
  typicalIntervalMs?(seriesIds: readonly number[]): number;
  stats(): MetricsStats;
  /** Listen for newly applied points (live queries); returns the unsubscribe function. */
  onAppend(listener: AppendListener): () => void;
}
