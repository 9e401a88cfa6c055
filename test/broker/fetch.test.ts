// Fetch against an in-process broker: KIP-74 limits, a partition named twice, the response budget bounding what is
// read from disk (counted at PartitionLog.read), and long-poll wake-ups that read only what was appended.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Broker } from '../../src/broker/broker.js';
import { loadBrokerConfig } from '../../src/broker/config.js';
import { silentLogger } from '../../src/common/logger.js';
import { buildRecordBatch } from '../../src/protocol/record-batch-builder.js';
import { decodeBatches } from '../../src/protocol/record-decoder.js';
import { CreateTopicsRequest, CreateTopicsResponse } from '../../src/protocol/schemas/create-topics.js';
import { FetchRequest, FetchResponse } from '../../src/protocol/schemas/fetch.js';
import { ProduceRequest, ProduceResponse } from '../../src/protocol/schemas/produce.js';
import { PartitionLog } from '../../src/storage/index.js';
import { WireClient } from '../helpers/wire-client.js';

let dir: string;
let broker: Broker;
let client: WireClient;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tributary-fetch-'));
  broker = await Broker.start(loadBrokerConfig({ dataDir: dir, kafka: '127.0.0.1:0' }), silentLogger);
  client = await WireClient.connect(broker.address().port);
});
afterEach(async () => {
  vi.restoreAllMocks();
  client.close();
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function createTopic(name: string, partitions: number): Promise<void> {
  const res = await client.send(CreateTopicsRequest, CreateTopicsResponse, 5, { topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 1000 });
  expect(res.topics[0]!.errorCode).toBe(0);
}

const batchOf = (n: number, valueBytes: number) => buildRecordBatch(Array.from({ length: n }, (_, i) => ({ value: `${i}:`.padEnd(valueBytes, 'v') })));

async function produce(topic: string, partition: number, batch: Buffer): Promise<void> {
  const r = await client.send(ProduceRequest, ProduceResponse, 7, { transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [{ name: topic, partitionData: [{ index: partition, records: Buffer.from(batch) }] }] });
  expect(r.responses[0]!.partitionResponses[0]!.errorCode).toBe(0);
}

type Part = { partition: number; fetchOffset: number; partitionMaxBytes: number };
const fetchBody = (topic: string, partitions: Part[], o: { maxBytes?: number; minBytes?: number; maxWaitMs?: number } = {}) => ({
  replicaId: -1, maxWaitMs: o.maxWaitMs ?? 0, minBytes: o.minBytes ?? 1, maxBytes: o.maxBytes ?? 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
  topics: [{ topic, partitions: partitions.map((p) => ({ ...p, currentLeaderEpoch: -1, lastFetchedEpoch: -1, logStartOffset: -1 })) }],
  forgottenTopicsData: [], rackId: '',
});

/** Every PartitionLog.read from now on: which partition, from which offset, and how many bytes it returned. */
function spyReads(): { name: string; offset: number; bytes: number }[] {
  const reads: { name: string; offset: number; bytes: number }[] = [];
  const original = PartitionLog.prototype.read;
  vi.spyOn(PartitionLog.prototype, 'read').mockImplementation(async function (this: PartitionLog, offset: number, maxBytes: number, minOne?: boolean) {
    const r = await original.call(this, offset, maxBytes, minOne);
    reads.push({ name: this.name, offset, bytes: r.bytes });
    return r;
  });
  return reads;
}

describe('Fetch limits (KIP-74)', () => {
  it('answers a partition named twice once, with the later entry\'s offset (Kafka keeps one entry per partition)', async () => {
    await createTopic('dup', 1);
    await produce('dup', 0, batchOf(2, 10));
    await produce('dup', 0, batchOf(3, 10));
    const reads = spyReads();
    const body = fetchBody('dup', [
      { partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 },
      { partition: 0, fetchOffset: 2, partitionMaxBytes: 1 << 20 },
      { partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 },
      { partition: 0, fetchOffset: 2, partitionMaxBytes: 1 << 20 },
    ]);
    const f = await client.send(FetchRequest, FetchResponse, 11, body);
    expect(f.responses).toHaveLength(1);
    expect(f.responses[0]!.partitions).toHaveLength(1);
    const offsets = decodeBatches(f.responses[0]!.partitions[0]!.records!).flatMap((b) => b.records.map((r) => r.offset));
    expect(offsets).toEqual([2, 3, 4]);
    expect(reads).toHaveLength(1);
  });

  it('returns the first batch of the response even when larger than both limits, and no oversized first batch after it', async () => {
    await createTopic('big', 2);
    const big = batchOf(1, 3000);
    await produce('big', 0, big);
    await produce('big', 1, big);
    const f = await client.send(FetchRequest, FetchResponse, 11, fetchBody('big', [0, 1].map((partition) => ({ partition, fetchOffset: 0, partitionMaxBytes: 500 })), { maxBytes: 1000 }));
    const [p0, p1] = f.responses[0]!.partitions;
    expect(p0!.records!.length).toBe(big.length);
    expect(p1!.records!.length).toBe(0);
    expect(p1!.highWatermark).toBe(1);
  });

  it('caps each partition at partition_max_bytes and the response at max_bytes', async () => {
    await createTopic('caps', 3);
    const b = batchOf(10, 100); // about 1.2 KB
    for (let i = 0; i < 5; i++) for (const p of [0, 1, 2]) await produce('caps', p, b);
    const f = await client.send(FetchRequest, FetchResponse, 11, fetchBody('caps', [0, 1, 2].map((partition) => ({ partition, fetchOffset: 0, partitionMaxBytes: 3 * b.length })), { maxBytes: 4 * b.length }));
    const sizes = f.responses[0]!.partitions.map((p) => p.records!.length);
    expect(sizes).toEqual([3 * b.length, b.length, 0]);
  });

  it('reads no more from disk than the response budget allows, however many partitions are named', async () => {
    await createTopic('many', 30);
    const b = batchOf(20, 500); // about 10 KB
    for (let p = 0; p < 30; p++) for (let i = 0; i < 10; i++) await produce('many', p, b);
    const reads = spyReads();
    const budget = 256 * 1024;
    const f = await client.send(FetchRequest, FetchResponse, 11, fetchBody('many', Array.from({ length: 30 }, (_, partition) => ({ partition, fetchOffset: 0, partitionMaxBytes: 1 << 20 })), { maxBytes: budget }));
    const returned = f.responses[0]!.partitions.reduce((n, p) => n + p.records!.length, 0);
    expect(returned).toBeLessThanOrEqual(budget);
    expect(returned).toBeGreaterThan(budget - b.length);
    const read = reads.reduce((n, r) => n + r.bytes, 0);
    // Each partition holds ~100 KB: reading all 30 would be ~3 MB; the budget allows at most three partitions' worth.
    expect(read).toBeLessThanOrEqual(budget);
    expect(new Set(reads.filter((r) => r.bytes > 0).map((r) => r.name)).size).toBeLessThanOrEqual(3);
  });
});

describe('Fetch reads side by side', () => {
  it('reads the partitions that fit the budget at the same time, and still gives the budget out in request order', async () => {
    await createTopic('wide', 6);
    const b = batchOf(10, 100); // about 1.2 KB
    for (let p = 0; p < 6; p++) for (let i = 0; i < 3; i++) await produce('wide', p, b);
    let inFlight = 0;
    let most = 0;
    const original = PartitionLog.prototype.read;
    vi.spyOn(PartitionLog.prototype, 'read').mockImplementation(async function (this: PartitionLog, offset: number, maxBytes: number, minOne?: boolean) {
      most = Math.max(most, ++inFlight);
      try {
        return await original.call(this, offset, maxBytes, minOne);
      } finally {
        inFlight--;
      }
    });
    const all = await client.send(FetchRequest, FetchResponse, 11, fetchBody('wide', Array.from({ length: 6 }, (_, partition) => ({ partition, fetchOffset: 0, partitionMaxBytes: 1 << 20 }))));
    expect(all.responses[0]!.partitions.map((p) => p.records!.length)).toEqual(Array(6).fill(3 * b.length));
    expect(most).toBe(6);
    // A budget of 7.5 batches: whole batches in request order, 3 + 3 + 1, whatever order the reads finish in.
    const cut = await client.send(FetchRequest, FetchResponse, 11, fetchBody('wide', Array.from({ length: 6 }, (_, partition) => ({ partition, fetchOffset: 0, partitionMaxBytes: 1 << 20 })), { maxBytes: Math.floor(7.5 * b.length) }));
    expect(cut.responses[0]!.partitions.map((p) => p.records!.length)).toEqual([3, 3, 1, 0, 0, 0].map((n) => n * b.length));
  });
});

describe('Fetch long polling', () => {
  it('reads only the partitions appended to, from where it left off, on each wake-up', async () => {
    await createTopic('lp', 10);
    const b = batchOf(5, 50);
    for (let p = 0; p < 10; p++) await produce('lp', p, b);
    const reads = spyReads();
    const producer = await WireClient.connect(broker.address().port);
    try {
      // From the log end of every partition, waiting for more bytes than three small batches.
      const fetching = client.send(FetchRequest, FetchResponse, 11, fetchBody('lp', Array.from({ length: 10 }, (_, partition) => ({ partition, fetchOffset: 5, partitionMaxBytes: 1 << 20 })), { minBytes: 3 * b.length + 1, maxWaitMs: 3000 }));
      for (let i = 0; i < 3; i++) {
        await new Promise((r) => setTimeout(r, 100));
        await producer.send(ProduceRequest, ProduceResponse, 7, { transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [{ name: 'lp', partitionData: [{ index: 3, records: Buffer.from(b) }] }] });
      }
      const f = await fetching;
      const p3 = f.responses[0]!.partitions[3]!;
      expect(decodeBatches(p3.records!).flatMap((x) => x.records.map((r) => r.offset))).toEqual(Array.from({ length: 15 }, (_, i) => 5 + i));
      // Nothing was read for the nine idle partitions, and partition 3 was read once per append, each time only the new batch.
      expect(reads.filter((r) => r.name !== 'lp-3')).toEqual([]);
      expect(reads.map((r) => [r.offset, r.bytes])).toEqual([[5, b.length], [10, b.length], [15, b.length]]);
    } finally {
      producer.close();
    }
  });
});
