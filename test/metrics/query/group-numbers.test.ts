// Series fall into groups by the exact values of the `by` tags: values that would join into the same text stay apart,
// a missing tag groups with "", and groups come out sorted by their tags whatever order the series come in.
import { describe, expect, it } from 'vitest';
import { parseMetricsQuery, runMetricsQuery } from '../../../src/metrics/query/index.js';
import { MemoryMetrics } from '../../helpers/memory-metrics.js';

const T0 = 1_700_000_040_000;

describe('grouping by tags', () => {
  it('keeps apart values that read alike joined, and groups a missing tag with ""', () => {
    const m = new MemoryMetrics();
    m.add('cpu', 'u', { a: 'x,y', b: 'z' }, [[T0, 1]]);
    m.add('cpu', 'u', { a: 'x', b: 'y,z' }, [[T0, 2]]);
    m.add('cpu', 'u', { a: 'x', b: '' }, [[T0, 4]]);
    m.add('cpu', 'u', { a: 'x' }, [[T0, 8]]); // no b: the same group as b=""
    m.add('cpu', 'u', { a: 'x,y', b: 'z' }, [[T0, 16]]); // the first series' group again
    m.add('cpu', 'u', { b: 'z' }, [[T0, 32]]); // no a
    const ans = runMetricsQuery(m, parseMetricsQuery({ measurement: 'cpu', field: 'u', agg: 'sum', by: 'a,b', step: '10s', from: String(T0), to: String(T0 + 10_000) }, T0 + 10_000));
    expect(ans.series.map((s) => [s.tags, s.values])).toEqual([
      [{ a: '', b: 'z' }, [32]],
      [{ a: 'x', b: '' }, [4 + 8]],
      [{ a: 'x', b: 'y,z' }, [2]],
      [{ a: 'x,y', b: 'z' }, [1 + 16]],
    ]);
  });

  it('one group for everything without by, one per value with one key', () => {
    const m = new MemoryMetrics();
    for (const [h, v] of [['b', 1], ['a', 2], ['b', 4]] as const) m.add('cpu', 'u', { host: h, n: String(v) }, [[T0, v]]);
    const q = (by: string) => runMetricsQuery(m, parseMetricsQuery({ measurement: 'cpu', field: 'u', agg: 'sum', by, step: '10s', from: String(T0), to: String(T0 + 10_000) }, T0 + 10_000));
    expect(q('').series).toEqual([{ tags: {}, values: [7] }]);
    expect(q('host').series).toEqual([
      { tags: { host: 'a' }, values: [2] },
      { tags: { host: 'b' }, values: [5] },
    ]);
  });
});
