// Produce against an in-process broker: the offset ceiling (2^52), transactional batches, and the Kafka error a
// failed auto-creation answers with (not UNKNOWN_TOPIC_OR_PARTITION).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Broker } from '../../src/broker/broker.js';
import { loadBrokerConfig } from '../../src/broker/config.js';
import { MAX_LOG_OFFSET } from '../../src/broker/limits.js';
import { silentLogger } from '../../src/common/logger.js';
import { errorByCode } from '../../src/protocol/errors.js';
import { buildRecordBatch } from '../../src/protocol/record-batch-builder.js';
import { BATCH_OFFSET_ATTRIBUTES, BATCH_OFFSET_CRC, BATCH_OFFSET_LAST_OFFSET_DELTA, BATCH_OFFSET_RECORDS_COUNT, computeBatchCrc } from '../../src/protocol/record-batch.js';
import { MetadataRequest, MetadataResponse } from '../../src/protocol/schemas/metadata.js';
import { OffsetCommitRequest, OffsetCommitResponse } from '../../src/protocol/schemas/offset-commit.js';
import { ProduceRequest, ProduceResponse } from '../../src/protocol/schemas/produce.js';
import { WireClient } from '../helpers/wire-client.js';

let dir: string;
let broker: Broker;
let client: WireClient;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tributary-produce-'));
  broker = await Broker.start(loadBrokerConfig({ dataDir: dir, kafka: '127.0.0.1:0' }), silentLogger);
  client = await WireClient.connect(broker.address().port);
});
afterEach(async () => {
  client.close();
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
});

const produce = (topic: string, records: Buffer) =>
  client
    .send(ProduceRequest, ProduceResponse, 9, { transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] })
    .then((r) => r.responses[0]!.partitionResponses[0]!);

describe('Produce', () => {
  it('refuses an append that would pass offset 2^52 with POLICY_VIOLATION, and stores nothing', async () => {
    expect((await produce('ceiling', buildRecordBatch([{ value: 'a' }]))).errorCode).toBe(0);
    const log = broker.logs.partition('ceiling', 0)!;
    // As if forged batches had already pushed the log far up (each valid, compressed, claiming 2^31-1 records).
    log.logEndOffset = MAX_LOG_OFFSET - 2 ** 30;
    const forged = Buffer.from(buildRecordBatch([{ value: 'b' }]));
    forged.writeInt16BE(4, BATCH_OFFSET_ATTRIBUTES); // zstd: the broker does not decompress, so the count cannot be checked
    forged.writeInt32BE(2 ** 31 - 1, BATCH_OFFSET_RECORDS_COUNT);
    forged.writeInt32BE(2 ** 31 - 2, BATCH_OFFSET_LAST_OFFSET_DELTA);
    forged.writeUInt32BE(computeBatchCrc(forged, 0, forged.length), BATCH_OFFSET_CRC);
    const refused = await produce('ceiling', forged);
    expect(refused).toMatchObject({ errorCode: 44, baseOffset: -1 });
    expect(refused.errorMessage).toMatch(/2\^52.*re-create the topic/);
    expect(log.logEndOffset).toBe(MAX_LOG_OFFSET - 2 ** 30);
    expect(Number.isSafeInteger(log.logEndOffset + 2 ** 31)).toBe(true);
  });

  it('refuses transactional batches (transactions are not implemented)', async () => {
    const txn = buildRecordBatch([{ value: 'a' }], { producerId: 1, producerEpoch: 0, baseSequence: 0, transactional: true });
    expect(await produce('txn', txn)).toMatchObject({ errorCode: 53, baseOffset: -1 });
  });

  it('answers a failed auto-creation with its reason: a name that collides is INVALID_TOPIC_EXCEPTION in Produce and Metadata', async () => {
    expect((await produce('app.logs', buildRecordBatch([{ value: 'a' }]))).errorCode).toBe(0);
    // "app_logs" differs only in '.' versus '_': Kafka refuses such collisions, so auto-creation fails.
    const p = await produce('app_logs', buildRecordBatch([{ value: 'a' }]));
    expect(p.errorCode).toBe(17);
    expect(p.errorMessage).toMatch(/collides with existing topic app\.logs/);
    const md = await client.send(MetadataRequest, MetadataResponse, 9, { topics: [{ name: 'app_logs' }], allowAutoTopicCreation: true });
    expect(md.topics[0]).toMatchObject({ name: 'app_logs', errorCode: 17 });
  });
});

describe('error codes come from the one table', () => {
  it('OffsetCommit with metadata over 4096 bytes: OFFSET_METADATA_TOO_LARGE (12), a code the table knows', async () => {
    expect((await produce('meta', buildRecordBatch([{ value: 'a' }]))).errorCode).toBe(0);
    const res = await client.send(OffsetCommitRequest, OffsetCommitResponse, 2, {
      groupId: 'g', generationIdOrMemberEpoch: -1, memberId: '', retentionTimeMs: -1,
      topics: [{ name: 'meta', partitions: [{ partitionIndex: 0, committedOffset: 1, committedMetadata: 'm'.repeat(5000) }] }],
    });
    const code = res.topics[0]!.partitions[0]!.errorCode;
    expect(code).toBe(12);
    expect(errorByCode(code)?.type).toBe('OFFSET_METADATA_TOO_LARGE');
  });
});
