// The accumulators of many groups share slabs of memory: each group's column must hold its own points only, at
// every slab size (few buckets: many groups per slab; many buckets: a slab per group), for every aggregation.
import { describe, expect, it } from 'vitest';
import { groupAccumulators } from '../../../src/metrics/query/aggregate.js';

const f64 = (a: number[]) => Float64Array.from(a);

describe('groupAccumulators', () => {
  for (const count of [3, 100, 9_000]) {
    it(`groups ${count === 9_000 ? 'in slabs of their own' : 'sharing a slab'} answer their own points only (${count} buckets)`, () => {
      const grid = { first: 1000, step: 10, count };
      const groups = 50;
      // Group g gets two series: points g+1 and g+2 in bucket 0 ([1000, 1010)), 10·g in bucket 2, none in bucket 1.
      const run = (agg: 'avg' | 'min' | 'max' | 'sum' | 'count') => {
        const accs = groupAccumulators(agg, grid, groups);
        for (let g = 0; g < groups; g++) {
          accs[g]!.addRawRange!(f64([1001, 1025]), f64([g + 1, 10 * g]), 0, 2);
          accs[g]!.addRawRange!(f64([995, 1009]), f64([-1000, g + 2]), 0, 2); // 995 is before the first bucket
        }
        return accs.map((a) => a.result());
      };
      // Run twice: the second run's counts come from slabs the first gave back (100 buckets: 81 groups fill a
      // slab), which must start at zero again.
      run('count');
      const avg = run('avg');
      const min = run('min');
      const max = run('max');
      const sum = run('sum');
      const cnt = run('count');
      for (let g = 0; g < groups; g++) {
        expect(avg[g]!.length).toBe(count);
        expect([...avg[g]!.subarray(0, 3)]).toEqual([(2 * g + 3) / 2, NaN, 10 * g]);
        expect([...min[g]!.subarray(0, 3)]).toEqual([g + 1, NaN, 10 * g]);
        expect([...max[g]!.subarray(0, 3)]).toEqual([g + 2, NaN, 10 * g]);
        expect([...sum[g]!.subarray(0, 3)]).toEqual([2 * g + 3, NaN, 10 * g]);
        expect([...cnt[g]!.subarray(0, 3)]).toEqual([2, NaN, 1]);
        // The buckets past the third hold nothing.
        expect(avg[g]!.subarray(3).every(Number.isNaN)).toBe(true);
      }
    });
  }

  it('rollup rows of many groups (Σ sum / Σ count for avg)', () => {
    const grid = { first: 0, step: 60_000, count: 2 };
    const accs = groupAccumulators('avg', grid, 3);
    const rows = (k: number) => ({ timestamps: f64([0, 60_000]), min: f64([0, 0]), max: f64([0, 0]), sum: f64([k, 2 * k]), count: f64([2, 4]), last: f64([0, 0]), increase: f64([0, 0]) });
    accs.forEach((a, k) => a.addRollupsRange!(rows(k + 1), 0, 2));
    expect(accs.map((a) => [...a.result()])).toEqual([
      [1 / 2, 2 / 4],
      [2 / 2, 4 / 4],
      [3 / 2, 6 / 4],
    ]);
  });

  it('percentiles and last keep an accumulator of their own per group', () => {
    const accs = groupAccumulators('last', { first: 0, step: 10, count: 1 }, 2);
    accs[0]!.addRaw({ timestamps: f64([1, 5]), values: f64([3, 4]) });
    accs[1]!.addRaw({ timestamps: f64([2]), values: f64([9]) });
    expect(accs.map((a) => [...a.result()])).toEqual([[4], [9]]);
  });
});
