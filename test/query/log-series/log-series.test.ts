// Log-derived series on a real broker's topic: counts of matching records per bucket and group equal a brute-force
// count of what was produced; bad parameters get a clear 400; the live WebSocket keeps the counts as records arrive.
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaClient } from '../../../src/client/index.js';
import { logSeries } from '../../../src/query/log-series/index.js';
import { waitUntil } from '../../helpers/wait-until.js';
import { startApp, type TestApp } from '../../server/helpers.js';

let t: TestApp;
let client: KafkaClient;
const LEVELS = ['info', 'error', 'warn', 'error', 'debug'];
/** A whole minute, 40 minutes ago. */
const BASE = Math.floor((Date.now() - 40 * 60_000) / 60_000) * 60_000;
const N = 3000;
interface Produced {
  ts: number;
  level: string;
  host: string;
  value: string;
}
const produced: Produced[] = [];

beforeAll(async () => {
  t = await startApp();
  client = new KafkaClient({ bootstrap: [t.kafka], clientId: 'log-series-test' });
  await t.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'app-logs', partitions: 3 } });
  for (let i = 0; i < N; i++) {
    const level = LEVELS[i % LEVELS.length]!;
    const host = `h${(i * 7) % 4}`;
    // Half logfmt, half JSON: the language reads level and host from either.
    const value = i % 2 ? `level=${level} host=${host} msg="request ${i}"` : JSON.stringify({ level: level.toUpperCase(), host, msg: `request ${i}` });
    produced.push({ ts: BASE + i * 600 + (i % 7) * 13, level, host, value });
  }
  const p = client.producer();
  for (let i = 0; i < N; i += 250) await p.send('app-logs', produced.slice(i, i + 250).map((r, j) => ({ value: r.value, timestamp: r.ts, partition: (i + j) % 3 })));
});
afterAll(async () => {
  await client?.close();
  await t?.stop();
});

/** The brute-force count: bucket start → group → records. */
function bruteForce(keep: (r: Produced) => boolean, group: (r: Produced) => string, step: number, from: number, to: number): Map<string, Map<number, number>> {
  const first = Math.floor(from / step) * step;
  const end = first + Math.ceil((to - first) / step) * step;
  const out = new Map<string, Map<number, number>>();
  for (const r of produced) {
    if (!keep(r) || r.ts < first || r.ts >= end) continue;
    const b = Math.floor(r.ts / step) * step;
    const g = out.get(group(r)) ?? new Map<number, number>();
    g.set(b, (g.get(b) ?? 0) + 1);
    out.set(group(r), g);
  }
  return out;
}

function asMap(answer: { timestamps: number[]; series: { tags: Record<string, string>; values: number[] }[] }, by: string | null): Map<string, Map<number, number>> {
  const out = new Map<string, Map<number, number>>();
  for (const s of answer.series) {
    const m = new Map<number, number>();
    s.values.forEach((v, i) => v && m.set(answer.timestamps[i]!, v));
    out.set(by ? s.tags[by]! : '', m);
  }
  return out;
}

describe('log-derived series', () => {
  it('counts matches per bucket and host as a brute-force count does (over the API)', async () => {
    const from = BASE + 90_000 + 17; // not aligned: whole buckets from the one holding it
    const to = BASE + 25 * 60_000 + 5;
    const a = await t.call(`/api/v1/metrics/logs?topic=app-logs&q=level%3Aerror&by=host&step=1m&from=${from}&to=${to}`, 200);
    expect(a.timestamps[0]).toBe(BASE + 60_000);
    expect(a.timestamps.every((x: number) => x % 60_000 === 0)).toBe(true);
    expect(asMap(a, 'host')).toEqual(bruteForce((r) => r.level === 'error', (r) => r.host, 60_000, from, to));
    expect(a.stats).toMatchObject({ step: 60_000, recordsMatched: produced.filter((r) => r.level === 'error' && r.ts >= BASE + 60_000 && r.ts < BASE + 26 * 60_000).length });
  });

  it('by level, every record (level as the language normalises it), odd steps aligned to the epoch', async () => {
    const from = BASE;
    const to = BASE + 30 * 60_000;
    const a = await logSeries(t.app.api!.context.services.logs, { topic: 'app-logs', by: 'level', step: '7s', from: String(from), to: String(to), limit: '10' });
    expect(a.timestamps.every((x) => x % 7000 === 0)).toBe(true);
    expect(asMap(a, 'level')).toEqual(bruteForce(() => true, (r) => r.level, 7000, from, to));
    const total = await logSeries(t.app.api!.context.services.logs, { topic: 'app-logs', q: 'host:h1', step: '10m', from: String(from), to: String(to) });
    expect(total.series).toHaveLength(1);
    expect(asMap(total, null)).toEqual(bruteForce((r) => r.host === 'h1', () => '', 600_000, from, to));
  });

  it('beyond limit, the smaller groups are summed into one series marked other', async () => {
    const a = await t.call(`/api/v1/metrics/logs?topic=app-logs&by=host&step=1h&from=${BASE}&to=${BASE + 3_600_000}&limit=2`, 200);
    expect(a.series).toHaveLength(3);
    expect(a.series[2]).toMatchObject({ other: true });
    const sum = (s: { values: number[] }) => s.values.reduce((x, y) => x + y, 0);
    expect(a.series.reduce((n: number, s: { values: number[] }) => n + sum(s), 0)).toBe(N);
  });

  it('skips the blocks the token index rules out, as a search does', async () => {
    await t.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'big-logs', partitions: 1 } });
    const pad = 'lorem ipsum dolor sit amet '.repeat(34); // ~900 bytes a record: 4000 records fill a few 1 MiB blocks
    const p = client.producer();
    for (let i = 0; i < 4000; i += 200) {
      await p.send('big-logs', Array.from({ length: 200 }, (_, j) => ({ value: `level=info n=${i + j} ${i + j === 150 ? 'zzneedle ' : ''}${pad}`, timestamp: BASE + (i + j) * 100 })));
    }
    const logs = t.app.api!.context.services.logs;
    const query = { topic: 'big-logs', q: 'zzneedle', step: '1h', from: String(BASE), to: String(BASE + 3_600_000) };
    let a = await logSeries(logs, query);
    // The index of sealed blocks may be written a moment after the append.
    await waitUntil('blocks skipped by the index', async () => (a = await logSeries(logs, query)).stats.blocksSkippedByIndex >= 2, { timeoutMs: 10_000 });
    expect(a.series.map((x) => x.values.reduce((m, v) => m + v, 0))).toEqual([1]);
    expect(a.stats.blocksScanned).toBeLessThanOrEqual(1);
  });

  const bad: [string, number, RegExp][] = [
    ['topic=app-logs&step=often', 400, /^step: .*not a duration/],
    ['topic=app-logs&step=1ms&from=7d', 400, /^step: .*more than 11000/],
    ['topic=app-logs&from=whenever', 400, /^from: .*ISO-8601/],
    ['topic=app-logs&to=2024-02-31x', 400, /^to: /],
    ['topic=app-logs&points=0', 400, /^points: /],
    ['topic=app-logs&limit=5000', 400, /^limit: /],
    ['topic=app-logs&q=%28unclosed', 400, /^query: /],
    ['topic=no-such-topic', 404, /no-such-topic does not exist/],
  ];
  for (const [q, status, message] of bad) {
    it(`${status} for ${q}`, async () => {
      const body = await t.call(`/api/v1/metrics/logs?${q}`, status);
      expect(body.error.message).toMatch(message);
    });
  }

  it('live over the WebSocket: counts follow the records as they arrive', async () => {
    await t.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'live-logs', partitions: 2 } });
    const ws = new WebSocket(`${t.base.replace('http', 'ws')}/api/v1/metrics/live`, { headers: { authorization: `Bearer ${t.token}` } });
    const msgs: any[] = [];
    ws.on('message', (d) => msgs.push(JSON.parse(d.toString())));
    await new Promise<void>((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
    ws.send(JSON.stringify({ type: 'logs', query: { topic: 'live-logs', q: 'level:error', by: 'host', step: '1s', from: '5m' } }));
    await waitUntil('the first answer', () => msgs.some((m) => m.type === 'answer' || m.type === 'error'), { timeoutMs: 5000 });
    expect(msgs[0]).toMatchObject({ type: 'answer', series: [] });
    // What the client holds: bucket → host → count, each update replacing its buckets.
    const held = new Map<number, Map<string, number>>();
    const total = () => {
      for (const m of msgs.splice(0)) {
        if (m.type !== 'update') continue;
        for (const ts of m.timestamps) held.set(ts, new Map());
        for (const s of m.series) s.values.forEach((v: number, i: number) => v && held.get(m.timestamps[i])!.set(s.tags.host, v));
      }
      return [...held.values()].reduce((n, g) => n + [...g.values()].reduce((x, y) => x + y, 0), 0);
    };
    const p = client.producer();
    let errors = 0;
    for (let round = 0; round < 3; round++) {
      const batch = Array.from({ length: 40 }, (_, i) => ({ value: `level=${i % 4 === 0 ? 'error' : 'info'} host=h${i % 3} round=${round}`, partition: i % 2 }));
      errors += batch.filter((b) => b.value.startsWith('level=error')).length;
      await p.send('live-logs', batch);
      await waitUntil(`the errors of round ${round}`, () => total() === errors, { timeoutMs: 10_000, details: () => `${total()} of ${errors}` });
    }
    expect(total()).toBe(30);
    ws.close();
  });
});
