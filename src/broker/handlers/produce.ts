import { errorCode, type ErrorName } from '../../protocol/errors.js';
import { BatchFormatError, batchSizeAt, validateBatch, BATCH_LOG_OVERHEAD } from '../../protocol/record-batch.js';
import type { Encodable } from '../../protocol/schema.js';
import { ProduceRequest, ProduceResponse } from '../../protocol/schemas/produce.js';
import { StorageError, type TopicInfo } from '../../storage/types.js';
import { validateTopicName } from '../../storage/index.js';
import { defineApi, type RequestContext } from '../api.js';

type PartitionResponse = Encodable<typeof ProduceResponse>['responses'][number]['partitionResponses'][number];

function failed(index: number, name: ErrorName, message: string | null = null): PartitionResponse {
  return { index, errorCode: errorCode(name), baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1, recordErrors: [], errorMessage: message };
}

/**
 * Validate every batch in one partition's records and append them. Batches are checked
 * (framing, magic, CRC, size) without decompressing, then written exactly as received.
 */
function appendPartition(ctx: RequestContext, topic: TopicInfo, index: number, records: Buffer | null, waits: Promise<void>[]): PartitionResponse {
  const log = ctx.logs.partition(topic.name, index);
  if (!log) return failed(index, 'UNKNOWN_TOPIC_OR_PARTITION', `topic ${topic.name} has no partition ${index}`);
  if (!records || records.length === 0) return failed(index, 'CORRUPT_MESSAGE', 'empty record set');
  const maxBytes = topic.config['max.message.bytes'];
  const headers = [];
  for (let pos = 0; pos < records.length; ) {
    const size = batchSizeAt(records, pos);
    if (size > maxBytes + BATCH_LOG_OVERHEAD) {
      return failed(index, 'MESSAGE_TOO_LARGE', `record batch of ${size} bytes exceeds max.message.bytes=${maxBytes} for topic ${topic.name}`);
    }
    try {
      headers.push({ pos, header: validateBatch(records, pos) });
    } catch (e) {
      ctx.stats.rejectedBatches++;
      const err = e as BatchFormatError;
      if (err.kind === 'unsupported-magic') return failed(index, 'UNSUPPORTED_FOR_MESSAGE_FORMAT', err.message);
      return failed(index, 'CORRUPT_MESSAGE', err.message);
    }
    pos += size;
  }
  let first: PartitionResponse | null = null;
  try {
    for (const { pos, header } of headers) {
      const res = log.append(records.subarray(pos, pos + header.size), header);
      if (res.durable) waits.push(res.durable);
      if (!res.duplicate) {
        ctx.stats.producedRecords += header.recordsCount;
        ctx.stats.producedBytes += header.size;
      }
      first ??= { index, errorCode: 0, baseOffset: res.baseOffset, logAppendTimeMs: res.logAppendTime, logStartOffset: res.logStartOffset, recordErrors: [], errorMessage: null };
    }
  } catch (e) {
    if (e instanceof StorageError) return failed(index, e.code as ErrorName, e.message);
    ctx.logger.error(`append to ${topic.name}-${index} failed: ${(e as Error).stack}`);
    return failed(index, 'KAFKA_STORAGE_ERROR', (e as Error).message);
  }
  return first!;
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
      let topic: TopicInfo | undefined;
      let topicError: [ErrorName, string] | null = null;
      if (ctx.header.apiVersion < 3) topicError = ['UNSUPPORTED_FOR_MESSAGE_FORMAT', `Produce v${ctx.header.apiVersion} carries the pre-0.11 message format, which Tributary does not store; configure the client for Kafka 0.11 or newer`];
      else if (acks !== 0 && acks !== 1 && acks !== -1) topicError = ['INVALID_REQUIRED_ACKS', `acks must be -1, 0 or 1, got ${acks}`];
      else if (req.transactionalId !== null) topicError = ['TRANSACTIONAL_ID_AUTHORIZATION_FAILED', 'transactions are not supported by Tributary'];
      const nameError = validateTopicName(td.name);
      if (topicError) {
        // already decided
      } else if (nameError) topicError = ['INVALID_TOPIC_EXCEPTION', nameError];
      else {
        try {
          topic = await ctx.topics.topicForWrite(td.name, true);
          if (!topic) topicError = ['UNKNOWN_TOPIC_OR_PARTITION', `topic ${td.name} does not exist and auto-creation is disabled`];
        } catch (e) {
          topicError = ['UNKNOWN_TOPIC_OR_PARTITION', (e as Error).message];
        }
      }
      for (const pd of td.partitionData) {
        partitionResponses.push(topicError ? failed(pd.index, ...topicError) : appendPartition(ctx, topic!, pd.index, pd.records, waits));
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
