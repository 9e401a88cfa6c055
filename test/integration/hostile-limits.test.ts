// A real `tributary serve` against clients that try to make it hold too much: what one request may make it read,
// and how many connections and queued bytes clients may make it keep. Each case starts its own broker, so the
// memory it measures (VmHWM, the peak resident set) belongs to that case alone.
import { connect as netConnect, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { buildRecordBatch } from '../../src/protocol/record-batch-builder.js';
import { ApiVersionsRequest, ApiVersionsResponse } from '../../src/protocol/schemas/api-versions.js';
import { CreateTopicsRequest, CreateTopicsResponse } from '../../src/protocol/schemas/create-topics.js';
import { FetchRequest, FetchResponse } from '../../src/protocol/schemas/fetch.js';
import { MetadataRequest, MetadataResponse } from '../../src/protocol/schemas/metadata.js';
import { ProduceRequest, ProduceResponse } from '../../src/protocol/schemas/produce.js';
import { brokerConfig } from '../helpers/broker-config.js';
import { startBroker, stopAllBrokers, type BrokerProcess } from '../helpers/broker-process.js';
import { procMemory, watchMemory } from '../helpers/proc-memory.js';
import { waitUntil } from '../helpers/wait-until.js';
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

describe('connection limits', () => {
  /** Connects from `from`; true if the broker keeps the connection and answers on it, false if it closes it at once. */
  async function admitted(b: BrokerProcess, from: string, keep: WireClient[]): Promise<boolean> {
    const c = await WireClient.connect(b.port, b.host, from);
    const answer = c.send(ApiVersionsRequest, ApiVersionsResponse, 3, { clientSoftwareName: 'limits', clientSoftwareVersion: '1' }).then(
      () => true,
      () => false,
    );
    const ok = await within(10_000, `a connection from ${from}`, answer);
    if (ok) keep.push(c);
    else c.close();
    return ok;
  }

  it('maxConnectionsPerIp and maxConnections: connections beyond them are closed on arrival; the admitted keep working', async () => {
    const b = await startBroker({ args: ['--config', brokerConfig({ maxConnectionsPerIp: 3, maxConnections: 5 })] });
    const open: WireClient[] = [];
    try {
      for (let i = 0; i < 3; i++) expect(await admitted(b, '127.0.0.1', open)).toBe(true);
      expect(await admitted(b, '127.0.0.1', open)).toBe(false); // a fourth from the same address
      expect(await admitted(b, '127.0.0.2', open)).toBe(true);
      expect(await admitted(b, '127.0.0.2', open)).toBe(true);
      expect(await admitted(b, '127.0.0.3', open)).toBe(false); // five open in all
      // The admitted ones still work; closing one makes room for its address again.
      for (const c of open) await c.send(MetadataRequest, MetadataResponse, 9, { topics: [], allowAutoTopicCreation: false });
      open.shift()!.close();
      await waitUntil('room for a new connection from 127.0.0.1', () => admitted(b, '127.0.0.1', open), { timeoutMs: 10_000, intervalMs: 100 });
      expect(b.stderr.some((l) => /refused a connection from 127\.0\.0\.\d: \d+ connections/.test(l))).toBe(true);
    } finally {
      for (const c of open) c.close();
    }
    expect(b.proc.exitCode).toBeNull();
  }, 60_000);

  it('queuedMaxRequestBytes: six clients each starting a 48 MiB request cannot make the broker hold six times that', async () => {
    const b = await startBroker({ args: ['--config', brokerConfig({ queuedMaxRequestBytes: 64 * MiB, maxRequestBytes: 64 * MiB })] });
    const pid = b.proc.pid!;
    const before = procMemory(pid);
    const watch = watchMemory(pid, before.rssBytes + 1536 * MiB);
    const body = Buffer.alloc(40 * MiB, 7); // one buffer, written to every socket: the test itself stays small
    const prefix = Buffer.alloc(4);
    prefix.writeInt32BE(48 * MiB);
    const sockets: Socket[] = [];
    try {
      for (let i = 0; i < 6; i++) {
        const s = netConnect({ port: b.port, host: b.host });
        s.on('error', () => {});
        await new Promise<void>((resolve) => s.once('connect', () => resolve()));
        s.write(prefix);
        s.write(body);
        sockets.push(s);
      }
      // Before the fix the broker read all 240 MiB within moments; now it stops reading once the pool is spent.
      await waitUntil('the broker to read what it will', () => sockets.every((s) => s.writableLength === 0), { timeoutMs: 5000 }).catch(() => {});
      const { maxRssBytes, killed } = watch.stop();
      expect(killed).toBe(false);
      const grew = Math.max(maxRssBytes, procMemory(pid).peakRssBytes) - Math.max(before.rssBytes, before.peakRssBytes);
      console.info(`6 × 40 MiB of partial 48 MiB requests: broker RSS grew by ${Math.round(grew / MiB)} MiB (queuedMaxRequestBytes 64 MiB)`);
      expect(grew).toBeLessThan(140 * MiB);
    } finally {
      watch.stop();
      for (const s of sockets) s.destroy();
    }
    // Once those clients are gone their reservations are released and everyone is served again.
    const keep: WireClient[] = [];
    await waitUntil('a client served after the hostile ones left', () => admitted(b, '127.0.0.1', keep), { timeoutMs: 10_000, intervalMs: 200 });
    for (const c of keep) c.close();
    expect(b.proc.exitCode).toBeNull();
  }, 60_000);
});
