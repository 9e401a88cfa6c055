// Over rollup tiers, the aggregations rollups answer exactly give the same values as over the raw points: avg, min,
// max, sum, count, last, increase and rate, for steps that are whole numbers of the tier's interval.
import { describe, expect, it } from 'vitest';
import { parseMetricsQuery, runMetricsQuery, type Aggregation } from '../../../src/metrics/query/index.js';
import type { Tier } from '../../../src/metrics/types.js';
import { MemoryMetrics } from '../../helpers/memory-metrics.js';
import { rng } from '../../helpers/seeded-random.js';

const H = 3_600_000;
describe('rollups equal raw points for the exact aggregations', () => {
  const m = new MemoryMetrics();
  const start = 1_699_999_200_000; // a whole hour
  const r = rng(7);
  for (const host of ['a', 'b', 'c']) {
    for (const region of ['eu', 'us']) {
      const gauge: [number, number][] = [];
      const counter: [number, number][] = [];
      let c = 0;
      // 6 hours, a point every ~10 s with jitter, gaps now and then; the counter resets now and then.
      for (let t = start + Math.floor(r() * 10_000); t < start + 6 * H; t += 5000 + Math.floor(r() * 10_000)) {
        if (r() < 0.02) t += 5 * 60_000;
        gauge.push([t, Math.round(r() * 1000) / 10]);
        c = r() < 0.01 ? Math.floor(r() * 10) : c + Math.floor(r() * 100);
        counter.push([t, c]);
      }
      m.add('g', 'v', { host, region }, gauge);
      m.add('k', 'v', { host, region }, counter);
    }
  }

  const aggs: Aggregation[] = ['avg', 'min', 'max', 'sum', 'count', 'last', 'increase', 'rate'];
  const cases: { tier: Exclude<Tier, 'raw'>; step: string }[] = [
    { tier: '1m', step: '1m' },
    { tier: '1m', step: '5m' },
    { tier: '1m', step: '1h' },
    { tier: '1h', step: '1h' },
    { tier: '1h', step: '2h' },
  ];
  for (const { tier, step } of cases) {
    it(`${tier} rollups at step ${step}`, () => {
      for (const agg of aggs) {
        for (const by of ['', 'host', 'region,host']) {
          const measurement = agg === 'increase' || agg === 'rate' ? 'k' : 'g';
          // A range not aligned to anything: whole buckets are answered either way.
          const q = parseMetricsQuery({ measurement, field: 'v', agg, by, step, from: String(start + 17 * 60_000 + 1234), to: String(start + 6 * H - 7777) }, start + 6 * H);
          const raw = runMetricsQuery(m, q, { tier: 'raw' });
          const rolled = runMetricsQuery(m, q, { tier });
          expect(rolled.timestamps).toEqual(raw.timestamps);
          expect(rolled.series.map((x) => x.tags)).toEqual(raw.series.map((x) => x.tags));
          expect(rolled.stats.pointsRead).toBeLessThan(raw.stats.pointsRead);
          rolled.series.forEach((sr, i) =>
            sr.values.forEach((v, j) => {
              const w = raw.series[i]!.values[j]!;
              if (w === null) expect(v, `${agg} by ${by} bucket ${j}`).toBeNull();
              else expect(v, `${agg} by ${by} bucket ${j}`).toBeCloseTo(w, 6);
            }),
          );
        }
      }
    });
  }
});
