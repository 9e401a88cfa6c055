// A MetricsReader held in memory, for testing the metrics queries without the store: points are given by hand, and
// rollups are computed here, by test code, from those points (min, max, sum, count, last, and the counter-aware
// increase from each point's predecessor), as the contract in src/metrics/types.ts defines them.
import { tagFilter } from '../../src/metrics/query/index.js';
import { TIER_INTERVAL_MS, type AppendListener, type MetricsReader, type MetricsStats, type RawPoints, type RollupRows, type SeriesInfo, type TagMatcher, type Tier, type TierSpan } from '../../src/metrics/types.js';

interface Stored {
  info: SeriesInfo;
  ts: number[];
  vs: number[];
}

export class MemoryMetrics implements MetricsReader {
  private readonly series: Stored[] = [];
  private readonly listeners = new Set<AppendListener>();
  /** Reads per tier, to check which tier a query used. */
  readonly reads: Record<Tier, number> = { raw: 0, '1m': 0, '1h': 0 };
  /** Retention of the raw tier: points before this are not served raw (rollups keep them). */
  rawFrom = -Infinity;

  /** A series with points (any order; a repeated timestamp keeps the last value). Returns its id. */
  add(measurement: string, field: string, tags: Record<string, string>, points: readonly (readonly [number, number])[] = []): number {
    const id = this.series.length + 1;
    const sorted = Object.fromEntries(Object.entries(tags).sort(([a], [b]) => (a < b ? -1 : 1)));
    this.series.push({ info: { id, measurement, field, tags: sorted }, ts: [], vs: [] });
    this.put(id, points);
    return id;
  }

  /** Adds points and tells the append listeners (as the store does after applying a batch). */
  append(id: number, points: readonly (readonly [number, number])[]): void {
    this.put(id, points);
    const newest = Math.max(...points.map((p) => p[0]));
    for (const l of this.listeners) l(new Set([id]), newest);
  }

  private put(id: number, points: readonly (readonly [number, number])[]): void {
    const s = this.series[id - 1]!;
    const m = new Map<number, number>(s.ts.map((t, i) => [t, s.vs[i]!]));
    for (const [t, v] of points) m.set(t, v);
    const keys = [...m.keys()].sort((a, b) => a - b);
    s.ts = keys;
    s.vs = keys.map((k) => m.get(k)!);
  }

  measurements(prefix = ''): { name: string; series: number }[] {
    const n = new Map<string, number>();
    for (const s of this.series) if (s.info.measurement.startsWith(prefix)) n.set(s.info.measurement, (n.get(s.info.measurement) ?? 0) + 1);
    return [...n].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, series]) => ({ name, series }));
  }

  fields(measurement: string): string[] {
    return [...new Set(this.series.filter((s) => s.info.measurement === measurement).map((s) => s.info.field))].sort();
  }

  tagKeys(measurement: string): string[] {
    return [...new Set(this.series.filter((s) => s.info.measurement === measurement).flatMap((s) => Object.keys(s.info.tags)))].sort();
  }

  tagValues(measurement: string, key: string, prefix = '', limit = Infinity): string[] {
    const v = new Set<string>();
    for (const s of this.series) if (s.info.measurement === measurement && s.info.tags[key]?.startsWith(prefix)) v.add(s.info.tags[key]!);
    return [...v].sort().slice(0, limit);
  }

  select(measurement: string, field: string, matchers: readonly TagMatcher[]): SeriesInfo[] {
    const ok = tagFilter(matchers);
    return this.series.filter((s) => s.info.measurement === measurement && s.info.field === field && ok(s.info.tags)).map((s) => s.info);
  }

  readRaw(seriesId: number, fromMs: number, toMs: number): RawPoints {
    this.reads.raw++;
    const s = this.series[seriesId - 1]!;
    const lo = Math.max(fromMs, this.rawFrom);
    const idx = s.ts.flatMap((t, i) => (t >= lo && t < toMs ? [i] : []));
    return { timestamps: Float64Array.from(idx, (i) => s.ts[i]!), values: Float64Array.from(idx, (i) => s.vs[i]!) };
  }

  readRawMany(seriesIds: readonly number[], fromMs: number, toMs: number): RawPoints[] {
    return seriesIds.map((id) => this.readRaw(id, fromMs, toMs));
  }

  readRollupsMany(seriesIds: readonly number[], tier: Exclude<Tier, 'raw'>, fromMs: number, toMs: number): RollupRows[] {
    return seriesIds.map((id) => this.readRollups(id, tier, fromMs, toMs));
  }

  readRollups(seriesId: number, tier: Exclude<Tier, 'raw'>, fromMs: number, toMs: number): RollupRows {
    this.reads[tier]++;
    const s = this.series[seriesId - 1]!;
    const iv = TIER_INTERVAL_MS[tier];
    const rows = new Map<number, { min: number; max: number; sum: number; count: number; last: number; increase: number }>();
    for (let i = 0; i < s.ts.length; i++) {
      const start = Math.floor(s.ts[i]! / iv) * iv;
      const v = s.vs[i]!;
      let inc = 0;
      if (i > 0) inc = v >= s.vs[i - 1]! ? v - s.vs[i - 1]! : v;
      const r = rows.get(start);
      if (!r) rows.set(start, { min: v, max: v, sum: v, count: 1, last: v, increase: inc });
      else {
        r.min = Math.min(r.min, v);
        r.max = Math.max(r.max, v);
        r.sum += v;
        r.count++;
        r.last = v;
        r.increase += inc;
      }
    }
    const starts = [...rows.keys()].filter((t) => t >= fromMs && t < toMs).sort((a, b) => a - b);
    const col = (k: 'min' | 'max' | 'sum' | 'count' | 'last' | 'increase') => Float64Array.from(starts, (t) => rows.get(t)![k]);
    return { timestamps: Float64Array.from(starts), min: col('min'), max: col('max'), sum: col('sum'), count: col('count'), last: col('last'), increase: col('increase') };
  }

  tierSpans(): TierSpan[] {
    let oldest = Infinity;
    let newest = -Infinity;
    let rawOldest = Infinity;
    for (const s of this.series) {
      for (const t of s.ts) {
        if (t < oldest) oldest = t;
        if (t > newest) newest = t;
        if (t >= this.rawFrom && t < rawOldest) rawOldest = t;
      }
    }
    if (oldest === Infinity) return (['raw', '1m', '1h'] as const).map((tier) => ({ tier, oldestMs: null, newestMs: null }));
    const raw = rawOldest === Infinity ? [] : [rawOldest];
    return [
      { tier: 'raw', oldestMs: raw.length ? raw[0]! : null, newestMs: raw.length ? newest : null },
      { tier: '1m', oldestMs: Math.floor(oldest / 60_000) * 60_000, newestMs: Math.floor(newest / 60_000) * 60_000 },
      { tier: '1h', oldestMs: Math.floor(oldest / 3_600_000) * 3_600_000, newestMs: Math.floor(newest / 3_600_000) * 3_600_000 },
    ];
  }

  stats(): MetricsStats {
    return {
      series: this.series.length,
      maxSeries: 100_000,
      maxSeriesPerMeasurement: 10_000,
      seriesRefused: 0,
      refusedByMeasurement: {},
      nearCap: [],
      pointsApplied: this.series.reduce((n, s) => n + s.ts.length, 0),
      badLines: 0,
      skippedFields: 0,
      lagRecords: 0,
      bytesOnDisk: { raw: 0, '1m': 0, '1h': 0 },
    };
  }

  onAppend(listener: AppendListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
