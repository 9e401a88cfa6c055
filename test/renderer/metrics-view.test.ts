// The Metrics view's pure helpers: the live window that merges /metrics/live updates, the autocomplete of comma lists
// and tag conditions (checked against the server's own `where` parser), the chart specs in the URL, and the links that
// carry a chart's range to the log views.
import { describe, expect, it } from 'vitest';
import { listTail, whereSuggestions } from '../../renderer/src/lib/metric-suggest.js';
import { decodeCharts, encodeCharts, queryOf } from '../../renderer/src/lib/metrics-query.js';
import { SeriesWindow } from '../../renderer/src/lib/series-window.js';
import { parseWhere } from '../../src/metrics/query/index.js';
import { HOST_DASHBOARD } from '../../renderer/src/lib/host-dashboard.js';
import { HostMetricsCollector } from '../../src/agent/host-metrics/index.js';

describe('SeriesWindow (a live chart\'s columns)', () => {
  const answer = { timestamps: [0, 1000, 2000, 3000], series: [{ tags: { host: 'a' }, values: [1, 2, 3, 4] }] };

  it('replaces buckets from an update\'s first timestamp on, adds new series with nulls before, and slides', () => {
    const w = new SeriesWindow(4000);
    w.replace(answer);
    const shape = w.shape;
    w.merge({ timestamps: [3000, 4000], series: [{ tags: { host: 'a' }, values: [40, 5] }, { tags: { host: 'b' }, values: [null, 9] }] });
    // 0 fell out of the 4 s window ending at 4000; 3000 was replaced; b is new.
    expect(w.data()).toEqual([
      [1000, 2000, 3000, 4000],
      [2, 3, 40, 5],
      [null, null, null, 9],
    ]);
    expect(w.shape).toBeGreaterThan(shape);
    const after = w.shape;
    // A series missing from an update has no value in the buckets it replaced.
    w.merge({ timestamps: [4000], series: [{ tags: { host: 'b' }, values: [10] }] });
    expect(w.data()).toEqual([
      [1000, 2000, 3000, 4000],
      [2, 3, 40, null],
      [null, null, null, 10],
    ]);
    expect(w.shape).toBe(after); // no new series: the chart only calls setData
  });

  it('matches series by their tags whatever their order', () => {
    const w = new SeriesWindow(0);
    w.replace({ timestamps: [0, 1000], series: [{ tags: { host: 'a', dc: 'x' }, values: [1, 2] }] });
    w.merge({ timestamps: [1000], series: [{ tags: { dc: 'x', host: 'a' }, values: [7] }] });
    expect(w.data()).toEqual([[0, 1000], [1, 7]]);
  });

  it('keeps 20 series × 3,600 points bounded over an hour of one-second updates', () => {
    const n = 3600;
    const w = new SeriesWindow(n * 1000);
    w.replace({ timestamps: Array.from({ length: n }, (_, i) => i * 1000), series: Array.from({ length: 20 }, (_, s) => ({ tags: { s: String(s) }, values: new Array(n).fill(s) })) });
    for (let t = n; t < 2 * n; t += 60) {
      const ts = Array.from({ length: 61 }, (_, i) => (t - 60 + i) * 1000);
      w.merge({ timestamps: ts, series: Array.from({ length: 20 }, (_, s) => ({ tags: { s: String(s) }, values: ts.map(() => s + 1) })) });
    }
    expect(w.xs.length).toBe(n);
    expect(w.ys.every((ys) => ys.length === n)).toBe(true);
    expect(w.xs[n - 1]! - w.xs[0]!).toBe((n - 1) * 1000);
  });
});

describe('autocomplete', () => {
  it('completes the last item of a comma list, without repeating one', () => {
    expect(listTail('host,re', ['host', 'region', 'rack', 'role'])).toEqual(['host,region']);
    expect(listTail('', ['host', 'dc'])).toEqual(['host', 'dc']);
    expect(listTail('host,', ['host', 'dc'])).toEqual(['host,dc']);
  });

  it('suggests tag keys, then their values, each a valid `where` for the server', () => {
    expect(whereSuggestions('cpu=total,ho', ['host', 'cpu'], {})).toEqual(['cpu=total,host=']);
    const values = { host: ['web-1', 'web-2', 'db,1', 'c:\\x'] };
    const s = whereSuggestions('cpu=total,host=', ['host', 'cpu'], values);
    expect(s).toEqual(['cpu=total,host=web-1', 'cpu=total,host=web-2', 'cpu=total,host=db\\,1', 'cpu=total,host=c:\\\\x']);
    // The server reads each back as the value offered.
    expect(s.map((w) => parseWhere(w).find((c) => c.key === 'host')?.value)).toEqual(values.host);
    expect(whereSuggestions('host!=web', ['host'], values)).toEqual(['host!=web-1', 'host!=web-2']);
  });
});

describe('chart specs', () => {
  it('round-trip through the URL without empty keys', () => {
    const c = [{ kind: 'metric' as const, measurement: 'cpu', field: 'usage_active', where: ' ', by: 'host' }];
    const text = encodeCharts(c);
    expect(decodeCharts(text)).toEqual([{ kind: 'metric', measurement: 'cpu', field: 'usage_active', by: 'host' }]);
    expect(decodeCharts('{nope')).toBeNull();
    expect(decodeCharts('{"a":1}')).toBeNull();
  });

  it('become query parameters, the dashboard\'s host filter joined to the chart\'s own conditions', () => {
    expect(queryOf({ kind: 'metric', measurement: 'cpu', field: 'u', where: 'cpu=total', agg: 'max' }, { from: '1h', to: '' }, 'host=a')).toEqual({ measurement: 'cpu', field: 'u', where: 'cpu=total,host=a', agg: 'max', from: '1h' });
    expect(queryOf({ kind: 'logs', q: 'level:error', by: 'host' }, { from: '100', to: '200' })).toEqual({ q: 'level:error', by: 'host', from: '100', to: '200' });
    expect(queryOf({ kind: 'logs', q: 'x' }, { from: '5m', to: '200' }, '', true)).toEqual({ q: 'x', from: '5m' });
  });
});

describe.runIf(process.platform === 'linux')('the host dashboard', () => {
  it('charts fields and tags that the agent\'s collector really writes on this machine', async () => {
    const c = new HostMetricsCollector({ host: 'me' });
    await c.collect(Date.now());
    await new Promise((r) => setTimeout(r, 300));
    const points = await c.collect(Date.now());
    const seen = new Set(points.map((p) => p.measurement));
    for (const m of ['cpu', 'mem', 'system', 'disk']) expect(seen, `the collector writes ${m}`).toContain(m);
    for (const chart of HOST_DASHBOARD.charts.filter((x) => x.kind === 'metric')) {
      const of = points.filter((p) => p.measurement === chart.measurement);
      if (of.length === 0) continue; // diskio/net: a container may have no block device or interface to report
      expect(Object.keys(of[0]!.fields), `${chart.measurement} has ${chart.field}`).toContain(chart.field);
      const keys = new Set(of.flatMap((p) => Object.keys(p.tags ?? {})));
      for (const k of [...(chart.by ?? '').split(','), ...parseWhere(chart.where ?? '').map((w) => w.key)].filter(Boolean)) {
        expect([...keys], `${chart.measurement} is tagged ${k}`).toContain(k);
      }
    }
  });
});
