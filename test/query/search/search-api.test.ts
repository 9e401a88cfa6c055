// Search over a real broker: semantics equal to a brute-force scan for every operator kind, in both orders and over
// pages; the token index and the time range provably skipping (from `stats`); stable pages while producing; cursors;
// errors; cancellation when the client goes away; 429 when busy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../../server/helpers.js';
import { sleep, waitUntil } from '../../helpers/wait-until.js';
import { allRecords, bruteForce, id, line, produceLines, type Rec } from './corpus.js';

const TOPIC = 'app-logs';
const PARTITIONS = 2;
const N = 40_000;
const PAD_WORDS = 60;
const STEP_MS = 1000;
const T0 = Date.UTC(2026, 0, 10, 0, 0, 0);
const NEEDLES = new Map([
  [7_001, 'xyzzy-needle'],
  [33_002, 'xyzzy-needle'],
]);

let t: TestApp;
let all: Awaited<ReturnType<typeof allRecords>>;

interface Page {
  records: Rec[];
  cursor: string | null;
  stats: Record<string, number>;
}

async function everything(q: string, opts: { order?: string; limit?: number; from?: string; to?: string; maxPages?: number } = {}): Promise<{ ids: string[]; pages: Page[] }> {
  const params = new URLSearchParams({ q, topics: TOPIC, limit: String(opts.limit ?? 1000), order: opts.order ?? 'newest' });
  if (opts.from) params.set('from', opts.from);
  if (opts.to) params.set('to', opts.to);
  const pages: Page[] = [];
  let page: Page = await t.call(`/api/v1/search?${params}`, 200);
  pages.push(page);
  for (let n = 1; page.cursor && n < (opts.maxPages ?? 200); n++) {
    page = await t.call(`/api/v1/search?${new URLSearchParams({ cursor: page.cursor, limit: String(opts.limit ?? 1000) })}`, 200);
    pages.push(page);
  }
  expect(page.cursor).toBeNull();
  return { ids: pages.flatMap((p) => p.records.map(id)), pages };
}

beforeAll(async () => {
  t = await startApp();
  // The smallest segments Kafka allows (1 MiB): each sealed segment is about one indexed block, and there are many.
  await t.call('/api/v1/topics', 201, { method: 'POST', json: { name: TOPIC, partitions: PARTITIONS, configs: { 'segment.bytes': '1048576', 'retention.ms': '-1' } } });
  const lines = Array.from({ length: N }, (_, i) => line(i, T0, STEP_MS, PARTITIONS, NEEDLES, PAD_WORDS));
  await produceLines(t.kafka, TOPIC, lines);
  await t.app.broker.logs.tokenIndexer!.idle();
  all = await allRecords(t.app.broker.logs, TOPIC, PARTITIONS);
  expect(all).toHaveLength(N);
}, 120_000);

afterAll(async () => {
  await t?.stop();
});

describe('search semantics equal a brute-force scan', () => {
  it.each([
    ['words (AND)', 'handled request'],
    ['phrase', '"cache lookup"'],
    ['prefix', 'bill*'],
    ['NOT', 'closed -web'],
    ['OR and parentheses', '(xyzzy-needle OR mailer) level:warn'],
    ['field value (header)', 'host:web-3 connection'],
    ['JSON path comparison', 'status>=400'],
    ['logfmt key', 'user:u42'],
    ['level from JSON, logfmt and text', 'level:error'],
    ['regex', '/lookup 1\\d{3} took/'],
  ])('%s: %s, newest and oldest first, over pages', async (_name, q) => {
    for (const order of ['newest', 'oldest'] as const) {
      const expected = bruteForce(all, q, order);
      expect(expected.length).toBeGreaterThan(0);
      const got = await everything(q, { order, limit: Math.max(50, Math.ceil(expected.length / 4)) });
      expect(got.ids).toEqual(expected);
    }
  }, 60_000);
});

describe('skipping', () => {
  it('a rare word reads only the blocks that can hold it (the index skips the rest)', async () => {
    const { ids, pages } = await everything('xyzzy-needle');
    expect(ids).toEqual(bruteForce(all, 'xyzzy-needle', 'newest'));
    expect(ids).toHaveLength(2);
    const s = pages[0]!.stats;
    const blocks = s.blocksScanned + s.blocksSkippedByIndex;
    expect(blocks).toBeGreaterThan(12); // many segments of about one block each
    // The two blocks with the needle, a few false positives at most, and the active segments' unindexed tails.
    expect(s.blocksScanned).toBeLessThanOrEqual(4);
    expect(s.blocksSkippedByIndex).toBeGreaterThanOrEqual(blocks - 4);
    // The active segments' tails, read in pieces of 256 KiB.
    expect(s.unindexedRangesScanned).toBeLessThanOrEqual(5 * PARTITIONS);
    expect(s.segmentsScanned).toBeLessThanOrEqual(2 + PARTITIONS);
    expect(s.segmentsSkipped).toBeGreaterThanOrEqual(10);
    expect(s.bytesScanned).toBeLessThan(s.bytesSkipped / 3);
    expect(s.recordsMatched).toBe(2);
  });

  it('a time range never reads the segments outside it', async () => {
    const from = new Date(T0 + 10_000 * STEP_MS).toISOString();
    const to = String(T0 + 12_000 * STEP_MS);
    // One page: the blocks of that hour, and the active segments' tails (unindexed, so without timestamps to skip by).
    const { ids, pages } = await everything('lorem', { from, to, order: 'oldest', limit: 5000 });
    expect(ids).toEqual(bruteForce(all, 'lorem', 'oldest', T0 + 10_000 * STEP_MS, T0 + 12_000 * STEP_MS));
    expect(ids).toHaveLength(2000);
    const s = pages.reduce((acc, p) => ({ scanned: acc.scanned + p.stats.bytesScanned, byTime: acc.byTime + p.stats.blocksSkippedByTime }), { scanned: 0, byTime: 0 });
    const total = Array.from({ length: PARTITIONS }, (_, p) => t.app.broker.logs.partition(TOPIC, p)!.size).reduce((a, b) => a + b, 0);
    expect(s.byTime).toBeGreaterThan(10);
    expect(s.scanned).toBeLessThan(total * 0.3);
  });

  it('a _time clause in the query narrows the range the same way', async () => {
    const at = new Date(T0 + 20_000 * STEP_MS).toISOString().slice(0, 16); // one minute
    const { ids, pages } = await everything(`_time:${at}`);
    expect(ids).toHaveLength(60);
    expect(ids).toEqual(bruteForce(all, `_time:${at}`, 'newest'));
    expect(pages[0]!.stats.blocksSkippedByTime).toBeGreaterThan(10);
  });

  it('the first page of a common word reads only the newest blocks', async () => {
    const page: Page = await t.call(`/api/v1/search?q=lorem&topics=${TOPIC}&limit=100`, 200);
    expect(page.records.map(id)).toEqual(bruteForce(all, 'lorem', 'newest').slice(0, 100));
    expect(page.stats.blocksScanned + page.stats.unindexedRangesScanned).toBeLessThanOrEqual(2 * PARTITIONS);
    expect(page.cursor).not.toBeNull();
  });
});

describe('pages and cursors', () => {
  it('pages stay stable while records arrive, and the cursor round-trips', async () => {
    const expected = bruteForce(all, 'handled', 'newest');
    const first: Page = await t.call(`/api/v1/search?q=handled&topics=${TOPIC}&limit=700`, 200);
    // Newer matching records arrive between pages: they are not part of this search.
    const more = Array.from({ length: 600 }, (_, i) => line(N + i, T0, STEP_MS, PARTITIONS));
    const producing = produceLines(t.kafka, TOPIC, more, 50);
    const ids = first.records.map(id);
    let cursor = first.cursor;
    for (let n = 0; cursor && n < 100; n++) {
      const page: Page = await t.call(`/api/v1/search?${new URLSearchParams({ cursor, q: 'handled', limit: '700' })}`, 200);
      ids.push(...page.records.map(id));
      cursor = page.cursor;
    }
    await producing;
    expect(ids).toEqual(expected);
    // The tail of newer records is found by a new search.
    const fresh: Page = await t.call(`/api/v1/search?q=handled&topics=${TOPIC}&limit=10`, 200);
    expect(fresh.records[0]!.timestamp).toBeGreaterThan(T0 + N * STEP_MS);
  }, 60_000);

  it('refuses a cursor it did not write, and one of another query', async () => {
    const bad = await t.api('/api/v1/search?cursor=not-a-cursor');
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.message).toMatch(/invalid cursor/);
    const page: Page = await t.call(`/api/v1/search?q=handled&topics=${TOPIC}&limit=5`, 200);
    const other = await t.api(`/api/v1/search?${new URLSearchParams({ cursor: page.cursor!, q: 'closed' })}`);
    expect(other.status).toBe(400);
    expect((await other.json()).error.message).toMatch(/another query/);
  });
});

describe('bad input', () => {
  it('answers 400 for a query it cannot parse, naming the column, and for a bad time', async () => {
    const r = await t.api('/api/v1/search?q=%22unclosed');
    expect(r.status).toBe(400);
    expect((await r.json()).error.message).toMatch(/column/);
    const time = await t.api('/api/v1/search?q=x&from=yesterday');
    expect(time.status).toBe(400);
    expect((await time.json()).error.message).toMatch(/is not a time; use ISO-8601/);
    const order = await t.api('/api/v1/search?q=x&from=1h&to=2h');
    expect(order.status).toBe(400);
    expect((await t.api('/api/v1/search?limit=0')).status).toBe(400);
  });

  it('answers 404 for an unknown topic', async () => {
    const r = await t.api('/api/v1/search?q=x&topics=nope');
    expect(r.status).toBe(404);
    expect((await r.json()).error.message).toMatch(/topic nope does not exist/);
  });
});

describe('long scans', () => {
  it('streams records and progress as NDJSON, ending with the cursor and stats', async () => {
    const res = await t.api(`/api/v1/search?q=${encodeURIComponent('xyzzy-needle')}&topics=${TOPIC}&stream=true`);
    expect(res.headers.get('content-type')).toMatch(/application\/x-ndjson/);
    const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.type === 'record').map((l) => id(l.record))).toEqual(bruteForce(all, 'xyzzy-needle', 'newest'));
    expect(lines.at(-1)).toMatchObject({ type: 'done', cursor: null, stats: { recordsMatched: 2 } });
  });

  it('stops scanning when the client goes away, and frees its slot', async () => {
    // A slow disk: every block read takes 30 ms, so a full regex scan takes a while.
    const logs = Array.from({ length: PARTITIONS }, (_, p) => t.app.broker.logs.partition(TOPIC, p)!);
    let reads = 0;
    const originals = logs.map((log) => log.readRange.bind(log));
    logs.forEach((log, i) => {
      log.readRange = async (...args) => {
        reads++;
        await sleep(30);
        return originals[i]!(...args);
      };
    });
    const path = `/api/v1/search?q=${encodeURIComponent('/[0-9]{7}[qz]/')}&topics=${TOPIC}&stream=true`;
    try {
      await (await t.api(path)).text();
      const full = reads;
      expect(full).toBeGreaterThan(12);
      reads = 0;
      const ac = new AbortController();
      const res = await t.api(path, { signal: ac.signal });
      expect(res.status).toBe(200);
      await waitUntil('the scan to start', () => reads >= 2, { timeoutMs: 10_000, intervalMs: 5 });
      ac.abort();
      await waitUntil('the read slot to be freed', () => t.app.api!.context.readLimiter.active === 0, { timeoutMs: 5_000, intervalMs: 10 });
      await sleep(100);
      const after = reads;
      await sleep(300);
      expect(reads).toBe(after);
      expect(reads).toBeLessThan(full * 0.75);
    } finally {
      logs.forEach((log, i) => (log.readRange = originals[i]!));
    }
  }, 30_000);

  it('answers 429 with Retry-After while every read slot is taken', async () => {
    const limiter = t.app.api!.context.readLimiter;
    const held: (() => void)[] = [];
    for (let r = limiter.tryAcquire(); r; r = limiter.tryAcquire()) held.push(r);
    try {
      for (const path of ['/api/v1/search?q=x', '/api/v1/search/histogram?q=x', '/api/v1/search/facets?field=host', '/api/v1/search/export?q=x']) {
        const res = await t.api(path);
        expect(res.status, path).toBe(429);
        expect(res.headers.get('retry-after')).toBe('1');
      }
    } finally {
      held.forEach((r) => r());
    }
    // Under a real burst every answer is 200 or 429 and the server stays up.
    const statuses = await Promise.all(Array.from({ length: 24 }, () => t.api(`/api/v1/search?q=${encodeURIComponent('/[0-9]{7}[qz]/')}&topics=${TOPIC}`).then(async (r) => (await r.arrayBuffer(), r.status))));
    expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(limiter.active).toBe(0);
  }, 60_000);
});
