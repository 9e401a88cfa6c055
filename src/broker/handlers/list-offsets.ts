import { errorCode } from '../../protocol/errors.js';
import type { Encodable } from '../../protocol/schema.js';
import { ListOffsetsRequest, ListOffsetsResponse } from '../../protocol/schemas/list-offsets.js';
import { defineApi } from '../api.js';

type PartitionRes = Encodable<typeof ListOffsetsResponse>['topics'][number]['partitions'][number];

const LATEST = -1;
const EARLIEST = -2;
const MAX_TIMESTAMP = -3;

export const listOffsets = defineApi({
  request: ListOffsetsRequest,
  response: ListOffsetsResponse,
  async handle(ctx, req) {
    const topics = [];
    for (const t of req.topics) {
      const partitions: PartitionRes[] = [];
      const authorized = ctx.authorizer.authorize(ctx.session, 'DESCRIBE', 'TOPIC', t.name);
      for (const p of t.partitions) {
        const log = authorized ? ctx.logs.partition(t.name, p.partitionIndex) : undefined;
        const res: PartitionRes = { partitionIndex: p.partitionIndex, errorCode: 0, oldStyleOffsets: [], timestamp: -1, offset: -1, leaderEpoch: 0 };
        if (!authorized) {
          res.errorCode = errorCode('TOPIC_AUTHORIZATION_FAILED');
        } else if (!log) {
          res.errorCode = errorCode('UNKNOWN_TOPIC_OR_PARTITION');
        } else if (p.timestamp === LATEST) {
          res.offset = log.logEndOffset;
        } else if (p.timestamp === EARLIEST) {
          res.offset = log.logStartOffset;
        } else if (p.timestamp === MAX_TIMESTAMP && ctx.header.apiVersion >= 7) {
          const found = await log.maxTimestampOffset();
          if (found) Object.assign(res, found);
        } else if (p.timestamp >= 0) {
          const found = await log.offsetForTimestamp(p.timestamp);
          if (found) Object.assign(res, found);
        } else {
          res.errorCode = errorCode('INVALID_REQUEST');
        }
        const offset = res.offset ?? -1;
        if (ctx.header.apiVersion === 0 && res.errorCode === 0) res.oldStyleOffsets = offset >= 0 ? [offset] : [];
        partitions.push(res);
      }
      topics.push({ name: t.name, partitions });
    }
    return { throttleTimeMs: 0, topics };
  },
});
