// GET /api/v1/overview/history against a real `serve`: records produced over Kafka to its broker show up as a non-zero
// rate at a point after the produce; the history is bounded, ascending, and its points are what the overview reported.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaClient } from '../../src/client/index.js';
import { waitUntil } from '../helpers/wait-until.js';
import { startApp, type TestApp } from './helpers.js';

interface History {
  timestamps: number[];
  recordsInPerSec: number[];
  recordsOutPerSec: number[];
  bytesInPerSec: number[];
  bytesOutPerSec: number[];
}

let t: TestApp;
let client: KafkaClient;

beforeAll(async () => {
  t = await startApp();
  client = new KafkaClient({ bootstrap: [t.kafka], clientId: 'history-test' });
});
afterAll(async () => {
  await client?.close();
  await t?.stop();
});

describe('overview history', () => {
  it('shows records produced to the broker as a rate after the produce, in at most 300 ascending points', async () => {
    await t.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'hist-a', partitions: 2 } });
    const before = Date.now();
    const p = client.producer();
    for (let i = 0; i < 10; i++) await p.send('hist-a', Array.from({ length: 100 }, (_, j) => ({ value: `line ${i * 100 + j} of the history test`, partition: j % 2 })));
    const after = Date.now();

    let h: History = await t.call('/api/v1/overview/history', 200);
    const busyAfter = (x: History) => x.timestamps.findIndex((ts, i) => ts > before && x.recordsInPerSec[i]! > 0);
    // Sampled once a second; the produce's records count from the first sample after them.
    await waitUntil(
      'a point after the produce with records in',
      async () => busyAfter((h = await t.call('/api/v1/overview/history', 200))) >= 0,
      { timeoutMs: 20_000, intervalMs: 250, details: () => JSON.stringify({ before, after, h }) },
    );
    const i = busyAfter(h);
    expect(h.bytesInPerSec[i]).toBeGreaterThan(0);
    expect(h.timestamps.length).toBeGreaterThan(0);
    expect(h.timestamps.length).toBeLessThanOrEqual(300);
    for (const col of [h.recordsInPerSec, h.recordsOutPerSec, h.bytesInPerSec, h.bytesOutPerSec]) expect(col.length).toBe(h.timestamps.length);
    for (let k = 1; k < h.timestamps.length; k++) expect(h.timestamps[k]).toBeGreaterThan(h.timestamps[k - 1]!);
    // Nothing was produced before the test: the server's earliest points (before the produce began) are quiet.
    const quiet = h.timestamps.findIndex((ts) => ts < before);
    if (quiet >= 0) expect(h.recordsInPerSec[quiet]).toBe(0);

    // The overview's rates are the history's point at its `ratesAt`, so a chart can go on from one to the other.
    const o = await t.call('/api/v1/overview', 200);
    const later: History = await t.call('/api/v1/overview/history', 200);
    const at = later.timestamps.indexOf(o.ratesAt);
    expect(at, `ratesAt ${o.ratesAt} among ${later.timestamps.slice(-5).join(',')}`).toBeGreaterThanOrEqual(0);
    expect(later.recordsInPerSec[at]).toBe(o.rates.recordsInPerSec);
    expect(later.bytesInPerSec[at]).toBe(o.rates.bytesInPerSec);
    expect(later.recordsOutPerSec[at]).toBe(o.rates.recordsOutPerSec);

    expect((await t.api('/api/v1/overview/history', { auth: false })).status).toBe(401);
  });
});
