// A capture round trip through the API, as the GUI does it: the Messages export (NDJSON) of a topic holding binary
// keys, values and headers, POSTed to another topic's import, gives back the very same records, partition by
// partition; a search export imports too; a bad line stops with its number and says how much went in before it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaClient } from '../../src/client/client.js';
import type { ProducerRecord } from '../../src/client/producer.js';
import { readTopicHex } from '../helpers/read-topic-hex.js';
import { startApp, type TestApp } from './helpers.js';

let t: TestApp;
let client: KafkaClient;
const T0 = Date.UTC(2026, 1, 1);

const readAll = (topic: string) => readTopicHex(client, topic);

const importBody = (topic: string, body: string, query = '') =>
  t.api(`/api/v1/topics/${topic}/import${query}`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });

beforeAll(async () => {
  t = await startApp();
  client = new KafkaClient({ bootstrap: [t.kafka], clientId: 'import-test' });
  for (const name of ['src', 'dst']) await t.call('/api/v1/topics', 201, { method: 'POST', json: { name, partitions: 2 } });
  const records: ProducerRecord[] = Array.from({ length: 50 }, (_, i) => ({
    partition: i % 2,
    timestamp: T0 + i * 1000,
    key: i % 3 === 0 ? Buffer.from([0xff, i]) : `k${i}`,
    value: i % 4 === 0 ? Buffer.from([0x80, 0x00, i]) : JSON.stringify({ level: i % 5 === 0 ? 'error' : 'info', i }),
    headers: [['h', Buffer.from([0xfe, i])], ['h', 'twice'], ['nothing', null]],
  }));
  await client.producer().send('src', records);
}, 60_000);
afterAll(async () => {
  await client?.close();
  await t?.stop();
});

describe('POST /api/v1/topics/{name}/import', () => {
  it('takes back the Messages export byte for byte, each record in its own partition', async () => {
    const res = await t.api('/api/v1/topics/src/messages/export?seek=oldest&format=ndjson');
    expect(res.status).toBe(200);
    const exported = await res.text();
    expect(exported.trim().split('\n')).toHaveLength(50);
    const r = await importBody('dst', exported);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ topic: 'dst', imported: 50 });
    expect(await readAll('dst')).toEqual(await readAll('src'));
  });

  it('imports a search export by key into a topic with one partition', async () => {
    await t.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'errors', partitions: 1 } });
    const res = await t.api(`/api/v1/search/export?q=${encodeURIComponent('level:error')}&topics=src&from=${T0 - 1000}&to=${T0 + 100_000}&format=ndjson`);
    expect(res.status).toBe(200);
    const lines = (await res.text()).trim().split('\n');
    // level:error: i % 5 === 0 and a JSON value (i % 4 !== 0): 5, 10, 15, 25, 30, 35, 45.
    expect(lines.map((l) => JSON.parse(JSON.parse(l).value).i).sort((a: number, b: number) => a - b)).toEqual([5, 10, 15, 25, 30, 35, 45]);
    const keep = await importBody('errors', lines.join('\n'));
    expect(keep.status).toBe(400);
    expect((await keep.json()).error.message).toMatch(/line \d+: a record of partition 1 but topic errors has 1; .*partitions=key; 0 records before it were imported/);
    const byKey = await importBody('errors', lines.join('\n'), '?partitions=key');
    expect(await byKey.json()).toEqual({ topic: 'errors', imported: 7 });
  });

  it('stops at a bad line with its number and what went in before it; unknown topic is 404', async () => {
    await t.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'bad', partitions: 1 } });
    const body = `${JSON.stringify({ value: 'one' })}\n${JSON.stringify({ value: 'two' })}\n{"value":\n`;
    const r = await importBody('bad', body);
    expect(r.status).toBe(400);
    expect((await r.json()).error.message).toMatch(/^line 3: not JSON .*; 0 records before it were imported/);
    expect((await importBody('nope', body)).status).toBe(404);
    expect((await t.api('/api/v1/topics/bad/import', { method: 'POST', auth: false, headers: { 'content-type': 'application/x-ndjson' }, body })).status).toBe(401);
  });
});
