// A real `tributary serve` fed hostile bytes over raw TCP: malformed frames must close only the offending connection,
// well-formed but invalid requests must get the right Kafka error code, and after every case a separate well-behaved
// client (kafkajs admin) must still work and the process must still be alive. Ends with a seeded, bounded fuzz loop.
import { connect } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrameParser } from '../../src/protocol/framing.js';
import { Reader } from '../../src/protocol/reader.js';
import { buildRecordBatch } from '../../src/protocol/record-batch-builder.js';
import {
  ATTR_CONTROL,
  BATCH_OFFSET_ATTRIBUTES,
  BATCH_OFFSET_BASE_SEQUENCE,
  BATCH_OFFSET_CRC,
  BATCH_OFFSET_LAST_OFFSET_DELTA,
  BATCH_OFFSET_PRODUCER_ID,
  BATCH_OFFSET_RECORDS_COUNT,
  computeBatchCrc,
} from '../../src/protocol/record-batch.js';
import { codecFor, isFlexible, type Decoded, type Encodable, type MessageDef } from '../../src/protocol/schema.js';
import { ApiVersionsRequest, ApiVersionsResponse } from '../../src/protocol/schemas/api-versions.js';
import { CreatePartitionsRequest, CreatePartitionsResponse } from '../../src/protocol/schemas/create-partitions.js';
import { CreateTopicsRequest, CreateTopicsResponse } from '../../src/protocol/schemas/create-topics.js';
import { DescribeConfigsRequest } from '../../src/protocol/schemas/describe-configs.js';
import { FetchRequest } from '../../src/protocol/schemas/fetch.js';
import { InitProducerIdRequest } from '../../src/protocol/schemas/init-producer-id.js';
import { ListOffsetsRequest } from '../../src/protocol/schemas/list-offsets.js';
import { MetadataRequest } from '../../src/protocol/schemas/metadata.js';
import { ProduceRequest, ProduceResponse } from '../../src/protocol/schemas/produce.js';
import { Writer } from '../../src/protocol/writer.js';
import { startBroker, stopAllBrokers, type BrokerProcess } from '../helpers/broker-process.js';
import { fetchOnce } from '../helpers/read-partition.js';
import { WireClient } from '../helpers/wire-client.js';

const TOPIC = 'hostile';
const SMALL = 'hostile-small'; // max.message.bytes=1000
let broker: BrokerProcess;

beforeAll(async () => {
  broker = await startBroker();
  const client = await WireClient.connect(broker.port, broker.host);
  try {
    const res = await client.send(CreateTopicsRequest, CreateTopicsResponse, 5, {
      topics: [
        { name: TOPIC, numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] },
        { name: SMALL, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [{ name: 'max.message.bytes', value: '1000' }] },
      ],
      timeoutMs: 5000,
      validateOnly: false,
    });
    expect(res.topics.map((t) => t.errorCode)).toEqual([0, 0]);
  } finally {
    client.close();
  }
}, 30_000);

afterAll(async () => {
  // A handler that threw (rather than answering with an error code) is logged at ERROR: none may have.
  const errors = broker?.stderr.filter((l) => / ERROR /.test(l)) ?? [];
  await stopAllBrokers();
  expect(errors).toEqual([]);
});

// ---- wire helpers ------------------------------------------------------------------------------------------------

/** A complete request frame (size prefix, header v1/v2, body) built with our own codec. */
function frameOf<Req extends MessageDef>(req: Req, version: number, body: Encodable<Req>, correlationId = 7): Buffer {
  const w = new Writer();
  w.int32(0).int16(req.apiKey).int16(version).int32(correlationId).nullableString('hostile-test');
  if (isFlexible(req, version)) w.uvarint(0);
  codecFor(req, version).encode(w, body);
  const buf = w.toBuffer();
  buf.writeInt32BE(buf.length - 4, 0);
  return buf;
}

/** Header v1 for an arbitrary key/version, then raw body bytes. */
function rawFrame(apiKey: number, apiVersion: number, body: Buffer, correlationId = 7): Buffer {
  const w = new Writer();
  w.int32(0).int16(apiKey).int16(apiVersion).int32(correlationId).nullableString('hostile-test').raw(body);
  const buf = w.toBuffer();
  buf.writeInt32BE(buf.length - 4, 0);
  return buf;
}

interface Exchange {
  /** Response frames (without size prefix). */
  frames: Buffer[];
  /** The broker closed the connection (rather than us, after waitMs). */
  closedByBroker: boolean;
}

/**
 * Opens a connection, writes `chunks`, and waits until `expectFrames` responses arrived, the broker closed the
 * connection, or `waitMs` passed. Then closes it (if still open).
 */
function exchange(chunks: Buffer[], opts: { expectFrames?: number; waitMs?: number; halfClose?: boolean } = {}): Promise<Exchange> {
  const { expectFrames = Infinity, waitMs = 2000, halfClose = false } = opts;
  return new Promise((resolve, reject) => {
    const socket = connect(broker.port, broker.host);
    const parser = new FrameParser(1 << 30);
    const frames: Buffer[] = [];
    let weClosed = false;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (closedByBroker: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      weClosed = true;
      socket.destroy();
      resolve({ frames, closedByBroker });
    };
    socket.on('error', () => {}); // ECONNRESET when the broker drops us: the 'close' event reports it
    socket.on('close', () => finish(!weClosed));
    socket.on('data', (d) => {
      try {
        for (const f of parser.push(d)) frames.push(f);
      } catch (e) {
        settled = true;
        socket.destroy();
        reject(e);
        return;
      }
      if (frames.length >= expectFrames) finish(false);
    });
    let connected = false;
    socket.once('connect', () => {
      connected = true;
      for (const c of chunks) socket.write(c);
      if (halfClose) socket.end();
      timer = setTimeout(() => finish(false), waitMs);
    });
    // Only a failure to connect is an error; EPIPE/ECONNRESET after the broker hung up is what some tests expect.
    socket.once('error', (e) => {
      if (!connected && !settled) {
        settled = true;
        reject(e);
      }
    });
  });
}

function decodeResponse<Res extends MessageDef>(res: Res, version: number, frame: Buffer, flexibleHeader: boolean): { correlationId: number; body: Decoded<Res>; left: number } {
  const r = new Reader(frame);
  const correlationId = r.int32();
  if (flexibleHeader) r.taggedFields();
  const body = codecFor(res, version).decode(r);
  return { correlationId, body, left: r.remaining };
}

const produceBody = (topic: string, partitions: { index: number; records: Buffer | null }[], acks = -1) => ({
  transactionalId: null,
  acks,
  timeoutMs: 5000,
  topicData: [{ name: topic, partitionData: partitions }],
});

const batch = (n: number, valueBytes = 20) =>
  buildRecordBatch(Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: `v${i}-`.padEnd(valueBytes, 'x'), headers: [['h', 'x']] })));

/** The broker process is alive and a fresh, well-behaved client can use it. */
async function expectHealthy(): Promise<void> {
  expect(broker.proc.exitCode).toBeNull();
  expect(broker.proc.signalCode).toBeNull();
  const admin = new Kafka({ clientId: 'health-check', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, connectionTimeout: 2000, retry: { retries: 1 } }).admin();
  await admin.connect();
  try {
    expect(await admin.listTopics()).toEqual(expect.arrayContaining([TOPIC, SMALL]));
  } finally {
    await admin.disconnect();
  }
}

/** xorshift32, so every run sends the same bytes and a failure can be replayed. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
  return {
    u32: next,
    int: (n: number) => next() % n,
    bytes: (n: number) => {
      const b = Buffer.alloc(n);
      for (let i = 0; i < n; i++) b[i] = next() & 0xff;
      return b;
    },
  };
}

// ---- malformed framing: the broker closes the connection, nothing else ------------------------------------------

describe('malformed frames close only that connection', () => {
  it('random byte frames', async () => {
    const r = rng(0xbad5eed);
    for (let i = 0; i < 20; i++) {
      const body = r.bytes(1 + r.int(200));
      const size = Buffer.alloc(4);
      size.writeInt32BE(body.length);
      const { closedByBroker } = await exchange([size, body], { waitMs: 2000 });
      // Random header bytes name an unknown API (or a bad string length): the broker must hang up.
      expect(closedByBroker).toBe(true);
    }
    await expectHealthy();
  }, 60_000);

  it('a frame cut short, then the client goes away (half-close and abrupt)', async () => {
    const whole = frameOf(MetadataRequest, 9, { topics: [{ name: TOPIC }] });
    const halfClosed = await exchange([whole.subarray(0, whole.length - 5)], { halfClose: true, waitMs: 2000 });
    expect(halfClosed.frames).toEqual([]);
    expect(halfClosed.closedByBroker).toBe(true);
    const abrupt = await exchange([whole.subarray(0, 3)], { waitMs: 300 });
    expect(abrupt.frames).toEqual([]);
    await expectHealthy();
  });

  it('a frame whose body ends before the fields its header promises', async () => {
    // Metadata v1 with a topics array of 3 names but only one present.
    const body = new Writer().int32(3).string(TOPIC).toBuffer();
    const { frames, closedByBroker } = await exchange([rawFrame(3, 1, body)]);
    expect(frames).toEqual([]);
    expect(closedByBroker).toBe(true);
    await expectHealthy();
  });

  it.each([
    ['-1', -1],
    ['-2^31', -(2 ** 31)],
    ['2^31-1', 2 ** 31 - 1],
    ['just above socket.request.max.bytes (100 MiB)', 100 * 1024 * 1024 + 1],
  ])('absurd length prefix %s', async (_name, size) => {
    const prefix = Buffer.alloc(4);
    prefix.writeInt32BE(size);
    const started = Date.now();
    const { frames, closedByBroker } = await exchange([prefix, Buffer.alloc(64, 1)]);
    expect(frames).toEqual([]);
    expect(closedByBroker).toBe(true);
    expect(Date.now() - started).toBeLessThan(1500); // rejected on sight, not after waiting for 2 GiB
    await expectHealthy();
  });

  it.each([
    ['unknown API key 9999', 9999, 0],
    ['negative API key', -1, 0],
    ['Metadata v99', 3, 99],
    ['Produce v10', 0, 10],
    ['Fetch v3 (below the supported 4)', 1, 3],
    ['Fetch v13', 1, 13],
  ])('%s: closed without a response', async (_name, apiKey, version) => {
    const { frames, closedByBroker } = await exchange([rawFrame(apiKey, version, Buffer.alloc(8))]);
    expect(frames).toEqual([]);
    expect(closedByBroker).toBe(true);
    await expectHealthy();
  });

  it.each([
    ['Metadata v1, classic int32 length', rawFrame(3, 1, Buffer.from([0x7f, 0xff, 0xff, 0xff]))],
    ['Metadata v9, compact uvarint length', rawFrame(3, 9, Buffer.from([0x00, 0xff, 0xff, 0xff, 0xff, 0x07]))],
    ['Produce v7, topic_data length', rawFrame(0, 7, Buffer.from([0xff, 0xff, 0x00, 0x01, 0x00, 0x00, 0x13, 0x88, 0x7f, 0xff, 0xff, 0xf0]))],
  ])('an array length claiming billions of entries (%s)', async (_name, frame) => {
    const started = Date.now();
    const { frames, closedByBroker } = await exchange([frame]);
    expect(frames).toEqual([]);
    expect(closedByBroker).toBe(true);
    expect(Date.now() - started).toBeLessThan(1500);
    await expectHealthy();
  });
});

// ---- well-formed but invalid requests: answered with the right error, connection kept ----------------------------

describe('invalid requests get Kafka error codes', () => {
  it('ApiVersions v99 gets a v0 answer: UNSUPPORTED_VERSION (35) and the API list; the connection stays usable', async () => {
    const good = await WireClient.connect(broker.port, broker.host);
    const supported = await good.send(ApiVersionsRequest, ApiVersionsResponse, 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1' });
    good.close();
    const v99 = rawFrame(18, 99, Buffer.from('future fields we cannot parse'), 4242);
    const v3 = frameOf(ApiVersionsRequest, 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1' }, 4243);
    const { frames, closedByBroker } = await exchange([v99, v3], { expectFrames: 2 });
    expect(closedByBroker).toBe(false);
    expect(frames).toHaveLength(2);
    const first = decodeResponse(ApiVersionsResponse, 0, frames[0]!, false);
    expect(first.correlationId).toBe(4242);
    expect(first.left).toBe(0);
    expect(first.body.errorCode).toBe(35);
    expect(first.body.apiKeys).toEqual(supported.apiKeys);
    expect(first.body.apiKeys.map((k) => k.apiKey)).toEqual(expect.arrayContaining([0, 1, 2, 3, 18, 19, 20]));
    const second = decodeResponse(ApiVersionsResponse, 3, frames[1]!, false);
    expect(second.correlationId).toBe(4243);
    expect(second.body.errorCode).toBe(0);
    await expectHealthy();
  });

  it('Produce with a corrupt CRC: CORRUPT_MESSAGE (2) on that partition only, nothing stored, connection open', async () => {
    const corrupt = Buffer.from(batch(5));
    corrupt[corrupt.length - 1]! ^= 0xff; // a record byte changes, the stored CRC no longer matches
    const crcOnly = Buffer.from(batch(5));
    crcOnly.writeUInt32BE((crcOnly.readUInt32BE(BATCH_OFFSET_CRC) + 1) >>> 0, BATCH_OFFSET_CRC);
    const before = await highWatermarks();
    const req = frameOf(ProduceRequest, 7, produceBody(TOPIC, [{ index: 0, records: corrupt }, { index: 1, records: batch(3) }]), 11);
    const req2 = frameOf(ProduceRequest, 9, produceBody(TOPIC, [{ index: 0, records: crcOnly }]), 12);
    const follow = frameOf(ApiVersionsRequest, 0, { clientSoftwareName: '', clientSoftwareVersion: '' }, 13);
    const { frames, closedByBroker } = await exchange([req, req2, follow], { expectFrames: 3 });
    expect(closedByBroker).toBe(false);
    expect(frames).toHaveLength(3);
    const res = decodeResponse(ProduceResponse, 7, frames[0]!, false);
    expect(res.correlationId).toBe(11);
    const parts = res.body.responses[0]!.partitionResponses;
    expect(parts.find((p) => p.index === 0)).toMatchObject({ errorCode: 2 });
    expect(parts.find((p) => p.index === 1)).toMatchObject({ errorCode: 0, baseOffset: before[1] });
    const res2 = decodeResponse(ProduceResponse, 9, frames[1]!, true);
    expect(res2.correlationId).toBe(12);
    expect(res2.body.responses[0]!.partitionResponses[0]).toMatchObject({ index: 0, errorCode: 2 });
    expect(decodeResponse(ApiVersionsResponse, 0, frames[2]!, false).correlationId).toBe(13);
    expect(await highWatermarks()).toEqual([before[0], before[1]! + 3]);
    await expectHealthy();
  });

  it('Produce v2 (pre-0.11 message format): UNSUPPORTED_FOR_MESSAGE_FORMAT (43) on every partition, nothing stored', async () => {
    // A v1 message set: offset, size, crc, magic=1, attributes, timestamp, key, value.
    const message = new Writer().uint32(0).int8(1).int8(0).int64(Date.now()).int32(-1).int32(5).raw(Buffer.from('hello')).toBuffer();
    const messageSet = new Writer().int64(0).int32(message.length).raw(message).toBuffer();
    const before = await highWatermarks();
    const { frames, closedByBroker } = await exchange(
      [frameOf(ProduceRequest, 2, produceBody(TOPIC, [{ index: 0, records: messageSet }, { index: 1, records: messageSet }]), 51)],
      { expectFrames: 1 },
    );
    expect(closedByBroker).toBe(false);
    const res = decodeResponse(ProduceResponse, 2, frames[0]!, false);
    expect(res.correlationId).toBe(51);
    expect(res.left).toBe(0);
    expect(res.body.responses[0]!.partitionResponses.map((p) => [p.index, p.errorCode])).toEqual([[0, 43], [1, 43]]);
    expect(await highWatermarks()).toEqual(before);
    await expectHealthy();
  });

  it('Produce of a batch larger than max.message.bytes: MESSAGE_TOO_LARGE (10)', async () => {
    const big = batch(40, 100); // ~4.5 KB against max.message.bytes=1000
    expect(big.length).toBeGreaterThan(2000);
    const fits = batch(2, 20);
    const { frames, closedByBroker } = await exchange(
      [frameOf(ProduceRequest, 7, produceBody(SMALL, [{ index: 0, records: big }]), 21), frameOf(ProduceRequest, 7, produceBody(SMALL, [{ index: 0, records: fits }]), 22)],
      { expectFrames: 2 },
    );
    expect(closedByBroker).toBe(false);
    expect(decodeResponse(ProduceResponse, 7, frames[0]!, false).body.responses[0]!.partitionResponses[0]).toMatchObject({ errorCode: 10 });
    expect(decodeResponse(ProduceResponse, 7, frames[1]!, false).body.responses[0]!.partitionResponses[0]).toMatchObject({ errorCode: 0, baseOffset: 0 });
    await expectHealthy();
  });

  it.each(['bad/name', 'with space', 'ünïcode', '..', 'x'.repeat(250)])('topic name %j: INVALID_TOPIC_EXCEPTION (17) from Produce and CreateTopics', async (name) => {
    const { frames, closedByBroker } = await exchange(
      [
        frameOf(ProduceRequest, 7, produceBody(name, [{ index: 0, records: batch(1) }]), 31),
        frameOf(CreateTopicsRequest, 5, { topics: [{ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 1000, validateOnly: false }, 32),
      ],
      { expectFrames: 2 },
    );
    expect(closedByBroker).toBe(false);
    expect(decodeResponse(ProduceResponse, 7, frames[0]!, false).body.responses[0]!.partitionResponses[0]).toMatchObject({ errorCode: 17 });
    expect(decodeResponse(CreateTopicsResponse, 5, frames[1]!, true).body.topics[0]).toMatchObject({ name, errorCode: 17 });
    await expectHealthy();
  });

  it('CreateTopics with replication factor 3: INVALID_REPLICATION_FACTOR (38), topic not created', async () => {
    const { frames } = await exchange(
      [frameOf(CreateTopicsRequest, 5, { topics: [{ name: 'rf3', numPartitions: 1, replicationFactor: 3, assignments: [], configs: [] }], timeoutMs: 1000, validateOnly: false }, 41)],
      { expectFrames: 1 },
    );
    const res = decodeResponse(CreateTopicsResponse, 5, frames[0]!, true);
    expect(res.body.topics[0]).toMatchObject({ name: 'rf3', errorCode: 38 });
    expect(res.body.topics[0]!.errorMessage).toMatch(/replication factor/i);
    const admin = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      expect(await admin.listTopics()).not.toContain('rf3');
    } finally {
      await admin.disconnect();
    }
  });
});

/** A copy of `b` with header fields changed and the CRC made valid again: a batch that lies consistently. */
function forge(b: Buffer, edit: (x: Buffer) => void): Buffer {
  const x = Buffer.from(b);
  edit(x);
  x.writeUInt32BE(computeBatchCrc(x, 0, x.length), BATCH_OFFSET_CRC);
  return x;
}

describe('forged batches (valid CRC, lying header) are refused as Kafka refuses them: INVALID_RECORD (87)', () => {
  const FORGED = 'hostile-forged';

  async function logEnd(client: WireClient): Promise<number> {
    return (await fetchOnce(client, FORGED, 0, 0, 1)).highWatermark;
  }

  it.each([
    ['recordsCount 0', (x: Buffer) => x.writeInt32BE(0, BATCH_OFFSET_RECORDS_COUNT)],
    ['lastOffsetDelta 1,000,009 for 1 record (the issue: log end 2 -> 1,000,012)', (x: Buffer) => x.writeInt32BE(1_000_009, BATCH_OFFSET_LAST_OFFSET_DELTA)],
    ['lastOffsetDelta -1', (x: Buffer) => x.writeInt32BE(-1, BATCH_OFFSET_LAST_OFFSET_DELTA)],
    ['2^31-1 records, consistent offsets, in an uncompressed batch of a few bytes', (x: Buffer) => {
      x.writeInt32BE(2 ** 31 - 1, BATCH_OFFSET_RECORDS_COUNT);
      x.writeInt32BE(2 ** 31 - 2, BATCH_OFFSET_LAST_OFFSET_DELTA);
    }],
    ['a control batch from a client', (x: Buffer) => x.writeInt16BE(x.readInt16BE(BATCH_OFFSET_ATTRIBUTES) | ATTR_CONTROL, BATCH_OFFSET_ATTRIBUTES)],
    ['a producer id without a sequence', (x: Buffer) => {
      x.writeBigInt64BE(5n, BATCH_OFFSET_PRODUCER_ID);
      x.writeInt32BE(-1, BATCH_OFFSET_BASE_SEQUENCE);
    }],
  ])('%s: refused, nothing stored, the log end does not move', async (_name, edit) => {
    const client = await WireClient.connect(broker.port, broker.host);
    try {
      await client.send(CreateTopicsRequest, CreateTopicsResponse, 5, { topics: [{ name: FORGED, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
      const ok = await client.send(ProduceRequest, ProduceResponse, 7, produceBody(FORGED, [{ index: 0, records: batch(2) }]));
      expect(ok.responses[0]!.partitionResponses[0]!.errorCode).toBe(0);
      const before = await logEnd(client);
      const forged = forge(batch(1), edit);
      const res = await client.send(ProduceRequest, ProduceResponse, 9, produceBody(FORGED, [{ index: 0, records: forged }]));
      const p = res.responses[0]!.partitionResponses[0]!;
      expect(p).toMatchObject({ index: 0, errorCode: 87, baseOffset: -1 });
      expect(p.errorMessage).toMatch(/count|offset range|control|sequence|records/i);
      expect(await logEnd(client)).toBe(before);
      // The connection and the partition keep working.
      const after = await client.send(ProduceRequest, ProduceResponse, 7, produceBody(FORGED, [{ index: 0, records: batch(1) }]));
      expect(after.responses[0]!.partitionResponses[0]).toMatchObject({ errorCode: 0, baseOffset: before });
    } finally {
      client.close();
    }
    await expectHealthy();
  });

  it('two batches for one partition: INVALID_RECORD, neither stored (Kafka: exactly one batch per partition), other partitions unaffected', async () => {
    const before = await highWatermarks();
    const corruptSecond = Buffer.from(batch(2));
    corruptSecond[corruptSecond.length - 1]! ^= 0xff;
    const { frames } = await exchange(
      [
        frameOf(ProduceRequest, 9, produceBody(TOPIC, [{ index: 0, records: Buffer.concat([batch(3), batch(2)]) }, { index: 1, records: batch(1) }]), 71),
        frameOf(ProduceRequest, 7, produceBody(TOPIC, [{ index: 0, records: Buffer.concat([batch(3), corruptSecond]) }]), 72),
      ],
      { expectFrames: 2 },
    );
    const both = decodeResponse(ProduceResponse, 9, frames[0]!, true).body.responses[0]!.partitionResponses;
    expect(both.map((p) => [p.index, p.errorCode])).toEqual([[0, 87], [1, 0]]);
    expect(both[0]!.errorMessage).toMatch(/exactly one record batch/);
    expect(decodeResponse(ProduceResponse, 7, frames[1]!, false).body.responses[0]!.partitionResponses[0]).toMatchObject({ errorCode: 87 });
    expect(await highWatermarks()).toEqual([before[0], before[1]! + 1]);
    await expectHealthy();
  });
});

describe('requests that ask for absurd amounts of work are refused, not attempted', () => {
  it('CreateTopics with 2^31-1 partitions and CreatePartitions to 2^31-1: POLICY_VIOLATION (44), answered promptly', async () => {
    const started = Date.now();
    const { frames, closedByBroker } = await exchange(
      [
        frameOf(CreateTopicsRequest, 5, { topics: [{ name: 'huge', numPartitions: 2 ** 31 - 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 1000, validateOnly: false }, 61),
        frameOf(CreatePartitionsRequest, 2, { topics: [{ name: TOPIC, count: 2 ** 31 - 1, assignments: null }], timeoutMs: 1000, validateOnly: false }, 62),
      ],
      { expectFrames: 2, waitMs: 5000 },
    );
    expect(closedByBroker).toBe(false);
    expect(frames).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(decodeResponse(CreateTopicsResponse, 5, frames[0]!, true).body.topics[0]).toMatchObject({ name: 'huge', errorCode: 44 });
    expect(decodeResponse(CreatePartitionsResponse, 2, frames[1]!, true).body.results[0]).toMatchObject({ name: TOPIC, errorCode: 44 });
    await expectHealthy();
  });
});

async function highWatermarks(): Promise<number[]> {
  const client = await WireClient.connect(broker.port, broker.host);
  try {
    return [(await fetchOnce(client, TOPIC, 0, 0, 1)).highWatermark, (await fetchOnce(client, TOPIC, 1, 0, 1)).highWatermark];
  } finally {
    client.close();
  }
}

// ---- fuzzing -----------------------------------------------------------------------------------------------------

/** Valid requests of every API and several versions: the material the fuzzer mutates. */
function corpus(): Buffer[] {
  const records = batch(3);
  const fetchBody = { replicaId: -1, maxWaitMs: 50, minBytes: 1, maxBytes: 65536, isolationLevel: 0, sessionId: 0, sessionEpoch: -1, topics: [{ topic: TOPIC, partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 65536 }] }], forgottenTopicsData: [], rackId: '' };
  const out: Buffer[] = [];
  for (const v of [0, 1, 2, 3]) out.push(frameOf(ApiVersionsRequest, v, { clientSoftwareName: 'fuzz', clientSoftwareVersion: '0' }));
  for (const v of [0, 1, 4, 8, 9]) out.push(frameOf(MetadataRequest, v, { topics: [{ name: TOPIC }, { name: 'fuzz-auto' }], allowAutoTopicCreation: true }));
  for (const v of [3, 7, 9]) out.push(frameOf(ProduceRequest, v, produceBody(TOPIC, [{ index: 0, records }, { index: 1, records }], 1)));
  for (const v of [4, 11, 12]) out.push(frameOf(FetchRequest, v, fetchBody));
  for (const v of [1, 6]) out.push(frameOf(ListOffsetsRequest, v, { replicaId: -1, isolationLevel: 0, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, timestamp: -1 }] }] }));
  for (const v of [0, 5]) out.push(frameOf(CreateTopicsRequest, v, { topics: [{ name: 'fuzz-created', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [{ name: 'retention.ms', value: '1000000' }] }], timeoutMs: 1000, validateOnly: false }));
  out.push(frameOf(CreatePartitionsRequest, 2, { topics: [{ name: 'fuzz-created', count: 3, assignments: null }], timeoutMs: 1000, validateOnly: false }));
  for (const v of [1, 4]) out.push(frameOf(DescribeConfigsRequest, v, { resources: [{ resourceType: 2, resourceName: TOPIC, configurationKeys: null }], includeSynonyms: true, includeDocumentation: true }));
  for (const v of [0, 4]) out.push(frameOf(InitProducerIdRequest, v, { transactionalId: null, transactionTimeoutMs: 1000 }));
  return out;
}

function mutate(frame: Buffer, r: ReturnType<typeof rng>): Buffer {
  const b = Buffer.from(frame);
  const interesting = [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff];
  const ops = 1 + r.int(4);
  let out = b;
  for (let k = 0; k < ops; k++) {
    // Mostly leave the size prefix alone so the mutation reaches the decoders; sometimes break it on purpose.
    const at = 4 + r.int(Math.max(1, out.length - 4));
    switch (r.int(7)) {
      case 0: out[at] = (out[at] ?? 0) ^ (1 << r.int(8)); break;
      case 1: out[at] = interesting[r.int(interesting.length)]!; break;
      case 2: out = Buffer.concat([out.subarray(0, at), r.bytes(1 + r.int(16)), out.subarray(at)]); break;
      case 3: out = out.subarray(0, Math.max(4, at)); break;
      case 4: if (at + 4 <= out.length) out.writeInt32BE([0x7fffffff, -1, 0x10000, 0][r.int(4)]!, at); break;
      case 5: if (at + 2 <= out.length) out.writeInt16BE([0x7fff, -1, -2, 0][r.int(4)]!, at); break;
      case 6: out = Buffer.from(out); out.writeInt32BE(out.length - 4 + [-3, -1, 1, 1000][r.int(4)]!, 0); continue;
    }
    if (r.int(4) !== 0) out.writeInt32BE(out.length - 4, 0); // keep the frame self-consistent most of the time
  }
  return out;
}

describe('fuzzing', () => {
  it('300 connections of mutated valid requests (seeded, at most 10 s) never take the broker down', async () => {
    const seed = Number(process.env.TRIBUTARY_FUZZ_SEED ?? 20240611);
    const r = rng(seed);
    const base = corpus();
    const deadline = Date.now() + 10_000;
    let connections = 0;
    let answered = 0;
    let closed = 0;
    const CONCURRENCY = 6;
    const worker = async () => {
      while (connections < 300 && Date.now() < deadline) {
        const n = connections++;
        const frames = Array.from({ length: 1 + r.int(3) }, () => mutate(base[r.int(base.length)]!, r));
        let res: Exchange;
        try {
          res = await exchange(frames, { expectFrames: frames.length, waitMs: 250 });
        } catch (e) {
          throw new Error(`fuzz connection ${n} (seed ${seed}): ${(e as Error).message}`);
        }
        answered += res.frames.length;
        if (res.closedByBroker) closed++;
        if (n % 50 === 49) {
          expect(broker.proc.exitCode, `broker died after fuzz connection ${n} (seed ${seed})`).toBeNull();
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    console.info(`fuzz seed ${seed}: ${connections} connections, ${answered} responses, ${closed} closed by the broker`);
    expect(connections).toBeGreaterThanOrEqual(100);
    // The mutations must exercise both paths: some requests still decode and are answered, others are rejected.
    expect(answered).toBeGreaterThan(0);
    expect(closed).toBeGreaterThan(0);
    await expectHealthy();
    // And the data path still works end to end.
    const client = await WireClient.connect(broker.port, broker.host);
    try {
      const before = (await fetchOnce(client, TOPIC, 0, 0, 1)).highWatermark;
      const res = await client.send(ProduceRequest, ProduceResponse, 7, produceBody(TOPIC, [{ index: 0, records: batch(2) }]));
      expect(res.responses[0]!.partitionResponses[0]).toMatchObject({ errorCode: 0, baseOffset: before });
    } finally {
      client.close();
    }
  }, 60_000);
});
