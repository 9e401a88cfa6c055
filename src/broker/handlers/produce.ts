import { errorCode, type ErrorName } from '../../protocol/errors.js';
import {
  ATTR_TRANSACTIONAL,
  BATCH_LOG_OVERHEAD,
  BatchFormatError,
  batchSizeAt,
  compressionOf,
  producedBatchError,
  verifyBatch,
  type BatchHeader,
} from '../../protocol/record-batch.js';
import { firstRecordHeaders } from '../../protocol/record-decoder.js';
import type { Encodable } from '../../protocol/schema.js';
import { ProduceRequest, ProduceResponse } from '../../protocol/schemas/produce.js';
import { validateTopicName, type PartitionLog, type TopicInfo } from '../../storage/index.js';
import { defineApi, type RequestContext } from '../api.js';
import { kafkaErrorOf } from '../kafka-error.js';
import { MAX_LOG_OFFSET } from '../limits.js';

type PartitionResponse = Encodable<typeof ProduceResponse>['responses'][number]['partitionResponses'][number];

function failed(index: number, name: ErrorName, message: string | null = null): PartitionResponse {
  return { index, errorCode: errorCode(name), baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1, recordErrors: [], errorMessage: message };
}

type Refusal = [ErrorName, string];

/**
 * Kafka's checks on one partition's records before anything is written, cheapest first: exactly one batch
 * (ProduceRequest.validateRecords, v3+), its size (max.message.bytes), framing and CRC (DefaultRecordBatch.ensureValid),
 * then the header rules of LogValidator.validateBatch. Reads the 61-byte header and CRCs the batch; never decodes a
 * record. Returns the header, or why the batch is refused.
 */
function checkRecords(ctx: RequestContext, topic: TopicInfo, log: PartitionLog, records: Buffer | null): BatchHeader | Refusal {
  const version = ctx.header.apiVersion;
  if (!records || records.length === 0) return ['INVALID_RECORD', `Produce requests with version ${version} must have at least one record batch per partition`];
  const maxBytes = topic.config['max.message.bytes'];
  const size = batchSizeAt(records, 0);
  if (size > maxBytes + BATCH_LOG_OVERHEAD) {
    return ['MESSAGE_TOO_LARGE', `record batch of ${size} bytes exceeds max.message.bytes=${maxBytes} for topic ${topic.name}`];
  }
  let h: BatchHeader;
  try {
    h = verifyBatch(records, 0);
  } catch (e) {
    const err = e as BatchFormatError;
    if (err.kind === 'unsupported-magic') return ['INVALID_RECORD', `Produce requests with version ${version} are only allowed to contain record batches with magic version 2 (${err.message})`];
    return ['CORRUPT_MESSAGE', err.message];
  }
  // Kafka refuses several batches per partition outright, so an append is never partly applied.
  if (records.length > h.size) {
    return ['INVALID_RECORD', `Produce requests with version ${version} are only allowed to contain exactly one record batch per partition (${records.length - h.size} bytes follow the first batch)`];
  }
  const invalid = producedBatchError(h);
  if (invalid) return ['INVALID_RECORD', `${invalid} in topic partition ${log.name}`];
  if ((h.attributes & ATTR_TRANSACTIONAL) !== 0) return ['TRANSACTIONAL_ID_AUTHORIZATION_FAILED', 'transactional batches are not supported by Tributary (transactions are not implemented)'];
  if (log.logEndOffset + h.lastOffsetDelta > MAX_LOG_OFFSET) {
    return ['POLICY_VIOLATION', `${log.name} would pass offset ${MAX_LOG_OFFSET} (2^52), the largest Tributary stores exactly; nothing was written. Delete and re-create the topic to start again from offset 0`];
  }
  return h;
}

/** Validates one partition's records and appends them exactly as received (only base offset and leader epoch change). */
function appendPartition(ctx: RequestContext, topic: TopicInfo, index: number, records: Buffer | null, waits: Promise<void>[]): PartitionResponse {
  const log = ctx.logs.partition(topic.name, index);
  if (!log) return failed(index, 'UNKNOWN_TOPIC_OR_PARTITION', `topic ${topic.name} has no partition ${index}`);
  const checked = checkRecords(ctx, topic, log, records);
  if (Array.isArray(checked)) {
    ctx.stats.rejectedBatches++;
    return failed(index, ...checked);
  }
  const header = checked;
  try {
    const res = log.append(records!.subarray(0, header.size), header);
    if (res.durable) waits.push(res.durable);
    if (!res.duplicate) {
      ctx.stats.producedRecords += header.recordsCount;
      ctx.stats.producedBytes += header.size;
      ctx.client.producedRecords += header.recordsCount;
      ctx.client.producedBytes += header.size;
      if (ctx.client.headerProbesLeft > 0) probeSourceHeaders(ctx, records!, header);
    }
    return { index, errorCode: 0, baseOffset: res.baseOffset, logAppendTimeMs: res.logAppendTime, logStartOffset: res.logStartOffset, recordErrors: [], errorMessage: null };
  } catch (e) {
    const k = kafkaErrorOf(e);
    if (k.unexpected) ctx.logger.error(`append to ${log.name} failed: ${(e as Error).stack ?? k.message}`);
    return failed(index, k.name, k.message);
  }
}

/**
 * The `host`/`agent` headers of the batch's first record, for the sources view: only for the first few uncompressed
 * batches of a connection (HEADER_PROBES), so the produce path stays free of record decoding.
 */
function probeSourceHeaders(ctx: RequestContext, records: Buffer, header: BatchHeader): void {
  const client = ctx.client;
  client.headerProbesLeft--;
  if (compressionOf(header.attributes) !== 'none') return;
  const found = firstRecordHeaders(records, 0, ['host', 'agent']);
  if (!found) return;
  if (found.host) client.sourceHost = found.host;
  if (found.agent) client.sourceAgent = found.agent;
  if (client.sourceHost || client.sourceAgent) client.headerProbesLeft = 0;
}

/** Why the whole topic of a produce request is refused, or its TopicInfo (auto-created if allowed). */
async function topicFor(ctx: RequestContext, name: string, transactionalId: string | null, acks: number): Promise<TopicInfo | Refusal> {
  const version = ctx.header.apiVersion;
  if (version < 3) {
    return ['UNSUPPORTED_FOR_MESSAGE_FORMAT', `Produce v${version} carries the pre-0.11 message format, which Tributary does not store; configure the client for Kafka 0.11 or newer`];
  }
  if (acks !== 0 && acks !== 1 && acks !== -1) return ['INVALID_REQUIRED_ACKS', `acks must be -1, 0 or 1, got ${acks}`];
  if (transactionalId !== null) return ['TRANSACTIONAL_ID_AUTHORIZATION_FAILED', 'transactions are not supported by Tributary'];
  // Before anything about the topic: whether it exists is not told to who may not write to it. WRITE also lets the
  // producer auto-create it (the design's deviation from Kafka, which asks CREATE: an agent's job is to write).
  if (!ctx.authorizer.authorize(ctx.session, 'WRITE', 'TOPIC', name)) return ['TOPIC_AUTHORIZATION_FAILED', `${ctx.session.principal} may not write to topic ${name}`];
  const nameError = validateTopicName(name);
  if (nameError) return ['INVALID_TOPIC_EXCEPTION', nameError];
  try {
    const topic = await ctx.topics.topicForWrite(name, true);
    return topic ?? ['UNKNOWN_TOPIC_OR_PARTITION', `topic ${name} does not exist and auto-creation is disabled`];
  } catch (e) {
    // The reason auto-creation failed (a name collision, a limit, the disk), not "unknown topic".
    const k = kafkaErrorOf(e);
    if (k.unexpected) ctx.logger.error(`auto-creating topic ${name} failed: ${(e as Error).stack ?? k.message}`);
    return [k.name, k.message];
  }
}

export const produce = defineApi({
  request: ProduceRequest,
  response: ProduceResponse,
  async handle(ctx, req) {
    ctx.stats.produceRequests++;
    const acks = req.acks;
    const waits: Promise<void>[] = [];
    const responses: Encodable<typeof ProduceResponse>['responses'] = [];
    for (const td of req.topicData) {
      const partitionResponses: PartitionResponse[] = [];
      responses.push({ name: td.name, partitionResponses });
      const topic = await topicFor(ctx, td.name, req.transactionalId, acks);
      for (const pd of td.partitionData) {
        partitionResponses.push(Array.isArray(topic) ? failed(pd.index, ...topic) : appendPartition(ctx, topic, pd.index, pd.records, waits));
      }
    }
    if (acks === 0) return null;
    if (waits.length > 0) {
      try {
        await Promise.all(waits);
      } catch (e) {
        ctx.logger.error(`fsync failed: ${(e as Error).message}`);
        for (const r of responses) for (const p of r.partitionResponses) if (p.errorCode === 0) Object.assign(p, failed(p.index, 'KAFKA_STORAGE_ERROR', 'fsync failed'));
      }
    }
    return { responses, throttleTimeMs: 0 };
  },
});
