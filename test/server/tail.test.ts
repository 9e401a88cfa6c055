// Live tail over the WebSocket: delivery in order with a filter, the backlog of the last N matches, errors, and a
// client that stops reading: it never holds up the broker or another client, and the skip notices count exactly
// what it did not receive (received + skipped = produced).
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { KafkaClient } from '../../src/client/index.js';
import { sleep, waitUntil } from '../helpers/wait-until.js';
import { startApp, type TestApp } from './helpers.js';

// The machine is never saturated here: while it is, tails get a quarter of their CPU budget and even a client that
// reads everything is skipped ahead (that policy has its own tests in test/query/tail). These tests run beside the
// rest of the suite on two cores, which keeps the machine saturated, and they are about clients, not that policy.
vi.mock('../../src/query/tail/machine-load.js', () => ({ MachineLoad: class { busy(): number { return 0; } } }));

let t: TestApp;
let client: KafkaClient;

beforeAll(async () => {
  t = await startApp();
  client = new KafkaClient({ bootstrap: [t.kafka], clientId: 'tail-test' });
});
afterAll(async () => {
  await client?.close();
  await t?.stop();
});

interface Msg {
  type: string;
  records?: { topic: string; partition: number; offset: number; value: string }[];
  count?: number;
  partition?: number;
  fromOffset?: number;
  toOffset?: number;
  error?: { code: string; message: string };
}

/** A tail client that keeps every message (parsed). */
function tail(query: string): { ws: WebSocket; msgs: Msg[]; records: () => NonNullable<Msg['records']>; skipped: () => number; opened: Promise<void> } {
  const ws = new WebSocket(`${t.base.replace('http', 'ws')}/api/v1/tail?${query}`, { headers: { authorization: `Bearer ${t.token}` } });
  const msgs: Msg[] = [];
  ws.on('message', (data) => msgs.push(JSON.parse(data.toString())));
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    const check = () => (msgs.some((m) => m.type === 'subscribed' || m.type === 'error') ? resolve() : setTimeout(check, 5));
    ws.once('open', check);
  });
  return {
    ws,
    msgs,
    opened,
    records: () => msgs.flatMap((m) => m.records ?? []),
    skipped: () => msgs.filter((m) => m.type === 'skipped').reduce((n, m) => n + m.count!, 0),
  };
}

async function produce(topic: string, values: string[], partitions: number, batch = 500): Promise<void> {
  const p = client.producer();
  for (let i = 0; i < values.length; i += batch) await p.send(topic, values.slice(i, i + batch).map((value, j) => ({ value, partition: (i + j) % partitions })));
}

describe('live tail', () => {
  it('sends new records as they arrive, only those matching the filter, in offset order per partition', async () => {
    await t.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'tail-a', partitions: 2 } });
    await produce('tail-a', ['old error before the tail'], 2);
    const c = tail('topics=tail-a&q=level%3Aerror');
    await c.opened;
    const values = Array.from({ length: 1000 }, (_, i) => `level=${i % 4 === 0 ? 'error' : 'info'} n=${i}`);
    await produce('tail-a', values, 2, 50);
    const expected = values.filter((v) => v.startsWith('level=error'));
    await waitUntil('the matching records', () => c.records().length >= expected.length, { timeoutMs: 20_000, details: () => `${c.records().length}` });
    await sleep(100);
    const got = c.records();
    expect(got.map((r) => r.value).sort()).toEqual([...expected].sort());
    for (const p of [0, 1]) {
      const offsets = got.filter((r) => r.partition === p).map((r) => r.offset);
      expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    }
    expect(c.skipped()).toBe(0);
    c.ws.close();
  });

  it('starts with the last N matching records, oldest first, then goes on live without a gap or a repeat', async () => {
    await t.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'tail-b', partitions: 3 } });
    await produce('tail-b', Array.from({ length: 300 }, (_, i) => `warn backlog ${i}`), 3, 30);
    const c = tail('topics=tail-b&q=warn&last=20');
    await c.opened;
    await waitUntil('the backlog', () => c.records().length >= 20, { timeoutMs: 10_000 });
    // The newest 20 as a search orders them (time, then partition and offset), sent oldest first.
    const newest = await t.call('/api/v1/search?q=warn&topics=tail-b&limit=20', 200);
    expect(c.records().slice(0, 20).map((r) => r.value)).toEqual(newest.records.map((r: { value: string }) => r.value).reverse());
    expect(new Set(c.records().slice(0, 20).map((r) => r.value)).size).toBe(20);
    await produce('tail-b', Array.from({ length: 30 }, (_, i) => `warn live ${i}`), 3, 10);
    await waitUntil('the live records', () => c.records().length >= 50, { timeoutMs: 10_000 });
    await sleep(100);
    expect(c.records().slice(20).map((r) => r.value).sort()).toEqual(Array.from({ length: 30 }, (_, i) => `warn live ${i}`).sort());
    c.ws.close();
  });

  it('closes with an error for an unknown topic or a bad query', async () => {
    const unknown = tail('topics=nope');
    await unknown.opened;
    expect(unknown.msgs[0]).toMatchObject({ type: 'error', error: { code: 'NOT_FOUND' } });
    const bad = tail('topics=tail-a&q=%22open');
    await bad.opened;
    expect(bad.msgs[0]).toMatchObject({ type: 'error', error: { code: 'BAD_REQUEST', message: expect.stringMatching(/column/) } });
  });

  it('a client that stops reading is skipped ahead with exact counts; the broker and other clients go on', async () => {
    await t.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'tail-c', partitions: 2 } });
    const slow = tail('topics=tail-c');
    const fast = tail('topics=tail-c');
    await Promise.all([slow.opened, fast.opened]);
    slow.ws.pause(); // reads nothing from its socket: the server's buffer for it fills
    // About 12,000 records/s (tails may spend only a tenth of the broker's time: a far faster producer would make
    // every client skip, told so exactly, which is not what this test is about).
    const N = 60_000;
    const pad = 'x'.repeat(500);
    const started = Date.now();
    let overviewMs = 0;
    const producing = (async () => {
      for (let i = 0; i < N; i += 1000) {
        const t0 = Date.now();
        await produce('tail-c', Array.from({ length: 1000 }, (_, j) => `r${i + j} ${pad}`), 2, 1000);
        await sleep(Math.max(0, 80 - (Date.now() - t0)));
      }
    })();
    // The API keeps answering while the slow client is stuck.
    const probe = (async () => {
      await sleep(300);
      const t0 = Date.now();
      expect((await t.api('/api/v1/overview')).status).toBe(200);
      overviewMs = Date.now() - t0;
    })();
    await Promise.all([producing, probe]);
    const produceMs = Date.now() - started;
    await waitUntil('the fast client to have everything', () => fast.records().length >= N, { timeoutMs: 60_000, details: () => `${fast.records().length}` });
    expect(fast.records()).toHaveLength(N);
    expect(fast.skipped()).toBe(0);
    expect(overviewMs).toBeLessThan(Math.max(1000, produceMs));
    // Now the slow client reads again: what it receives and what it was told it missed add up to what was produced.
    slow.ws.resume();
    await waitUntil('the slow client to account for every record', () => slow.records().length + slow.skipped() >= N, {
      timeoutMs: 60_000,
      details: () => `received ${slow.records().length}, skipped ${slow.skipped()}`,
    });
    await sleep(200);
    expect(slow.skipped()).toBeGreaterThan(0);
    expect(slow.records().length + slow.skipped()).toBe(N);
    // Each notice comes before the records after the gap, and names it exactly.
    for (const p of [0, 1]) {
      const seen: number[] = [];
      let expectNext = 0;
      for (const m of slow.msgs) {
        if (m.type === 'skipped' && m.partition === p) {
          expect(m.fromOffset).toBe(expectNext);
          expect(m.toOffset! - m.fromOffset!).toBe(m.count);
          expectNext = m.toOffset!;
        }
        for (const r of m.records ?? []) {
          if (r.partition !== p) continue;
          expect(r.offset).toBe(expectNext);
          expectNext = r.offset + 1;
          seen.push(r.offset);
        }
      }
      expect(expectNext).toBe(N / 2);
    }
    slow.ws.close();
    fast.ws.close();
  }, 120_000);

  it('a producer faster than tails may follow: every record is received or counted as skipped, exactly', async () => {
    await t.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'tail-d', partitions: 3 } });
    const a = tail('topics=tail-d');
    const b = tail('topics=tail-d&q=r1*');
    await Promise.all([a.opened, b.opened]);
    const N = 90_000;
    await produce('tail-d', Array.from({ length: N }, (_, i) => `r${i} ${'z'.repeat(100)}`), 3, 3000);
    await waitUntil('every record accounted for', () => a.records().length + a.skipped() >= N, { timeoutMs: 60_000, details: () => `received ${a.records().length}, skipped ${a.skipped()}` });
    await sleep(300);
    expect(a.records().length + a.skipped()).toBe(N);
    // The filtered client's skips are offsets too: what it received matches, and nothing it was not told about is missing.
    expect(b.records().every((r) => r.value.startsWith('r1'))).toBe(true);
    const skippedOffsets = new Set<string>();
    for (const m of b.msgs) if (m.type === 'skipped') for (let o = m.fromOffset!; o < m.toOffset!; o++) skippedOffsets.add(`${m.partition}/${o}`);
    const got = new Set(b.records().map((r) => `${r.partition}/${r.offset}`));
    for (let i = 0; i < N; i++) {
      if (!String(i).startsWith('1')) continue;
      const key = `${i % 3}/${Math.floor(i / 3)}`;
      expect(got.has(key) || skippedOffsets.has(key), key).toBe(true);
    }
    a.ws.close();
    b.ws.close();
  }, 120_000);
});
