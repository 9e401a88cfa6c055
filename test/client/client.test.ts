// Tributary's own Kafka client against a real `tributary serve` on port 0: topic admin, offsets, producing, and
// fetching batches that kcat (librdkafka) compressed with each of Kafka's four codecs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaClient } from '../../src/client/client.js';
import { KafkaError, OffsetOutOfRangeError } from '../../src/client/errors.js';
import type { FetchedRecord } from '../../src/client/fetcher.js';
import { compressionOf } from '../../src/protocol/record-batch.js';
import { startBroker, stopAllBrokers, type BrokerProcess } from '../helpers/broker-process.js';
import { readBatches } from '../helpers/read-partition.js';
import { KCAT, requireTools } from '../helpers/require-tool.js';
import { assertOk, runTool } from '../helpers/run-tool.js';
import { waitUntil } from '../helpers/wait-until.js';
import { WireClient } from '../helpers/wire-client.js';

let broker: BrokerProcess;
let client: KafkaClient;

beforeAll(async () => {
  broker = await startBroker();
  client = new KafkaClient({ bootstrap: [broker.bootstrap], clientId: 'client-test' });
}, 30_000);

afterAll(async () => {
  await client?.close();
  await stopAllBrokers();
});

/** Every record of `partitions` from offset 0 to the current end, through the client's fetcher. */
async function readAll(topic: string, partitions: number[]): Promise<Map<number, FetchedRecord[]>> {
  const ends = await client.offsets.list(topic, 'latest');
  const positions = new Map(partitions.map((p) => [p, 0]));
  const out = new Map(partitions.map((p) => [p, [] as FetchedRecord[]]));
  for (let round = 0; round < 1_000 && [...positions].some(([p, o]) => o < ends.get(p)!); round++) {
    const active = new Map([...positions].filter(([p, o]) => o < ends.get(p)!));
    for (const f of await client.fetcher(topic).fetch(active, 100)) {
      out.get(f.partition)!.push(...f.records);
      positions.set(f.partition, f.nextOffset);
    }
  }
  return out;
}

const text = (b: Buffer | null) => (b === null ? null : b.toString('utf8'));

describe('admin', () => {
  it('creates, lists, describes, grows and deletes a topic', async () => {
    const created = await client.admin.createTopic({ name: 'adm', partitions: 3, configs: [['retention.ms', '3600000']] });
    expect(created.partitions.map((p) => p.partition)).toEqual([0, 1, 2]);
    for (const p of created.partitions) {
      expect(p.leader).toBeGreaterThanOrEqual(0);
      expect(p.replicas).toEqual([p.leader]);
      expect(p.isr).toEqual([p.leader]);
    }
    expect(await client.admin.listTopics()).toContain('adm');

    const configs = (await client.admin.describeTopicConfigs(['adm'])).get('adm')!;
    expect(configs.find((c) => c.name === 'retention.ms')).toMatchObject({ value: '3600000', isDefault: false });
    expect(configs.filter((c) => !c.isDefault).map((c) => c.name)).toEqual(['retention.ms']);

    expect((await client.admin.createPartitions('adm', 5)).partitions).toHaveLength(5);
    expect((await client.admin.describeTopics(['adm']))[0]!.partitions).toHaveLength(5);

    await client.admin.deleteTopic('adm');
    expect(await client.admin.listTopics()).not.toContain('adm');
  }, 30_000);

  it('reports Kafka errors by name, with what to do', async () => {
    await client.admin.createTopic({ name: 'adm-dup' });
    const dup = await client.admin.createTopic({ name: 'adm-dup' }).catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(KafkaError);
    expect(dup).toMatchObject({ type: 'TOPIC_ALREADY_EXISTS', code: 36, retriable: false });
    expect((dup as Error).message).toBe('topic "adm-dup" already exists — see it with `tributary topics describe adm-dup`');

    const missing = await client.admin.describeTopics(['adm-none']).catch((e: unknown) => e);
    expect(missing).toMatchObject({ type: 'UNKNOWN_TOPIC_OR_PARTITION', subject: { topic: 'adm-none' } });
    expect((missing as Error).message).toMatch(/^topic "adm-none" does not exist — create it with `tributary topics create adm-none`$/);
    await expect(client.admin.deleteTopic('adm-none')).rejects.toMatchObject({ type: 'UNKNOWN_TOPIC_OR_PARTITION' });
    await expect(client.admin.createPartitions('adm-dup', 1)).rejects.toBeInstanceOf(KafkaError);
  }, 30_000);
});

describe('producer, offsets and fetcher', () => {
  it('sends keyed records with headers to the partition Kafka\'s Java client would choose, and reads them back', async () => {
    await client.admin.createTopic({ name: 'keys', partitions: 4 });
    const producer = client.producer();
    await producer.send('keys', ['alpha', 'beta', 'gamma', 'delta', 'alpha'].map((key, i) => ({ key, value: `v${i}`, headers: [['h', 'x'], ['h', `y${i}`]] })));

    // kcat with librdkafka's murmur2 partitioner is the Java client's choice: same key, same partition.
    if (requireTools(KCAT)) {
      const input = ['alpha', 'beta', 'gamma', 'delta'].map((k) => `${k}:kcat-${k}`).join('\n');
      assertOk(await runTool('kcat', ['-P', '-b', broker.bootstrap, '-t', 'keys', '-K:', '-X', 'partitioner=murmur2_random'], { input }), 'kcat -P');
    }
    const all = await readAll('keys', [0, 1, 2, 3]);
    const partitionOf = new Map<string, Set<number>>();
    for (const [partition, records] of all) for (const r of records) partitionOf.set(text(r.key)!, new Set([...(partitionOf.get(text(r.key)!) ?? []), partition]));
    for (const [key, partitions] of partitionOf) expect([key, partitions.size]).toEqual([key, 1]);

    const ours = [...all.values()].flat().filter((r) => text(r.value)!.startsWith('v')).sort((a, b) => text(a.value)!.localeCompare(text(b.value)!));
    expect(ours.map((r) => [text(r.key), text(r.value), r.headers.map(([k, v]) => `${k}=${text(v)}`)])).toEqual(
      ['alpha', 'beta', 'gamma', 'delta', 'alpha'].map((key, i) => [key, `v${i}`, ['h=x', `h=y${i}`]]),
    );
  }, 30_000);

  it('compresses with gzip when asked, readable by kcat too', async () => {
    await client.admin.createTopic({ name: 'gz' });
    await client.producer({ compression: 'gzip' }).send('gz', Array.from({ length: 100 }, (_, i) => ({ value: `line ${i} ${'z'.repeat(50)}` })));
    const wire = await WireClient.connect(broker.port, broker.host);
    try {
      const { batches } = await readBatches(wire, 'gz', 0);
      expect(batches.map((b) => compressionOf(b.header.attributes))).toEqual(['gzip']);
    } finally {
      wire.close();
    }
    expect((await readAll('gz', [0])).get(0)!.map((r) => text(r.value))).toEqual(Array.from({ length: 100 }, (_, i) => `line ${i} ${'z'.repeat(50)}`));
    if (requireTools(KCAT)) {
      const r = assertOk(await runTool('kcat', ['-C', '-b', broker.bootstrap, '-t', 'gz', '-e', '-q']), 'kcat -C');
      expect(r.stdout.trim().split('\n')).toHaveLength(100);
    }
  }, 30_000);

  it('acks=0 and acks=1 deliver too', async () => {
    await client.admin.createTopic({ name: 'acks' });
    await client.producer({ acks: 1 }).send('acks', [{ value: 'one' }]);
    await client.producer({ acks: 0 }).send('acks', [{ value: 'zero' }]);
    await waitUntil('the acks=0 record to arrive', async () => (await client.offsets.list('acks', 'latest')).get(0) === 2, { timeoutMs: 10_000 });
    expect((await readAll('acks', [0])).get(0)!.map((r) => text(r.value))).toEqual(['one', 'zero']);
  }, 30_000);

  it('lists earliest, latest and by-timestamp offsets', async () => {
    await client.admin.createTopic({ name: 'times', partitions: 2 });
    const producer = client.producer();
    await producer.send('times', [1_000, 2_000, 3_000].map((timestamp, i) => ({ value: `t${i}`, timestamp, partition: 0 })));
    await producer.send('times', [{ value: 'p1', timestamp: 5_000, partition: 1 }]);
    expect(await client.offsets.list('times', 'earliest')).toEqual(new Map([[0, 0], [1, 0]]));
    expect(await client.offsets.list('times', 'latest')).toEqual(new Map([[0, 3], [1, 1]]));
    expect(await client.offsets.list('times', { timestamp: 1_500 })).toEqual(new Map([[0, 1], [1, 0]]));
    expect(await client.offsets.list('times', { timestamp: 3_000 }, [0])).toEqual(new Map([[0, 2]]));
    // Later than every record: the log end, where a reader would wait.
    expect(await client.offsets.list('times', { timestamp: 10_000 })).toEqual(new Map([[0, 3], [1, 1]]));
    expect(await client.offsets.ranges('times')).toEqual(new Map([[0, { partition: 0, low: 0, high: 3 }], [1, { partition: 1, low: 0, high: 1 }]]));
    const fetched = await client.fetcher('times').fetch(new Map([[0, 1]]), 0);
    expect(fetched[0]!.records.map((r) => [r.offset, r.timestamp, text(r.value)])).toEqual([[1, 2_000, 't1'], [2, 3_000, 't2']]);
    expect(fetched[0]).toMatchObject({ nextOffset: 3, highWatermark: 3, logStartOffset: 0 });
  }, 30_000);

  it('says which partition an out-of-range offset is in, and refuses a partition that does not exist', async () => {
    await client.admin.createTopic({ name: 'range', partitions: 2 });
    const err = await client.fetcher('range').fetch(new Map([[0, 0], [1, 50]]), 0).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OffsetOutOfRangeError);
    expect((err as OffsetOutOfRangeError).subject).toEqual({ topic: 'range', partition: 1 });
    await expect(client.fetcher('range').fetch(new Map([[7, 0]]), 0)).rejects.toMatchObject({ type: 'UNKNOWN_TOPIC_OR_PARTITION' });
    await expect(client.producer().send('range', [{ value: 'x', partition: 7 }])).rejects.toMatchObject({ type: 'UNKNOWN_TOPIC_OR_PARTITION' });
  }, 30_000);
});

describe.skipIf(!requireTools(KCAT))('batches compressed by kcat', () => {
  const COUNT = 2_000;
  const lines = Array.from({ length: COUNT }, (_, i) => `key-${i % 7}\tvalue ${i} ${'abc'.repeat(i % 40)} ✓`);

  it.each(['gzip', 'snappy', 'lz4', 'zstd'] as const)('%s', async (codec) => {
    const topic = `kcat-${codec}`;
    await client.admin.createTopic({ name: topic });
    assertOk(
      await runTool('kcat', ['-P', '-b', broker.bootstrap, '-t', topic, '-z', codec, '-K\t', '-H', 'origin=kcat', '-X', 'linger.ms=50'], { input: `${lines.join('\n')}\n` }),
      `kcat -P -z ${codec}`,
    );
    // The batches really are compressed with that codec, as stored and served.
    const wire = await WireClient.connect(broker.port, broker.host);
    try {
      const { batches } = await readBatches(wire, topic, 0);
      expect(new Set(batches.map((b) => compressionOf(b.header.attributes)))).toEqual(new Set([codec]));
    } finally {
      wire.close();
    }
    const records = (await readAll(topic, [0])).get(0)!;
    expect(records.map((r) => r.offset)).toEqual(Array.from({ length: COUNT }, (_, i) => i));
    expect(records.map((r) => `${text(r.key)}\t${text(r.value)}`)).toEqual(lines);
    for (const r of records) expect(r.headers.map(([k, v]) => [k, text(v)])).toEqual([['origin', 'kcat']]);
  }, 60_000);
});
