// The metrics API over the real store: line protocol produced into the `metrics` topic comes back from
// /api/v1/metrics/query with the values written, and series beyond the cardinality cap are refused and shown in the
// overview.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../helpers/wait-until.js';
import { startApp, type TestApp } from './helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await startApp({ metrics: { maxSeriesPerMeasurement: 3 } });
  await t.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'metrics', partitions: 1 } });
});
afterAll(async () => {
  await t?.stop();
});

describe('metrics API over the real store', () => {
  it('answers a chart query with the points written to the metrics topic, and counts series refused by the cap', async () => {
    const minute = Math.floor(Date.now() / 60_000) * 60_000 - 5 * 60_000; // five whole minutes ago
    // Three hosts (three series of `load`), two points each in that minute; then two more hosts, beyond the cap of 3.
    const lines: string[] = [];
    for (const [h, a, b] of [['a', 1, 3], ['b', 10, 20], ['c', 5, 5]] as const) {
      lines.push(`sys,host=${h} load=${a} ${(minute + 10_000) * 1e6}`, `sys,host=${h} load=${b} ${(minute + 40_000) * 1e6}`);
    }
    lines.push(`sys,host=d load=7 ${(minute + 10_000) * 1e6}`, `sys,host=e load=8 ${(minute + 10_000) * 1e6}`, 'this is not line protocol');
    for (const value of lines) await t.call('/api/v1/topics/metrics/messages', 201, { method: 'POST', json: { value } });

    await waitUntil('the store to read every line', async () => (await t.call('/api/v1/metrics/stats', 200)).badLines === 1, { timeoutMs: 15_000 });
    const q = new URLSearchParams({ measurement: 'sys', field: 'load', by: 'host', agg: 'avg', step: '1m', from: String(minute), to: String(minute + 60_000) });
    const answer = await t.call(`/api/v1/metrics/query?${q}`, 200);
    expect(answer.timestamps).toEqual([minute]);
    const byHost = Object.fromEntries(answer.series.map((s: { tags: { host: string }; values: number[] }) => [s.tags.host, s.values]));
    expect(byHost).toEqual({ a: [2], b: [15], c: [5] }); // averages of the two points each; d and e were refused

    const max = await t.call(`/api/v1/metrics/query?${new URLSearchParams({ measurement: 'sys', field: 'load', agg: 'max', step: '1m', from: String(minute), to: String(minute + 60_000) })}`, 200);
    expect(max.series).toEqual([{ tags: {}, values: [20] }]);

    const o = await t.call('/api/v1/overview', 200);
    expect(o.metrics).toMatchObject({ series: 3, seriesRefused: 2, badLines: 1, nearCap: ['sys'] });
  });
});
