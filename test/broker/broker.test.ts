import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Broker } from '../../src/broker/broker.js';
import { loadBrokerConfig } from '../../src/broker/config.js';
import { silentLogger } from '../../src/common/logger.js';
import { buildRecordBatch } from '../../src/protocol/record-batch-builder.js';
import { decodeBatches } from '../../src/protocol/record-decoder.js';
import { ApiVersionsRequest, ApiVersionsResponse } from '../../src/protocol/schemas/api-versions.js';
import { CreatePartitionsRequest, CreatePartitionsResponse } from '../../src/protocol/schemas/create-partitions.js';
import { CreateTopicsRequest, CreateTopicsResponse } from '../../src/protocol/schemas/create-topics.js';
import { DescribeConfigsRequest, DescribeConfigsResponse } from '../../src/protocol/schemas/describe-configs.js';
import { FetchRequest, FetchResponse } from '../../src/protocol/schemas/fetch.js';
import { InitProducerIdRequest, InitProducerIdResponse } from '../../src/protocol/schemas/init-producer-id.js';
import { ListOffsetsRequest, ListOffsetsResponse } from '../../src/protocol/schemas/list-offsets.js';
import { MetadataRequest, MetadataResponse } from '../../src/protocol/schemas/metadata.js';
import { ProduceRequest, ProduceResponse } from '../../src/protocol/schemas/produce.js';
import { FrameParser } from '../../src/protocol/framing.js';
import { WireClient } from '../helpers/wire-client.js';

let dir: string;
let broker: Broker;
let client: WireClient;

async function startBroker() {
  broker = await Broker.start(loadBrokerConfig({ dataDir: dir, kafka: '127.0.0.1:0' }), silentLogger);
  client = await WireClient.connect(broker.address().port);
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tributary-broker-'));
  await startBroker();
});
afterEach(async () => {
  client.close();
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
});

const produceBody = (topic: string, partition: number, records: Buffer, acks = 1) => ({
  transactionalId: null, acks, timeoutMs: 1000, topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
});
const fetchBody = (topic: string, partition: number, offset: number, maxWaitMs = 0, minBytes = 1) => ({
  replicaId: -1, maxWaitMs, minBytes, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
  topics: [{ topic, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: offset, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }],
  forgottenTopicsData: [], rackId: '',
});
const batchOf = (values: string[], extra = {}) => buildRecordBatch(values.map((v, i) => ({ key: `k${i}`, value: v, headers: [['h', 'x']] })), extra);

describe('broker over the wire', () => {
  it('auto-creates on metadata and reports itself as controller and leader', async () => {
    const md = await client.send(MetadataRequest, MetadataResponse, 9, { topics: [{ name: 'auto' }] });
    expect(md.controllerId).toBe(1);
    expect(md.brokers).toEqual([{ nodeId: 1, host: '127.0.0.1', port: broker.address().port, rack: null }]);
    expect(md.topics[0]).toMatchObject({ errorCode: 0, name: 'auto', partitions: [{ partitionIndex: 0, leaderId: 1, replicaNodes: [1], isrNodes: [1] }] });
    const bad = await client.send(MetadataRequest, MetadataResponse, 9, { topics: [{ name: 'bad name!' }] });
    expect(bad.topics[0]!.errorCode).toBe(17);
  });

  it('stores batches as sent and serves them back byte for byte except the base offset', async () => {
    const b1 = batchOf(['a', 'b', 'c']);
    const b2 = batchOf(['d']);
    const r1 = await client.send(ProduceRequest, ProduceResponse, 7, produceBody('t', 0, Buffer.from(b1)));
    const r2 = await client.send(ProduceRequest, ProduceResponse, 9, produceBody('t', 0, Buffer.from(b2)));
    expect(r1.responses[0]!.partitionResponses[0]).toMatchObject({ errorCode: 0, baseOffset: 0 });
    expect(r2.responses[0]!.partitionResponses[0]).toMatchObject({ errorCode: 0, baseOffset: 3 });
    const f = await client.send(FetchRequest, FetchResponse, 12, fetchBody('t', 0, 0));
    const p = f.responses[0]!.partitions[0]!;
    expect(p.highWatermark).toBe(4);
    const records = p.records!;
    // Only baseOffset (bytes 0-7) and partitionLeaderEpoch (12-15) may differ from what was sent.
    const same = (stored: Buffer, sent: Buffer) => {
      expect(stored.length).toBe(sent.length);
      expect(stored.subarray(8, 12)).toEqual(sent.subarray(8, 12));
      expect(stored.subarray(16)).toEqual(sent.subarray(16));
    };
    same(records.subarray(0, b1.length), b1);
    same(records.subarray(b1.length), b2);
    const decoded = decodeBatches(records).flatMap((b) => b.records);
    expect(decoded.map((r) => [r.offset, r.value?.toString()])).toEqual([[0, 'a'], [1, 'b'], [2, 'c'], [3, 'd']]);
  });

  it('answers pipelined requests in request order, even when an earlier one long-polls', async () => {
    await client.send(ProduceRequest, ProduceResponse, 7, produceBody('p', 0, batchOf(['x'])));
    const frames = [
      client.frame(FetchRequest, 11, fetchBody('p', 0, 1, 300) as never, 101),
      client.frame(MetadataRequest, 1, { topics: null }, 102),
      client.frame(ApiVersionsRequest, 2, { clientSoftwareName: '', clientSoftwareVersion: '' }, 103),
    ];
    const order: number[] = [];
    const parser = new FrameParser(1 << 24);
    const done = new Promise<void>((resolve) => {
      client.socket.on('data', (d) => {
        for (const f of parser.push(d)) order.push(f.readInt32BE(0));
        if (order.length === 3) resolve();
      });
    });
    client.socket.write(Buffer.concat(frames));
    await done;
    expect(order).toEqual([101, 102, 103]);
  });

  it('applies the response byte limit in request order, always returning the first non-empty partition', async () => {
    await client.send(CreateTopicsRequest, CreateTopicsResponse, 5, { topics: [{ name: 'mb', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 1000 });
    const big = batchOf(['x'.repeat(3000)]);
    await client.send(ProduceRequest, ProduceResponse, 7, produceBody('mb', 0, Buffer.from(big)));
    await client.send(ProduceRequest, ProduceResponse, 7, produceBody('mb', 1, Buffer.from(big)));
    const body = fetchBody('mb', 0, 0);
    body.maxBytes = 1000; // smaller than one batch
    body.topics[0]!.partitions.push({ ...body.topics[0]!.partitions[0]!, partition: 1 });
    const f = await client.send(FetchRequest, FetchResponse, 11, body);
    const [p0, p1] = f.responses[0]!.partitions;
    expect(p0!.records!.length).toBe(big.length);
    expect(p1!.records!.length).toBe(0);
    expect(p1!.highWatermark).toBe(1);
  });

  it('long-polls until data arrives', async () => {
    await client.send(ProduceRequest, ProduceResponse, 7, produceBody('lp', 0, batchOf(['first'])));
    const started = Date.now();
    const fetching = client.send(FetchRequest, FetchResponse, 12, fetchBody('lp', 0, 1, 10_000));
    const other = await WireClient.connect(broker.address().port);
    setTimeout(() => void other.send(ProduceRequest, ProduceResponse, 7, produceBody('lp', 0, batchOf(['second']))), 150);
    const f = await fetching;
    other.close();
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(100);
    expect(elapsed).toBeLessThan(5000);
    const recs = decodeBatches(f.responses[0]!.partitions[0]!.records!).flatMap((b) => b.records);
    expect(recs.map((r) => r.value?.toString())).toEqual(['second']);
  });

  it('sends no response for acks=0 but keeps later responses in order', async () => {
    const frames = [client.frame(ProduceRequest, 7, produceBody('z', 0, batchOf(['q']), 0), 201), client.frame(MetadataRequest, 1, { topics: [{ name: 'z' }] }, 202)];
    const seen: number[] = [];
    const parser = new FrameParser(1 << 24);
    client.socket.on('data', (d) => parser.push(d).forEach((f) => seen.push(f.readInt32BE(0))));
    client.socket.write(Buffer.concat(frames));
    await new Promise((r) => setTimeout(r, 300));
    expect(seen).toEqual([202]);
    expect(broker.logs.partition('z', 0)!.logEndOffset).toBe(1);
  });

  it('answers an unknown ApiVersions version with a v0 UNSUPPORTED_VERSION response', async () => {
    const id = 301;
    const w = client.frame(ApiVersionsRequest, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' }, id);
    w.writeInt16BE(99, 6);
    const res = client.expect(ApiVersionsResponse, 0, id, false);
    client.writeRaw(w);
    const r = await res;
    expect(r.errorCode).toBe(35);
    expect(r.apiKeys.find((k) => k.apiKey === 0)).toEqual({ apiKey: 0, minVersion: 0, maxVersion: 9 });
  });

  it('rejects corrupt and oversized batches with the right codes and keeps the connection', async () => {
    const corrupt = Buffer.from(batchOf(['v']));
    corrupt[corrupt.length - 1]! ^= 0xff;
    const r = await client.send(ProduceRequest, ProduceResponse, 7, produceBody('c', 0, corrupt));
    expect(r.responses[0]!.partitionResponses[0]!.errorCode).toBe(2);
    await client.send(CreateTopicsRequest, CreateTopicsResponse, 5, { topics: [{ name: 'small', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [{ name: 'max.message.bytes', value: '100' }] }], timeoutMs: 1000 });
    const big = await client.send(ProduceRequest, ProduceResponse, 7, produceBody('small', 0, batchOf(['x'.repeat(500)])));
    expect(big.responses[0]!.partitionResponses[0]!.errorCode).toBe(10);
    const missing = await client.send(ProduceRequest, ProduceResponse, 7, produceBody('c', 5, batchOf(['v'])));
    expect(missing.responses[0]!.partitionResponses[0]!.errorCode).toBe(3);
  });

  it('dedups idempotent retries and refuses sequence gaps', async () => {
    const pid = await client.send(InitProducerIdRequest, InitProducerIdResponse, 1, { transactionalId: null, transactionTimeoutMs: 1000 });
    expect(pid.errorCode).toBe(0);
    const opts = { producerId: pid.producerId, producerEpoch: pid.producerEpoch };
    const first = batchOf(['a', 'b'], { ...opts, baseSequence: 0 });
    const r1 = await client.send(ProduceRequest, ProduceResponse, 7, produceBody('idem', 0, Buffer.from(first)));
    const r2 = await client.send(ProduceRequest, ProduceResponse, 7, produceBody('idem', 0, Buffer.from(first)));
    expect(r1.responses[0]!.partitionResponses[0]).toMatchObject({ errorCode: 0, baseOffset: 0 });
    expect(r2.responses[0]!.partitionResponses[0]).toMatchObject({ errorCode: 0, baseOffset: 0 });
    expect(broker.logs.partition('idem', 0)!.logEndOffset).toBe(2);
    const gap = await client.send(ProduceRequest, ProduceResponse, 7, produceBody('idem', 0, batchOf(['c'], { ...opts, baseSequence: 5 })));
    expect(gap.responses[0]!.partitionResponses[0]!.errorCode).toBe(45);
    const txn = await client.send(InitProducerIdRequest, InitProducerIdResponse, 1, { transactionalId: 'tx', transactionTimeoutMs: 1000 });
    expect(txn.errorCode).not.toBe(0);
  });

  it('lists earliest, latest and by-timestamp offsets', async () => {
    await client.send(ProduceRequest, ProduceResponse, 7, produceBody('lo', 0, buildRecordBatch([{ value: 'a', timestamp: 1000 }, { value: 'b', timestamp: 2000 }])));
    await client.send(ProduceRequest, ProduceResponse, 7, produceBody('lo', 0, buildRecordBatch([{ value: 'c', timestamp: 3000 }])));
    const ask = (timestamp: number, version = 5) =>
      client.send(ListOffsetsRequest, ListOffsetsResponse, version, { replicaId: -1, topics: [{ name: 'lo', partitions: [{ partitionIndex: 0, timestamp }] }] }).then((r) => r.topics[0]!.partitions[0]!);
    expect((await ask(-2)).offset).toBe(0);
    expect((await ask(-1)).offset).toBe(3);
    expect(await ask(1500)).toMatchObject({ offset: 1, timestamp: 2000 });
    expect(await ask(2500)).toMatchObject({ offset: 2, timestamp: 3000 });
    expect((await ask(9999)).offset).toBe(-1);
    expect((await ask(-1, 0)).oldStyleOffsets).toEqual([3]);
  });

  it('manages topics with Kafka error codes', async () => {
    const create = (name: string, numPartitions: number, replicationFactor = 1, configs: { name: string; value: string }[] = []) =>
      client.send(CreateTopicsRequest, CreateTopicsResponse, 7, { topics: [{ name, numPartitions, replicationFactor, assignments: [], configs }], timeoutMs: 1000 }).then((r) => r.topics[0]!);
    expect(await create('orders', 3, 1, [{ name: 'retention.ms', value: '1000' }])).toMatchObject({ errorCode: 0, numPartitions: 3, replicationFactor: 1 });
    expect((await create('orders', 3)).errorCode).toBe(36);
    expect((await create('rf', 1, 3)).errorCode).toBe(38);
    expect((await create('../x', 1)).errorCode).toBe(17);
    expect((await create('cfg', 1, 1, [{ name: 'no.such.config', value: '1' }])).errorCode).toBe(40);
    const shrink = await client.send(CreatePartitionsRequest, CreatePartitionsResponse, 1, { topics: [{ name: 'orders', count: 2, assignments: null }], timeoutMs: 1000, validateOnly: false });
    expect(shrink.results[0]!.errorCode).toBe(37);
    const grow = await client.send(CreatePartitionsRequest, CreatePartitionsResponse, 3, { topics: [{ name: 'orders', count: 5, assignments: null }], timeoutMs: 1000, validateOnly: false });
    expect(grow.results[0]!.errorCode).toBe(0);
    const cfg = await client.send(DescribeConfigsRequest, DescribeConfigsResponse, 4, { resources: [{ resourceType: 2, resourceName: 'orders', configurationKeys: null }], includeSynonyms: true, includeDocumentation: true });
    const retention = cfg.results[0]!.configs.find((c) => c.name === 'retention.ms')!;
    expect(retention).toMatchObject({ value: '1000', configSource: 1 });
    expect(retention.documentation).toBeTruthy();

    // Metadata survives a restart.
    client.close();
    await broker.stop();
    await startBroker();
    const md = await client.send(MetadataRequest, MetadataResponse, 9, { topics: [{ name: 'orders' }], allowAutoTopicCreation: false });
    expect(md.topics[0]!.partitions).toHaveLength(5);
  });
});
