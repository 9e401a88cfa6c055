// Every aggregation against values computed by hand from a few points, grouped and not; rate and increase across a
// counter reset, with the predecessor of the first bucket taken from before `from`.
import { describe, expect, it } from 'vitest';
import { parseMetricsQuery, runMetricsQuery, type MetricsQueryInput } from '../../../src/metrics/query/index.js';
import { MemoryMetrics } from '../../helpers/memory-metrics.js';

/** A multiple of 60 s (so the 10 s buckets below start at T0). */
const T0 = 1_700_000_040_000;
const s = (sec: number) => T0 + sec * 1000;

function reader(): MemoryMetrics {
  const m = new MemoryMetrics();
  // Buckets of 10 s from T0: [0,10) [10,20) [20,30) [30,40).
  m.add('cpu', 'usage', { host: 'a', dc: 'x' }, [[s(0), 1], [s(3), 3], [s(7), 8], [s(12), 2], [s(15), 4], [s(31), 10]]);
  m.add('cpu', 'usage', { host: 'b', dc: 'x' }, [[s(1), 5], [s(9), 5], [s(11), 6], [s(25), 1]]);
  // Counters: a resets at 14 s (130 → 5).
  m.add('net', 'bytes', { host: 'a' }, [[s(0), 100], [s(5), 110], [s(10), 130], [s(14), 5], [s(22), 25], [s(35), 40]]);
  m.add('net', 'bytes', { host: 'b' }, [[s(2), 0], [s(12), 7]]);
  return m;
}

const run = (m: MemoryMetrics, q: MetricsQueryInput) => runMetricsQuery(m, parseMetricsQuery({ step: '10s', from: String(s(0)), to: String(s(40)), ...q }, s(40)));
const values = (m: MemoryMetrics, q: MetricsQueryInput) => run(m, q).series.map((x) => x.values);

describe('aggregations over all points of a group', () => {
  const m = reader();
  it('avg, min, max, sum, count (one series for everything without by; empty buckets null)', () => {
    expect(run(m, { measurement: 'cpu', field: 'usage', agg: 'avg' }).timestamps).toEqual([s(0), s(10), s(20), s(30)]);
    expect(values(m, { measurement: 'cpu', field: 'usage', agg: 'avg' })).toEqual([[22 / 5, 4, 1, 10]]);
    expect(values(m, { measurement: 'cpu', field: 'usage', agg: 'min' })).toEqual([[1, 2, 1, 10]]);
    expect(values(m, { measurement: 'cpu', field: 'usage', agg: 'max' })).toEqual([[8, 6, 1, 10]]);
    expect(values(m, { measurement: 'cpu', field: 'usage', agg: 'sum' })).toEqual([[22, 12, 1, 10]]);
    expect(values(m, { measurement: 'cpu', field: 'usage', agg: 'count' })).toEqual([[5, 3, 1, 1]]);
  });

  it('last: each series\' newest point in the bucket, summed over the group', () => {
    expect(values(m, { measurement: 'cpu', field: 'usage', agg: 'last' })).toEqual([[13, 10, 1, 10]]);
    expect(values(m, { measurement: 'cpu', field: 'usage', agg: 'last', by: 'host' })).toEqual([[8, 4, null, 10], [5, 6, 1, null]]);
  });

  it('groups by tags, sorted by their values; a missing tag is ""', () => {
    const a = run(m, { measurement: 'cpu', field: 'usage', agg: 'avg', by: 'host' });
    expect(a.series).toEqual([
      { tags: { host: 'a' }, values: [4, 3, null, 10] },
      { tags: { host: 'b' }, values: [5, 6, 1, null] },
    ]);
    const b = run(m, { measurement: 'cpu', field: 'usage', agg: 'count', by: 'dc,rack' });
    expect(b.series).toEqual([{ tags: { dc: 'x', rack: '' }, values: [5, 3, 1, 1] }]);
    expect(b.stats).toMatchObject({ tier: 'raw', step: 10_000, seriesRead: 2, pointsRead: 10 });
  });

  it('where selects series with =, !=, =~ and !~', () => {
    expect(values(m, { measurement: 'cpu', field: 'usage', agg: 'sum', where: 'host=a' })).toEqual([[12, 6, null, 10]]);
    expect(values(m, { measurement: 'cpu', field: 'usage', agg: 'sum', where: 'host!=a' })).toEqual([[10, 6, 1, null]]);
    expect(values(m, { measurement: 'cpu', field: 'usage', agg: 'sum', where: 'host=~[ab],dc!~y.*' })).toEqual([[22, 12, 1, 10]]);
    expect(values(m, { measurement: 'cpu', field: 'usage', agg: 'sum', where: 'host=~b|c' })).toEqual([[10, 6, 1, null]]);
    expect(run(m, { measurement: 'cpu', field: 'usage', where: 'host=c' }).series).toEqual([]);
  });

  it('percentiles interpolate between the nearest ranks of all the group\'s points', () => {
    // Bucket 0: 1 3 5 5 8; bucket 1: 2 4 6; bucket 2: 1; bucket 3: 10. Rank q·(n−1).
    expect(values(m, { measurement: 'cpu', field: 'usage', agg: 'p50' })).toEqual([[5, 4, 1, 10]]);
    const close = (got: (number | null)[], want: number[]) => want.forEach((w, i) => expect(got[i]).toBeCloseTo(w, 10));
    close(values(m, { measurement: 'cpu', field: 'usage', agg: 'p90' })[0]!, [5 + 0.6 * 3, 4 + 0.8 * 2, 1, 10]);
    close(values(m, { measurement: 'cpu', field: 'usage', agg: 'p95' })[0]!, [5 + 0.8 * 3, 4 + 0.9 * 2, 1, 10]);
    close(values(m, { measurement: 'cpu', field: 'usage', agg: 'p99' })[0]!, [5 + 0.96 * 3, 4 + 0.98 * 2, 1, 10]);
  });
});

describe('increase and rate: counter-aware, per series, then summed', () => {
  const m = reader();
  it('counts a drop as a reset (the value after it is the increase) and adds nothing for a first point', () => {
    // a: [0,10): 100 (first) → 110 = 10; [10,20): +20, reset to 5 = 25; [20,30): +20; [30,40): +15.
    expect(values(m, { measurement: 'net', field: 'bytes', agg: 'increase', by: 'host' })).toEqual([[10, 25, 20, 15], [0, 7, null, null]]);
    expect(values(m, { measurement: 'net', field: 'bytes', agg: 'increase' })).toEqual([[10, 32, 20, 15]]);
    expect(values(m, { measurement: 'net', field: 'bytes', agg: 'rate' })).toEqual([[1, 3.2, 2, 1.5]]);
  });

  it('takes the predecessor of the first bucket\'s first point from before from', () => {
    // From 10 s: the point at 5 s (110) is 130's predecessor, the increase of [10,20) is still 25 for a.
    const a = run(m, { measurement: 'net', field: 'bytes', agg: 'increase', by: 'host', from: String(s(10)) });
    expect(a.timestamps).toEqual([s(10), s(20), s(30)]);
    expect(a.series.map((x) => x.values)).toEqual([[25, 20, 15], [7, null, null]]);
  });

  it('a reset over the 1m rollup tier gives the same increase as the raw points', () => {
    const q = parseMetricsQuery({ measurement: 'net', field: 'bytes', agg: 'increase', step: '1m', from: String(s(0)), to: String(s(60)) }, s(60));
    expect(runMetricsQuery(m, q, { tier: '1m' }).series[0]!.values).toEqual([10 + 25 + 20 + 15 + 7]);
    expect(runMetricsQuery(m, q, { tier: 'raw' }).series[0]!.values).toEqual([77]);
    const rate = parseMetricsQuery({ measurement: 'net', field: 'bytes', agg: 'rate', step: '1m', from: String(s(0)), to: String(s(60)) }, s(60));
    expect(runMetricsQuery(m, rate, { tier: '1m' }).series[0]!.values).toEqual([77 / 60]);
  });
});

describe('percentiles on rollup tiers', () => {
  it('are taken over the per-interval means of each series', () => {
    const m = new MemoryMetrics();
    const T0 = 1_700_000_100_000; // a multiple of 3 min
    // Minute 0: mean 2 (1, 3); minute 1: mean 10 (10); minute 2: mean 5 (4, 6); other series minute 0: mean 7.
    m.add('m', 'v', { h: 'a' }, [[T0, 1], [T0 + 30_000, 3], [T0 + 60_000, 10], [T0 + 120_000, 4], [T0 + 150_000, 6]]);
    m.add('m', 'v', { h: 'b' }, [[T0 + 1000, 7]]);
    const q = parseMetricsQuery({ measurement: 'm', field: 'v', agg: 'p50', step: '3m', from: String(T0), to: String(T0 + 180_000) }, T0 + 180_000);
    const a = runMetricsQuery(m, q, { tier: '1m' });
    // Means 2, 10, 5, 7 → sorted 2 5 7 10, rank 1.5 → 6.
    expect(a.series[0]!.values).toEqual([6]);
    expect(a.stats.tier).toBe('1m');
  });
});
