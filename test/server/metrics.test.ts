// The metrics API through the real Fastify server on port 0 with the token: discovery, a query answer checked by
// hand, a clear 400 naming the parameter for every bad input, 503 without a store, and a live query over the
// WebSocket that delivers new points. The store is the in-memory reader of test/helpers (the real one is wired by
// src/app); a second API server gets it next to the app's own services.
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeColumnsAnswer } from '../../src/metrics/query/index.js';
import { ApiServer } from '../../src/server/index.js';
import { MemoryMetrics } from '../helpers/memory-metrics.js';
import { waitUntil } from '../helpers/wait-until.js';
import { startApp, type TestApp } from './helpers.js';

let t: TestApp;
let server: ApiServer;
let base: string;
const mem = new MemoryMetrics();
/** A whole minute, an hour ago: the test's points sit in the last hour (the default range). */
const T = Math.floor((Date.now() - 3_600_000) / 60_000) * 60_000 + 60_000;
let liveId = 0;

beforeAll(async () => {
  t = await startApp({ metrics: { enabled: false } }); // the app's own API runs without a store; `server` gets the in-memory one
  mem.add('cpu', 'usage', { host: 'web-1', region: 'eu-west' }, [[T, 10], [T + 5000, 20], [T + 60_000, 30]]);
  mem.add('cpu', 'usage', { host: 'web-2', region: 'us-east' }, [[T + 1000, 40]]);
  mem.add('cpu', 'system', { host: 'web-1', region: 'eu-west' }, [[T, 1]]);
  mem.add('mem', 'used', { host: 'web-1' }, [[T, 5]]);
  liveId = mem.add('live', 'v', { host: 'a' }, []);
  server = await ApiServer.start({ ...t.app.api!.context.services, metrics: mem }, { listen: { host: '127.0.0.1', port: 0 }, public: false, dataDir: t.dataDir });
  const a = server.address();
  base = `http://${a.host}:${a.port}`;
});
afterAll(async () => {
  await server?.close();
  await t?.stop();
});

async function get(path: string, status: number): Promise<any> {
  const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${t.token}` } });
  const body = await res.json();
  expect(res.status, `${path}: ${JSON.stringify(body)}`).toBe(status);
  return body;
}

describe('metrics API', () => {
  it('answers 503 with a clear message when no metrics store runs', async () => {
    const body = await t.call('/api/v1/metrics/query?measurement=cpu&field=usage', 503);
    expect(body.error.message).toMatch(/metrics store is not running/);
    await t.call('/api/v1/metrics/measurements', 503);
  });

  it('discovery: measurements, fields, tag keys, tag values, series, stats', async () => {
    expect((await get('/api/v1/metrics/measurements', 200)).measurements).toEqual([{ name: 'cpu', series: 3 }, { name: 'live', series: 1 }, { name: 'mem', series: 1 }]);
    expect((await get('/api/v1/metrics/measurements?prefix=m', 200)).measurements).toEqual([{ name: 'mem', series: 1 }]);
    expect((await get('/api/v1/metrics/fields?measurement=cpu', 200)).fields).toEqual(['system', 'usage']);
    expect((await get('/api/v1/metrics/tag-keys?measurement=cpu', 200)).tagKeys).toEqual(['host', 'region']);
    expect((await get('/api/v1/metrics/tag-values?measurement=cpu&key=host', 200)).values).toEqual(['web-1', 'web-2']);
    expect((await get('/api/v1/metrics/tag-values?measurement=cpu&key=host&prefix=web-2&limit=5', 200)).values).toEqual(['web-2']);
    const series = await get('/api/v1/metrics/series?measurement=cpu&where=region%3D~eu-.*', 200);
    expect(series.count).toBe(2);
    expect(series.sample.map((x: { field: string }) => x.field).sort()).toEqual(['system', 'usage']);
    expect((await get('/api/v1/metrics/series?measurement=cpu&field=usage&limit=1', 200))).toMatchObject({ count: 2, sample: [{ field: 'usage' }] });
    expect(await get('/api/v1/metrics/stats', 200)).toMatchObject({ series: 5, pointsApplied: 6, bytesOnDisk: { raw: 0, '1m': 0, '1h': 0 } });
  });

  it('query: columns of buckets, grouped by tags', async () => {
    const q = `measurement=cpu&field=usage&agg=sum&by=host&step=30s&from=${T}&to=${T + 90_000}`;
    const a = await get(`/api/v1/metrics/query?${q}`, 200);
    expect(a.timestamps).toEqual([T, T + 30_000, T + 60_000]);
    expect(a.series).toEqual([
      { tags: { host: 'web-1' }, values: [30, null, 30] },
      { tags: { host: 'web-2' }, values: [40, null, null] },
    ]);
    expect(a.stats).toMatchObject({ tier: 'raw', step: 30_000, seriesRead: 2, pointsRead: 4 });
    const avg = await get(`/api/v1/metrics/query?measurement=cpu&field=usage&where=host%3Dweb-1&step=1m&from=${T}&to=${T + 120_000}`, 200);
    expect(avg.series).toEqual([{ tags: {}, values: [15, 30] }]);
    // Default range (the last hour) and step (1000 points: 5 s).
    const d = await get('/api/v1/metrics/query?measurement=cpu&field=usage', 200);
    expect(d.stats.step).toBe(5000);
    expect(d.timestamps.length).toBeLessThanOrEqual(1000);
  });

  it('query in binary columns (format=columns or the Accept header): the same values as the JSON answer', async () => {
    const q = `measurement=cpu&field=usage&agg=sum&by=host&step=30s&from=${T}&to=${T + 90_000}`;
    for (const [path, headers] of [
      [`/api/v1/metrics/query?${q}&format=columns`, {}],
      [`/api/v1/metrics/query?${q}`, { accept: 'application/vnd.tributary.columns' }],
    ] as const) {
      const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${t.token}`, ...headers } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/vnd.tributary.columns');
      const a = decodeColumnsAnswer(new Uint8Array(await res.arrayBuffer()));
      expect(Array.from(a.timestamps)).toEqual([T, T + 30_000, T + 60_000]);
      expect(a.series.map((x) => [x.tags, Array.from(x.values)])).toEqual([
        [{ host: 'web-1' }, [30, NaN, 30]],
        [{ host: 'web-2' }, [40, NaN, NaN]],
      ]);
      expect(a.stats).toMatchObject({ tier: 'raw', step: 30_000, seriesRead: 2, pointsRead: 4 });
    }
    // format=json wins over the header; a bad format is a 400 naming it.
    const res = await fetch(`${base}/api/v1/metrics/query?${q}&format=json`, { headers: { authorization: `Bearer ${t.token}`, accept: 'application/vnd.tributary.columns' } });
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect((await res.json()).series[1]).toEqual({ tags: { host: 'web-2' }, values: [40, null, null] });
    expect((await get(`/api/v1/metrics/query?${q}&format=csv`, 400)).error.message).toContain('format');
  });

  const bad: [string, string, RegExp][] = [
    ['field=usage', 'measurement', /required/],
    ['measurement=cpu', 'field', /required/],
    ['measurement=cpu&field=usage&agg=median', 'agg', /one of avg, min/],
    ['measurement=cpu&field=usage&where=host', 'where', /not a condition/],
    ['measurement=cpu&field=usage&where=host%3D~(', 'where', /not a valid regex/],
    ['measurement=cpu&field=usage&by=host,host', 'by', /twice/],
    ['measurement=cpu&field=usage&step=fast', 'step', /not a duration/],
    ['measurement=cpu&field=usage&step=1s&from=7d', 'step', /more than 11000; use a step of at least/],
    ['measurement=cpu&field=usage&points=0', 'points', /1 to 11000/],
    ['measurement=cpu&field=usage&from=soon', 'from', /ISO-8601/],
    ['measurement=cpu&field=usage&to=2024-99-99', 'to', /ISO-8601/],
    ['measurement=cpu&field=usage&from=1h&to=2h', 'from', /before to/],
    ['measurement=cpu&field=usage&color=red', 'querystring', /additional properties/],
  ];
  for (const [q, param, message] of bad) {
    it(`400 for a bad ${param}: ${q}`, async () => {
      const body = await get(`/api/v1/metrics/query?${q}`, 400);
      expect(body.error.code).toBe('BAD_REQUEST');
      expect(body.error.message).toContain(param);
      expect(body.error.message).toMatch(message);
    });
  }

  it('404 naming what exists for an unknown measurement or field', async () => {
    expect((await get('/api/v1/metrics/query?measurement=cpux&field=usage', 404)).error.message).toMatch(/no measurement "cpux"; some that exist: cpu/);
    expect((await get('/api/v1/metrics/query?measurement=cpu&field=idle', 404)).error.message).toMatch(/its fields: system, usage/);
  });

  it('400 for bad parameters of discovery', async () => {
    expect((await get('/api/v1/metrics/tag-values?measurement=cpu', 400)).error.message).toMatch(/key/);
    expect((await get('/api/v1/metrics/tag-values?measurement=cpu&key=host&limit=0', 400)).error.message).toMatch(/limit/);
    expect((await get('/api/v1/metrics/series?measurement=cpu&where=%3Dx', 400)).error.message).toMatch(/^where: /);
  });

  it('live: the first answer, then the points appended as they arrive', async () => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/api/v1/metrics/live`, { headers: { authorization: `Bearer ${t.token}` } });
    const msgs: any[] = [];
    ws.on('message', (d) => msgs.push(JSON.parse(d.toString())));
    await new Promise<void>((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
    ws.send(JSON.stringify({ type: 'query', query: { measurement: 'nope', field: 'v' } }));
    await waitUntil('an error for an unknown measurement', () => msgs.length > 0, { timeoutMs: 5000 });
    expect(msgs[0]).toMatchObject({ type: 'error', error: { code: 'NOT_FOUND' } });
    ws.send(JSON.stringify({ type: 'query', query: { measurement: 'live', field: 'v', agg: 'sum', step: '1s', from: Date.now() - 60_000 } }));
    await waitUntil('the first answer', () => msgs.some((m) => m.type === 'answer'), { timeoutMs: 5000 });
    const first = msgs.find((m) => m.type === 'answer');
    expect(first.series).toEqual([{ tags: {}, values: first.timestamps.map(() => null) }]);
    const now = Date.now();
    mem.append(liveId, [[now, 42]]);
    const bucket = Math.floor(now / 1000) * 1000;
    const seen = () => msgs.filter((m) => m.type === 'update').some((m) => m.series[0]?.values[m.timestamps.indexOf(bucket)] === 42);
    await waitUntil('an update with the new points', seen, { timeoutMs: 10_000, details: () => JSON.stringify(msgs.slice(-2)) });
    ws.close();
  });
});
