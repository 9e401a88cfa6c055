// kafkajs 2.2.4 against a real `tributary serve`: the admin API, plain / gzip / idempotent producers. What kafkajs
// wrote is read back with kcat — an independent decoder, no consumer group involved (groups have their own tests) —
// and the stored batches are inspected through a raw Fetch with our own codec.
import { CompressionTypes, ConfigResourceTypes, Kafka, logLevel, type Admin, type Message, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compressionOf } from '../../src/protocol/record-batch.js';
import { ProduceRequest, ProduceResponse } from '../../src/protocol/schemas/produce.js';
import { startBroker, stopAllBrokers, type BrokerProcess } from '../helpers/broker-process.js';
import { fetchOnce, readBatches } from '../helpers/read-partition.js';
import { KCAT, requireTools } from '../helpers/require-tool.js';
import { assertOk, runTool } from '../helpers/run-tool.js';
import { WireClient } from '../helpers/wire-client.js';

const kcatAvailable = requireTools(KCAT);

let broker: BrokerProcess;
let kafka: Kafka;

beforeAll(async () => {
  broker = await startBroker();
  kafka = new Kafka({ clientId: 'compat-kafkajs', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 3, initialRetryTime: 100 } });
}, 30_000);
afterAll(async () => {
  await stopAllBrokers();
});

describe('kafkajs admin', () => {
  let admin: Admin;
  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.disconnect();
  });

  it('creates, lists, describes, reports offsets of and deletes topics', async () => {
    expect(
      await admin.createTopics({
        topics: [{ topic: 'js-admin', numPartitions: 3, replicationFactor: 1, configEntries: [{ name: 'retention.ms', value: '123456789' }] }],
      }),
    ).toBe(true);
    // Already there: kafkajs swallows TOPIC_ALREADY_EXISTS and reports false.
    expect(await admin.createTopics({ topics: [{ topic: 'js-admin', numPartitions: 3 }] })).toBe(false);
    expect(await admin.listTopics()).toContain('js-admin');

    const md = await admin.fetchTopicMetadata({ topics: ['js-admin'] });
    expect(md.topics).toHaveLength(1);
    expect(md.topics[0]!.name).toBe('js-admin');
    expect([...md.topics[0]!.partitions].sort((a, b) => a.partitionId - b.partitionId)).toEqual(
      [0, 1, 2].map((p) => expect.objectContaining({ partitionErrorCode: 0, partitionId: p, leader: 1, replicas: [1], isr: [1] })),
    );

    const producer = kafka.producer();
    await producer.connect();
    try {
      await producer.send({ topic: 'js-admin', messages: Array.from({ length: 7 }, (_, i) => ({ value: `v${i}`, partition: 1 })) });
    } finally {
      await producer.disconnect();
    }
    const offsets = [...(await admin.fetchTopicOffsets('js-admin'))].sort((a, b) => a.partition - b.partition);
    expect(offsets).toEqual([
      { partition: 0, offset: '0', high: '0', low: '0' },
      { partition: 1, offset: '7', high: '7', low: '0' },
      { partition: 2, offset: '0', high: '0', low: '0' },
    ]);

    const configs = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: 'js-admin' }], includeSynonyms: false });
    expect(configs.resources).toHaveLength(1);
    const res = configs.resources[0]!;
    expect(res.errorCode).toBe(0);
    const byName = new Map(res.configEntries.map((e) => [e.configName, e]));
    expect(byName.get('retention.ms')).toMatchObject({ configValue: '123456789', isDefault: false });
    expect(byName.get('cleanup.policy')).toMatchObject({ configValue: 'delete' });

    await admin.deleteTopics({ topics: ['js-admin'] });
    expect(await admin.listTopics()).not.toContain('js-admin');
  }, 60_000);

  it('rejects a replication factor the single broker cannot provide', async () => {
    const err = await admin.createTopics({ topics: [{ topic: 'js-rf3', numPartitions: 1, replicationFactor: 3 }] }).then(
      () => null,
      (e: { errors?: { type?: string }[]; type?: string }) => e,
    );
    expect(err).not.toBeNull();
    const types = [err!.type, ...(err!.errors ?? []).map((e) => e.type)];
    expect(types).toContain('INVALID_REPLICATION_FACTOR');
    expect(await admin.listTopics()).not.toContain('js-rf3');
  });
});

describe.skipIf(!kcatAvailable)('kafkajs producers, read back with kcat', () => {
  interface KcatJson { partition: number; offset: number; key: string | null; payload: string | null; headers?: string[] }
  const kcatRead = async (topic: string): Promise<KcatJson[]> => {
    const r = assertOk(await runTool('kcat', ['-b', broker.bootstrap, '-m', '15', '-C', '-t', topic, '-e', '-J', '-q'], { timeoutMs: 60_000 }), `kcat -C -t ${topic}`);
    return r.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as KcatJson);
  };
  const messages = (tag: string, from: number, count: number): Message[] =>
    Array.from({ length: count }, (_, i) => ({ key: `k-${tag}-${from + i}`, value: `v-${tag}-${from + i}-${'y'.repeat((from + i) % 40)}`, headers: { tag, n: String(from + i) } }));

  async function produceAll(producer: Producer, topic: string, tag: string, compression: CompressionTypes, sends: number, perSend: number): Promise<number[]> {
    const baseOffsets: number[] = [];
    for (let s = 0; s < sends; s++) {
      const md = await producer.send({ topic, compression, acks: -1, messages: messages(tag, s * perSend, perSend).map((m) => ({ ...m, partition: 0 })) });
      expect(md).toHaveLength(1);
      expect(md[0]!.errorCode).toBe(0);
      baseOffsets.push(Number(md[0]!.baseOffset));
    }
    return baseOffsets;
  }

  function expectExact(got: KcatJson[], tag: string, count: number): void {
    expect(got.map((m) => m.offset)).toEqual(Array.from({ length: count }, (_, i) => i));
    const want = messages(tag, 0, count);
    expect(got.map((m) => ({ key: m.key, payload: m.payload, headers: m.headers }))).toEqual(
      want.map((m) => ({ key: m.key, payload: m.value, headers: ['tag', tag, 'n', (m.headers as Record<string, string>).n] })),
    );
  }

  it.each([
    ['none', CompressionTypes.None],
    ['gzip', CompressionTypes.GZIP],
  ] as const)('compression %s: acknowledged offsets, stored batches and kcat read-back agree', async (name, compression) => {
    const topic = `js-${name}`;
    const producer = kafka.producer({ allowAutoTopicCreation: true });
    await producer.connect();
    let baseOffsets: number[];
    try {
      baseOffsets = await produceAll(producer, topic, name, compression, 20, 250);
    } finally {
      await producer.disconnect();
    }
    expect(baseOffsets).toEqual(Array.from({ length: 20 }, (_, i) => i * 250));
    expectExact(await kcatRead(topic), name, 5000);
    const client = await WireClient.connect(broker.port, broker.host);
    try {
      const { batches } = await readBatches(client, topic, 0);
      expect(batches.map((b) => b.header.baseOffset)).toEqual(baseOffsets);
      expect(new Set(batches.map((b) => compressionOf(b.header.attributes)))).toEqual(new Set([name]));
    } finally {
      client.close();
    }
  }, 120_000);

  it('idempotent producer: one producer id, consecutive sequences, a replayed batch is not stored twice', async () => {
    const topic = 'js-idempotent';
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: true });
    await producer.connect();
    try {
      await produceAll(producer, topic, 'idem', CompressionTypes.None, 10, 100);
    } finally {
      await producer.disconnect();
    }
    expectExact(await kcatRead(topic), 'idem', 1000);

    const client = await WireClient.connect(broker.port, broker.host);
    try {
      const { batches, highWatermark } = await readBatches(client, topic, 0);
      expect(highWatermark).toBe(1000);
      expect(batches).toHaveLength(10);
      const pid = batches[0]!.header.producerId;
      expect(pid).toBeGreaterThanOrEqual(0);
      expect(batches.map((b) => [b.header.producerId, b.header.producerEpoch, b.header.baseSequence])).toEqual(
        batches.map((_, i) => [pid, 0, i * 100]),
      );
      // Re-send the last batch as a retrying producer would: acknowledged with its original offset, not appended.
      const last = Buffer.from(batches[9]!.bytes);
      last.writeBigInt64BE(0n, 0);
      const res = await client.send(ProduceRequest, ProduceResponse, 7, {
        transactionalId: null,
        acks: -1,
        timeoutMs: 5000,
        topicData: [{ name: topic, partitionData: [{ index: 0, records: last }] }],
      });
      expect(res.responses[0]!.partitionResponses[0]).toMatchObject({ errorCode: 0, baseOffset: 900 });
      expect((await fetchOnce(client, topic, 0, 0)).highWatermark).toBe(1000);
    } finally {
      client.close();
    }
  }, 120_000);
});
