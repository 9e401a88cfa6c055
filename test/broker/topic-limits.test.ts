// What clients may make the broker create: partitions in total (maxPartitions), auto-creations per second
// (topicCreationsPerSecond), and topic configs below Kafka's minimums (segment.bytes=14 made a file per batch).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Broker } from '../../src/broker/broker.js';
import { loadBrokerConfig, type BrokerConfig } from '../../src/broker/config.js';
import { silentLogger } from '../../src/common/logger.js';
import { buildRecordBatch } from '../../src/protocol/record-batch-builder.js';
import { CreatePartitionsRequest, CreatePartitionsResponse } from '../../src/protocol/schemas/create-partitions.js';
import { CreateTopicsRequest, CreateTopicsResponse } from '../../src/protocol/schemas/create-topics.js';
import { MetadataRequest, MetadataResponse } from '../../src/protocol/schemas/metadata.js';
import { ProduceRequest, ProduceResponse } from '../../src/protocol/schemas/produce.js';
import { WireClient } from '../helpers/wire-client.js';

let dir: string;
let broker: Broker | null = null;
let client: WireClient | null = null;

async function start(overrides: Partial<BrokerConfig>): Promise<WireClient> {
  broker = await Broker.start({ ...loadBrokerConfig({ dataDir: dir, kafka: '127.0.0.1:0' }), ...overrides }, silentLogger);
  client = await WireClient.connect(broker.address().port);
  return client;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tributary-topic-limits-'));
});
afterEach(async () => {
  client?.close();
  await broker?.stop();
  broker = null;
  client = null;
  rmSync(dir, { recursive: true, force: true });
});

const createTopic = (c: WireClient, name: string, numPartitions: number, configs: { name: string; value: string }[] = []) =>
  c.send(CreateTopicsRequest, CreateTopicsResponse, 5, { topics: [{ name, numPartitions, replicationFactor: 1, assignments: [], configs }], timeoutMs: 1000, validateOnly: false }).then((r) => r.topics[0]!);
const produce = (c: WireClient, topic: string) =>
  c
    .send(ProduceRequest, ProduceResponse, 9, { transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [{ name: topic, partitionData: [{ index: 0, records: buildRecordBatch([{ value: 'x' }]) }] }] })
    .then((r) => r.responses[0]!.partitionResponses[0]!);

describe('topic and partition limits', () => {
  it('maxPartitions counts every partition: CreateTopics, CreatePartitions, Produce and Metadata auto-creation get POLICY_VIOLATION past it', async () => {
    const c = await start({ maxPartitions: 6 });
    expect((await createTopic(c, 'four', 4)).errorCode).toBe(0);
    const tooMany = await createTopic(c, 'three', 3);
    expect(tooMany).toMatchObject({ errorCode: 44 });
    expect(tooMany.errorMessage).toMatch(/maxPartitions \(6\)/);
    const grow = await c.send(CreatePartitionsRequest, CreatePartitionsResponse, 2, { topics: [{ name: 'four', count: 7, assignments: null }], timeoutMs: 1000, validateOnly: false });
    expect(grow.results[0]!.errorCode).toBe(44);
    const validate = await c.send(CreatePartitionsRequest, CreatePartitionsResponse, 2, { topics: [{ name: 'four', count: 7, assignments: null }], timeoutMs: 1000, validateOnly: true });
    expect(validate.results[0]!.errorCode).toBe(44);
    expect((await produce(c, 'auto-1')).errorCode).toBe(0);
    expect((await produce(c, 'auto-2')).errorCode).toBe(0);
    expect(await produce(c, 'auto-3')).toMatchObject({ errorCode: 44, baseOffset: -1 });
    const md = await c.send(MetadataRequest, MetadataResponse, 9, { topics: [{ name: 'auto-4' }], allowAutoTopicCreation: true });
    expect(md.topics[0]).toMatchObject({ name: 'auto-4', errorCode: 44 });
    expect(broker!.logs.listTopics().map((t) => t.name).sort()).toEqual(['auto-1', 'auto-2', 'four']);
  });

  it('topicCreationsPerSecond: a Metadata request naming 50 new topics creates a burst of them; the rest get LEADER_NOT_AVAILABLE and come later', async () => {
    const c = await start({ topicCreationsPerSecond: 5 });
    const names = Array.from({ length: 50 }, (_, i) => `burst-${i}`);
    const started = Date.now();
    const md = await c.send(MetadataRequest, MetadataResponse, 9, { topics: names.map((name) => ({ name })), allowAutoTopicCreation: true });
    const seconds = (Date.now() - started) / 1000;
    const created = md.topics.filter((t) => t.errorCode === 0).length;
    expect(created).toBeGreaterThanOrEqual(10);
    expect(created).toBeLessThanOrEqual(10 + Math.ceil(seconds * 5)); // the burst of two seconds' worth, plus what refilled meanwhile
    expect(md.topics.filter((t) => t.errorCode === 5).length).toBe(50 - created);
    expect(broker!.logs.listTopics()).toHaveLength(created);
    // A client retrying gets the rest over time; produce to a topic not yet created also answers LEADER_NOT_AVAILABLE.
    const p = await produce(c, 'burst-49');
    expect([0, 5]).toContain(p.errorCode);
    await new Promise((r) => setTimeout(r, 1100));
    const again = await c.send(MetadataRequest, MetadataResponse, 9, { topics: names.map((name) => ({ name })), allowAutoTopicCreation: true });
    expect(again.topics.filter((t) => t.errorCode === 0).length).toBeGreaterThanOrEqual(created + 5);
  });

  it('topicCreationsPerSecond: CreateTopics with 30 topics creates a burst and answers THROTTLING_QUOTA_EXCEEDED for the rest', async () => {
    const c = await start({ topicCreationsPerSecond: 5 });
    const started = Date.now();
    const res = await c.send(CreateTopicsRequest, CreateTopicsResponse, 5, {
      topics: Array.from({ length: 30 }, (_, i) => ({ name: `many-${i}`, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] })),
      timeoutMs: 1000,
      validateOnly: false,
    });
    const seconds = (Date.now() - started) / 1000;
    const created = res.topics.filter((t) => t.errorCode === 0).length;
    expect(created).toBeGreaterThanOrEqual(10);
    expect(created).toBeLessThanOrEqual(10 + Math.ceil(seconds * 5));
    const throttled = res.topics.filter((t) => t.errorCode === 89);
    expect(throttled).toHaveLength(30 - created);
    expect(throttled[0]!.errorMessage).toMatch(/topicCreationsPerSecond/);
  });

  it('topic configs below Kafka\'s minimums (segment.bytes=14) are INVALID_CONFIG in CreateTopics and a config error in topicDefaults', async () => {
    const c = await start({});
    for (const [name, value] of [['segment.bytes', '14'], ['segment.ms', '1'], ['segment.index.bytes', '4']]) {
      const res = await createTopic(c, `tiny-${name.replace(/\./g, '-')}`, 1, [{ name: name!, value: value! }]);
      expect(res).toMatchObject({ errorCode: 40 });
      expect(res.errorMessage).toMatch(new RegExp(`${name!.replace(/\./g, '\\.')}=${value} is below the minimum`));
    }
    expect((await createTopic(c, 'one-mib-segments', 1, [{ name: 'segment.bytes', value: String(1024 * 1024) }])).errorCode).toBe(0);
    c.close();
    await broker!.stop();
    broker = null;
    client = null;
    await expect(Broker.start({ ...loadBrokerConfig({ dataDir: dir, kafka: '127.0.0.1:0' }), topicDefaults: { 'segment.bytes': '14' } }, silentLogger)).rejects.toThrow(/topicDefaults: segment\.bytes=14 is below the minimum/);
  });
});
