import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Broker } from '../../src/broker/broker.js';
import { loadBrokerConfig } from '../../src/broker/config.js';
import { silentLogger } from '../../src/common/logger.js';
import { IngestError } from '../../src/ingest/errors.js';
import { LocalProducer } from '../../src/ingest/local-producer.js';
import { murmur2, partitionForKey } from '../../src/protocol/murmur2.js';
import { readBatches, readRecords } from '../helpers/read-partition.js';
import { WireClient } from '../helpers/wire-client.js';
import { headersOf } from './helpers.js';

describe('murmur2', () => {
  it("matches Kafka's test vectors (UtilsTest)", () => {
    const vectors: [string, number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [s, h] of vectors) expect(murmur2(Buffer.from(s))).toBe(h);
    expect(partitionForKey(Buffer.from('foobar'), 6)).toBe((-790332482 & 0x7fffffff) % 6);
  });
});

describe('LocalProducer', () => {
  let dir: string;
  let broker: Broker;
  let client: WireClient;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tributary-local-producer-'));
    broker = await Broker.start({ ...loadBrokerConfig({ dataDir: dir, kafka: '127.0.0.1:0' }), defaultPartitions: 4 }, silentLogger);
    client = await WireClient.connect(broker.address().port);
  });
  afterEach(async () => {
    client.close();
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('auto-creates the topic with the broker defaults and writes one batch per partition per call', async () => {
    const p = new LocalProducer(broker);
    const keyed = ['a', 'b', 'c', 'd', 'e', 'f'].map((k, i) => ({ value: `v${i}`, key: k, timestamp: 1000 + i, headers: { host: 'h', n: String(i) } }));
    await p.write('ingest-test', keyed);
    expect(broker.logs.getTopic('ingest-test')?.partitions).toBe(4);
    let total = 0;
    for (let part = 0; part < 4; part++) {
      const { batches } = await readBatches(client, 'ingest-test', part);
      const { records } = await readRecords(client, 'ingest-test', part);
      expect(batches.length).toBeLessThanOrEqual(1);
      for (const r of records) {
        expect(partitionForKey(r.key!, 4)).toBe(part);
        const i = Number(headersOf(r).n);
        expect([r.key!.toString(), r.value!.toString(), r.timestamp, headersOf(r)]).toEqual([keyed[i]!.key, `v${i}`, 1000 + i, { host: 'h', n: String(i) }]);
      }
      total += records.length;
    }
    expect(total).toBe(6);
    expect(p.stats).toMatchObject({ records: 6 });
  });

  it('keeps unkeyed records of one call together and moves to the next partition on the next call', async () => {
    const p = new LocalProducer(broker);
    const rec = (v: string) => ({ value: v, key: null, timestamp: 1, headers: {} });
    for (let call = 0; call < 5; call++) await p.write('sticky', [rec(`${call}-a`), rec(`${call}-b`)]);
    const seen: string[][] = [];
    for (let part = 0; part < 4; part++) seen.push((await readRecords(client, 'sticky', part)).records.map((r) => r.value!.toString()));
    expect(seen).toEqual([['0-a', '0-b', '4-a', '4-b'], ['1-a', '1-b'], ['2-a', '2-b'], ['3-a', '3-b']]);
  });

  it('preserves call order for a topic being created', async () => {
    const p = new LocalProducer(broker);
    await broker.logs.createTopic('one', 1, {});
    const writes = [];
    for (let i = 0; i < 20; i++) writes.push(p.write(i % 2 ? 'one' : 'fresh', [{ value: String(i), key: null, timestamp: 1, headers: {} }]));
    await Promise.all(writes);
    const fresh = [];
    for (let part = 0; part < 4; part++) fresh.push(...(await readRecords(client, 'fresh', part)).records.map((r) => Number(r.value!.toString())));
    expect(fresh.sort((a, b) => a - b)).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
    expect((await readRecords(client, 'one', 0)).records.map((r) => Number(r.value!.toString()))).toEqual([1, 3, 5, 7, 9, 11, 13, 15, 17, 19]);
  });

  it('splits a call into several batches when one would exceed max.message.bytes, and refuses a record too big alone', async () => {
    await broker.logs.createTopic('small', 1, { 'max.message.bytes': '2000' });
    const p = new LocalProducer(broker);
    const records = Array.from({ length: 50 }, (_, i) => ({ value: `${i}`.padEnd(100, '.'), key: null, timestamp: 1, headers: {} }));
    await p.write('small', records);
    const { batches } = await readBatches(client, 'small', 0);
    expect(batches.length).toBeGreaterThan(2);
    for (const b of batches) expect(b.bytes.length).toBeLessThanOrEqual(2012);
    expect((await readRecords(client, 'small', 0)).records.map((r) => r.value!.toString())).toEqual(records.map((r) => r.value));
    const err = await p.write('small', [{ value: 'x'.repeat(3000), key: null, timestamp: 1, headers: {} }]).catch((e) => e);
    expect(err).toBeInstanceOf(IngestError);
    expect(err).toMatchObject({ status: 413, message: expect.stringMatching(/exceeds max.message.bytes=2000 of topic small/) });
  });

  it('says how to fix an unknown topic when auto-creation is off, and refuses bad names', async () => {
    await broker.stop();
    broker = await Broker.start({ ...loadBrokerConfig({ dataDir: dir, kafka: '127.0.0.1:0' }), autoCreateTopics: false }, silentLogger);
    const p = new LocalProducer(broker);
    await expect(p.write('nope', [{ value: 'x', key: null, timestamp: 1, headers: {} }])).rejects.toMatchObject({
      status: 404,
      message: 'topic nope does not exist and autoCreateTopics is false; create it first (tributary topics create nope)',
    });
    await expect(p.write('bad name', [{ value: 'x', key: null, timestamp: 1, headers: {} }])).rejects.toMatchObject({ status: 400 });
  });
});
