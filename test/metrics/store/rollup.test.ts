// Rollups by hand and against aggregating the raw points; hourly rows from minute rows equal hourly rows from points.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalize } from '../../../src/metrics/store/point-codec.js';
import { coarsen, mergeRollups, rollupPoints, sliceRollups } from '../../../src/metrics/store/rollup.js';
import { fuzzParams } from '../../helpers/fuzz.js';

const params = (runs: number) => fuzzParams(import.meta.url, runs);
const pts = (list: [number, number][]) => ({ timestamps: Float64Array.from(list.map(([t]) => t)), values: Float64Array.from(list.map(([, v]) => v)) });

describe('rollups', () => {
  it('min, max, sum, count, last and a counter-aware increase per interval (by hand)', () => {
    // Interval 60 s. A counter 10, 15, 25 | 3 (reset), 8 | (gap) | 20.
    const r = rollupPoints(pts([[0, 10], [20_000, 15], [59_999, 25], [60_000, 3], [90_000, 8], [240_000, 20]]), 60_000, 4);
    expect([...r.timestamps]).toEqual([0, 60_000, 240_000]);
    expect([...r.min]).toEqual([10, 3, 20]);
    expect([...r.max]).toEqual([25, 8, 20]);
    expect([...r.sum]).toEqual([50, 11, 20]);
    expect([...r.count]).toEqual([3, 2, 1]);
    expect([...r.last]).toEqual([25, 8, 20]);
    // 4→10 (+6), +5, +10 = 21; 25→3 is a reset: +3, then +5 = 8; 8→20: +12.
    expect([...r.increase]).toEqual([21, 8, 12]);
    // Without a previous point the first interval's increase starts at its first point.
    expect(rollupPoints(pts([[0, 10], [1, 12]]), 60_000, NaN).increase[0]).toBe(2);
  });

  it('labels intervals by their start, also before the epoch', () => {
    expect([...rollupPoints(pts([[-60_001, 3], [-60_000, 2], [-1, 1]]), 60_000, NaN).timestamps]).toEqual([-120_000, -60_000]);
  });

  it('equal aggregating the raw points of each interval, and 1h from 1m equals 1h from points', () => {
    const series = fc.array(fc.tuple(fc.integer({ min: 0, max: 3 * 3_600_000 }), fc.integer({ min: -50, max: 1000 })), { maxLength: 400 });
    fc.assert(
      fc.property(series, fc.option(fc.integer({ min: -5, max: 5 }), { nil: null }), (list, prev) => {
        const p = normalize(Float64Array.from(list.map(([t]) => t)), Float64Array.from(list.map(([, v]) => v)));
        const before = prev ?? NaN;
        const rows = rollupPoints(p, 60_000, before);
        let r = 0;
        let last = before;
        for (let i = 0; i < p.timestamps.length; ) {
          const start = Math.floor(p.timestamps[i]! / 60_000) * 60_000;
          const vs: number[] = [];
          let inc = 0;
          for (; i < p.timestamps.length && p.timestamps[i]! < start + 60_000; i++) {
            const v = p.values[i]!;
            if (!Number.isNaN(last)) inc += v >= last ? v - last : v;
            last = v;
            vs.push(v);
          }
          expect(rows.timestamps[r]).toBe(start);
          expect(rows.min[r]).toBe(Math.min(...vs));
          expect(rows.max[r]).toBe(Math.max(...vs));
          expect(rows.sum[r]).toBe(vs.reduce((a, b) => a + b, 0));
          expect(rows.count[r]).toBe(vs.length);
          expect(rows.last[r]).toBe(vs[vs.length - 1]);
          expect(rows.increase[r]).toBe(inc);
          r++;
        }
        expect(rows.timestamps.length).toBe(r);
        expect(coarsen(rows, 3_600_000)).toEqual(rollupPoints(p, 3_600_000, before));
      }),
      params(300),
    );
  });

  it('merges rows (the newer wins an interval) and slices by start', () => {
    const a = rollupPoints(pts([[0, 1], [60_000, 2], [120_000, 3]]), 60_000, NaN);
    const b = rollupPoints(pts([[60_000, 9], [180_000, 4]]), 60_000, NaN);
    const m = mergeRollups(a, b);
    expect([...m.timestamps]).toEqual([0, 60_000, 120_000, 180_000]);
    expect([...m.last]).toEqual([1, 9, 3, 4]);
    expect([...sliceRollups(m, 60_000, 180_000).timestamps]).toEqual([60_000, 120_000]);
  });
});
