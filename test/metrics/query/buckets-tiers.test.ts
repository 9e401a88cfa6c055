// Bucket alignment (multiples of the step since the epoch, whole buckets for non-aligned from/to), the step chosen
// from a point count, and the tier chosen from the step and from what each tier still holds.
import { describe, expect, it } from 'vitest';
import { bucketsOf, stepForPoints } from '../../../src/common/time-buckets.js';
import { chooseTier, parseMetricsQuery, runMetricsQuery, stepTier } from '../../../src/metrics/query/index.js';
import type { TierSpan } from '../../../src/metrics/types.js';
import { MemoryMetrics } from '../../helpers/memory-metrics.js';

const H = 3_600_000;
const DAY = 24 * H;

describe('buckets', () => {
  it('start at multiples of the step since the epoch and cover the buckets holding from and to − 1 whole', () => {
    const m = new MemoryMetrics();
    const t = 1_700_000_000_000; // 1_700_000_000 s: a multiple of 10 s, not of 7 s
    m.add('c', 'v', {}, [[t - 1000, 1], [t + 2000, 2], [t + 9_999, 3], [t + 10_000, 4], [t + 36_000, 5], [t + 40_000, 6]]);
    // from t+3 s, to t+37 s: buckets [t, t+10 s) … [t+30 s, t+40 s), each whole (the point at t+2 s counts, t−1 s and t+40 s do not).
    const a = runMetricsQuery(m, parseMetricsQuery({ measurement: 'c', field: 'v', agg: 'sum', step: '10s', from: String(t + 3000), to: String(t + 37_000) }));
    expect(a.timestamps).toEqual([t, t + 10_000, t + 20_000, t + 30_000]);
    expect(a.series[0]!.values).toEqual([5, 4, null, 5]);
    // A step of 7 s: 1_699_999_997 s is the multiple of 7 s at or before t (1_700_000_000 = 7 · 242_857_142 + 6).
    const b = runMetricsQuery(m, parseMetricsQuery({ measurement: 'c', field: 'v', agg: 'count', step: '7s', from: String(t), to: String(t + 14_000) }));
    expect(b.timestamps).toEqual([t - 6000, t + 1000, t + 8000]);
    expect(b.timestamps.every((x) => x % 7000 === 0)).toBe(true);
    expect(b.series[0]!.values).toEqual([1, 1, 2]);
  });

  it('the default step is the smallest round step giving at most `points` buckets', () => {
    const from = 1_700_000_000_000;
    // One hour: 2 s would give 1800 buckets, 5 s gives 720.
    expect(stepForPoints(from, from + H, 1000)).toBe(5000);
    // Seven days at 1000 points: 10 min gives 1008 buckets, 15 min gives 672.
    expect(stepForPoints(from, from + 7 * DAY, 1000)).toBe(15 * 60_000);
    // 60 points over an hour: 1 min fits when the hour starts on a minute; otherwise it needs 61 buckets, so 2 min.
    expect(parseMetricsQuery({ measurement: 'm', field: 'f', from: String(from + 40_000), to: String(from + 40_000 + H), points: '60' }).step).toBe(60_000);
    expect(parseMetricsQuery({ measurement: 'm', field: 'f', from: String(from), to: String(from + H), points: '60' }).step).toBe(120_000);
    for (const points of [1, 7, 100, 1000, 11_000]) expect(bucketsOf(from + 123, from + 123 + 3 * DAY, stepForPoints(from + 123, from + 123 + 3 * DAY, points)).count).toBeLessThanOrEqual(points);
  });
});

describe('tier choice', () => {
  const span = (tier: TierSpan['tier'], oldestMs: number | null): TierSpan => ({ tier, oldestMs, newestMs: oldestMs === null ? null : 2e12 });

  it('raw below 1 min, 1-minute rollups below 1 h, hourly from 1 h', () => {
    expect(stepTier(59_999)).toBe('raw');
    expect(stepTier(60_000)).toBe('1m');
    expect(stepTier(H - 1)).toBe('1m');
    expect(stepTier(H)).toBe('1h');
  });

  it('falls back to a coarser tier when retention dropped the finer one\'s data before from', () => {
    const now = 1_700_000_000_000;
    const spans = [span('raw', now - DAY), span('1m', now - 90 * DAY), span('1h', now - 700 * DAY)];
    expect(chooseTier(10_000, now - H, spans)).toBe('raw');
    expect(chooseTier(10_000, now - 2 * DAY, spans)).toBe('1m');
    expect(chooseTier(10_000, now - 100 * DAY, spans)).toBe('1h');
    expect(chooseTier(60_000, now - 100 * DAY, spans)).toBe('1h');
    // A tier that starts late only because the data does (a new install) is kept.
    const fresh = [span('raw', now - 10 * 60_000 + 5000), span('1m', now - 10 * 60_000), span('1h', now - 10 * 60_000)];
    expect(chooseTier(10_000, now - DAY, fresh)).toBe('raw');
    expect(chooseTier(10_000, now - DAY, [span('raw', null), span('1m', now - DAY), span('1h', now - DAY)])).toBe('1m');
  });

  it('a 7-day query with the default step reads rollups, never raw points', () => {
    const m = new MemoryMetrics();
    const now = 1_700_000_000_000;
    const pts: [number, number][] = [];
    for (let t = now - 7 * DAY; t < now; t += 60_000) pts.push([t, 1]);
    m.add('c', 'v', { h: 'a' }, pts);
    const a = runMetricsQuery(m, parseMetricsQuery({ measurement: 'c', field: 'v', agg: 'count', from: '7d' }, now));
    expect(a.stats.tier).toBe('1m');
    expect(m.reads.raw).toBe(0);
    expect(a.series[0]!.values.reduce((x, y) => x! + (y ?? 0), 0)).toBe(7 * 24 * 60);
    m.rawFrom = now - DAY; // raw retention: one day
    const b = runMetricsQuery(m, parseMetricsQuery({ measurement: 'c', field: 'v', agg: 'count', step: '30s', from: '2d' }, now));
    expect(b.stats).toMatchObject({ tier: '1m', step: 60_000 });
    expect(m.reads.raw).toBe(0);
  });
});
