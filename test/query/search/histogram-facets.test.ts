// Histogram counts equal a brute-force count per bucket and level; facets count the top values of the newest matches.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileQuery } from '../../../src/query/language/index.js';
import { autoStep } from '../../../src/query/search/index.js';
import { startApp, type TestApp } from '../../server/helpers.js';
import { allRecords, line, produceLines } from './corpus.js';

const TOPIC = 'hist';
const PARTITIONS = 3;
const N = 9_000;
const STEP_MS = 4_000; // 10 hours of records
const T0 = Date.UTC(2026, 2, 1, 0, 0, 0);

let t: TestApp;
let all: Awaited<ReturnType<typeof allRecords>>;

beforeAll(async () => {
  t = await startApp();
  await t.call('/api/v1/topics', 201, { method: 'POST', json: { name: TOPIC, partitions: PARTITIONS, configs: { 'retention.ms': '-1' } } });
  // Padded lines: a few MiB per partition, so that sealed ~1 MiB blocks exist beside the unindexed tail.
  await produceLines(t.kafka, TOPIC, Array.from({ length: N }, (_, i) => line(i, T0, STEP_MS, PARTITIONS, new Map(), 90)), 150);
  await t.app.broker.logs.tokenIndexer!.idle();
  all = await allRecords(t.app.broker.logs, TOPIC, PARTITIONS);
}, 60_000);
afterAll(async () => {
  await t?.stop();
});

function bruteHistogram(q: string, from: number, to: number, step: number) {
  const query = compileQuery(q);
  const first = Math.floor(from / step) * step;
  const n = Math.ceil((to - first) / step);
  const counts = new Array(n).fill(0);
  const levels: Record<string, number[]> = {};
  for (const r of all) {
    if (r.timestamp < from || r.timestamp >= to) continue;
    const view = { ...r.raw, topic: r.topic, partition: r.partition };
    if (!query.matches(view)) continue;
    const i = Math.floor((r.timestamp - first) / step);
    counts[i]++;
    const l = query.levelOf(view) ?? 'unknown';
    (levels[l] ??= new Array(n).fill(0))[i]++;
  }
  return { counts, levels };
}

describe('histogram', () => {
  it.each(['', 'handled', 'level:error OR level:warn', 'service:billing -closed'])('counts per bucket and level equal a brute-force count: %s', async (q) => {
    const from = T0 + 3_600_000;
    const to = T0 + 9 * 3_600_000;
    const h = await t.call(`/api/v1/search/histogram?${new URLSearchParams({ q, topics: TOPIC, from: String(from), to: new Date(to).toISOString() })}`, 200);
    expect(h.step).toBe(autoStep(from, to));
    expect(h.times.length).toBeGreaterThanOrEqual(60);
    expect(h.times.length).toBeLessThanOrEqual(120);
    const b = bruteHistogram(q, from, to, h.step);
    expect(h.counts).toEqual(b.counts);
    for (const [level, col] of Object.entries(h.levels as Record<string, number[]>)) expect(col, level).toEqual(b.levels[level] ?? new Array(col.length).fill(0));
    expect(h.total).toBe(b.counts.reduce((a: number, c: number) => a + c, 0));
    expect(h.total).toBeGreaterThan(0);
  });

  it('takes a step, and refuses one that makes too many buckets', async () => {
    const h = await t.call(`/api/v1/search/histogram?topics=${TOPIC}&from=${T0}&to=${T0 + 3_600_000}&step=5m`, 200);
    expect(h.step).toBe(300_000);
    expect(h.times).toHaveLength(12);
    expect(h.counts).toEqual(bruteHistogram('', T0, T0 + 3_600_000, 300_000).counts);
    const r = await t.api(`/api/v1/search/histogram?topics=${TOPIC}&from=${T0}&to=${T0 + 3_600_000}&step=1ms`);
    expect(r.status).toBe(400);
    expect((await r.json()).error.message).toMatch(/larger step/);
  });

  it('without from, starts at the oldest record', async () => {
    const h = await t.call(`/api/v1/search/histogram?topics=${TOPIC}&to=${T0 + N * STEP_MS}`, 200);
    expect(h.from).toBe(T0);
    expect(h.total).toBe(N);
  });

  it('asked again, counts whole blocks from their summaries (reading only the rest) and answers the same', async () => {
    for (const q of ['lorem', 'dolor level:info', '"cache lookup"']) {
      const path = `/api/v1/search/histogram?${new URLSearchParams({ q, topics: TOPIC, from: String(T0), to: String(T0 + N * STEP_MS) })}`;
      const cold = await t.call(path, 200);
      const warm = await t.call(path, 200);
      const b = bruteHistogram(q, T0, T0 + N * STEP_MS, cold.step);
      expect(cold.counts).toEqual(b.counts);
      expect(warm.counts).toEqual(b.counts);
      expect(warm.levels).toEqual(cold.levels);
      expect(cold.stats.blocksScanned).toBeGreaterThanOrEqual(1);
      expect(warm.stats.blocksScanned).toBe(0);
      expect(warm.stats.recordsDecoded).toBeLessThan(cold.stats.recordsDecoded / 2);
    }
    // A range that cuts through blocks reads those, and still equals a brute-force count.
    const from = T0 + 2 * 3_600_000 + 1234;
    const h = await t.call(`/api/v1/search/histogram?topics=${TOPIC}&from=${from}&to=${T0 + N * STEP_MS}&step=10m`, 200);
    expect(h.counts).toEqual(bruteHistogram('', from, T0 + N * STEP_MS, 600_000).counts);
  });

  it('reads nothing of blocks that cannot match', async () => {
    const h = await t.call(`/api/v1/search/histogram?q=no-such-word-anywhere&topics=${TOPIC}&from=${T0}&to=${T0 + N * STEP_MS}`, 200);
    expect(h.total).toBe(0);
    expect(h.stats.blocksScanned).toBe(0);
  });
});

describe('facets', () => {
  it('counts the top values of a field among the matches, and says when it stopped early', async () => {
    const f = await t.call(`/api/v1/search/facets?q=handled&topics=${TOPIC}&field=service&top=3`, 200);
    const query = compileQuery('handled');
    const counts = new Map<string, number>();
    let matches = 0;
    for (const r of all) {
      const view = { ...r.raw, topic: r.topic, partition: r.partition };
      if (!query.matches(view)) continue;
      matches++;
      const v = query.fieldOf(view, 'service');
      if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    const top = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 3).map(([value, count]) => ({ value, count }));
    expect(f).toMatchObject({ field: 'service', values: top, matchesScanned: matches, complete: true });
    expect(f.other).toBe(f.withField - top.reduce((n, v) => n + v.count, 0));

    const partial = await t.call(`/api/v1/search/facets?topics=${TOPIC}&field=host&maxMatches=100`, 200);
    expect(partial).toMatchObject({ matchesScanned: 100, complete: false, withField: 100 });
    expect(partial.values.reduce((n: number, v: { count: number }) => n + v.count, 0) + partial.other).toBe(100);
  });

  it('needs a field', async () => {
    expect((await t.api(`/api/v1/search/facets?topics=${TOPIC}`)).status).toBe(400);
  });
});
