// A real `tributary serve` against clients that try to make it hold too much: what one request may make it read,
// and how many connections and queued bytes clients may make it keep. Each case starts its own broker, so the
// memory it measures (VmHWM, the peak resident set) belongs to that case alone.
import { afterAll, describe, expect, it } from 'vitest';
import { buildRecordBatch } from '../../src/protocol/record-batch-builder.js';
import { CreateTopicsRequest, CreateTopicsResponse } from '../../src/protocol/schemas/create-topics.js';
import { FetchRequest, FetchResponse } from '../../src/protocol/schemas/fetch.js';
import { MetadataRequest, MetadataResponse } from '../../src/protocol/schemas/metadata.js';
import { ProduceRequest, ProduceResponse } from '../../src/protocol/schemas/produce.js';
import { startBroker, stopAllBrokers, type BrokerProcess } from '../helpers/broker-process.js';
import { procMemory, watchMemory } from '../helpers/proc-memory.js';
import { WireClient } from '../helpers/wire-client.js';

const MiB = 1024 * 1024;

afterAll(async () => {
  await stopAllBrokers();
});

function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

async function createTopic(client: WireClient, name: string, partitions = 1): Promise<void> {
  const res = await client.send(CreateTopicsRequest, CreateTopicsResponse, 5, { topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
  expect(res.topics[0]!.errorCode).toBe(0);
}

/** Fills one partition with `batches` batches of about 1 MB each (under the default max.message.bytes). */
async function fill(client: WireClient, topic: string, batches: number): Promise<number> {
  let bytes = 0;
  for (let i = 0; i < batches; i++) {
    const batch = buildRecordBatch(Array.from({ length: 15 }, (_, r) => ({ value: Buffer.alloc(65_000, 97 + ((i + r) % 26)) })));
    bytes += batch.length;
    const res = await client.send(ProduceRequest, ProduceResponse, 7, { transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records: batch }] }] });
    expect(res.responses[0]!.partitionResponses[0]!.errorCode).toBe(0);
  }
  return bytes;
}

describe('one Fetch cannot take the broker down', () => {
  it('Fetch v4 naming partition 0 five thousand times, 64 MiB limits: answered once, bounded memory, others served meanwhile', async () => {
    const broker: BrokerProcess = await startBroker();
    const pid = broker.proc.pid!;
    const setup = await WireClient.connect(broker.port, broker.host);
    await createTopic(setup, 'fetch-bomb');
    const stored = await fill(setup, 'fetch-bomb', 12);
    setup.close();

    const before = procMemory(pid);
    // Before the fix this request drove the broker past 12 GB; the watchdog kills it long before that.
    const watch = watchMemory(pid, before.rssBytes + 1536 * MiB);
    const hostile = await WireClient.connect(broker.port, broker.host);
    const other = await WireClient.connect(broker.port, broker.host);
    try {
      const partitions = Array.from({ length: 5000 }, () => ({ partition: 0, fetchOffset: 0, partitionMaxBytes: 64 * MiB }));
      const fetching = hostile.send(FetchRequest, FetchResponse, 4, {
        replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 64 * MiB, isolationLevel: 0, topics: [{ topic: 'fetch-bomb', partitions }],
      } as never);
      const metadata = other.send(MetadataRequest, MetadataResponse, 9, { topics: [{ name: 'fetch-bomb' }], allowAutoTopicCreation: false });
      const [mdResult, fetchResult] = await Promise.allSettled([
        within(10_000, 'Metadata from another client during the hostile fetch', metadata),
        within(60_000, 'the hostile fetch', fetching),
      ]);
      const { maxRssBytes, killed } = watch.stop();
      expect(killed, `the broker's RSS reached ${Math.round(maxRssBytes / MiB)} MiB: the watchdog killed it`).toBe(false);
      if (mdResult.status === 'rejected') throw mdResult.reason;
      if (fetchResult.status === 'rejected') throw fetchResult.reason;
      expect(mdResult.value.topics[0]).toMatchObject({ name: 'fetch-bomb', errorCode: 0 });
      const f = fetchResult.value;
      // Kafka keeps one entry per partition (FetchRequest.fetchData is a LinkedHashMap): one answer, all the data once.
      expect(f.responses).toHaveLength(1);
      expect(f.responses[0]!.partitions).toHaveLength(1);
      expect(f.responses[0]!.partitions[0]).toMatchObject({ partitionIndex: 0, errorCode: 0, highWatermark: 12 * 15 });
      expect(f.responses[0]!.partitions[0]!.records!.length).toBe(stored);
      const after = procMemory(pid);
      console.info(
        `hostile fetch: broker RSS ${Math.round(before.rssBytes / MiB)} MiB before, at most ${Math.round(maxRssBytes / MiB)} MiB during; ` +
          `VmHWM ${Math.round(before.peakRssBytes / MiB)} → ${Math.round(after.peakRssBytes / MiB)} MiB (the partition holds ${Math.round(stored / MiB)} MiB)`,
      );
      expect(maxRssBytes).toBeLessThan(before.rssBytes + 256 * MiB);
      expect(after.peakRssBytes).toBeLessThan(Math.max(before.peakRssBytes, before.rssBytes) + 256 * MiB);
    } finally {
      watch.stop();
      hostile.close();
      other.close();
    }
    expect(broker.proc.exitCode).toBeNull();
  }, 120_000);
});
