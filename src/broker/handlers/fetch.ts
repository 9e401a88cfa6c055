import { errorCode } from '../../protocol/errors.js';
import type { Decoded, Encodable } from '../../protocol/schema.js';
import { FetchRequest, FetchResponse } from '../../protocol/schemas/fetch.js';
import { StorageError } from '../../storage/types.js';
import type { PartitionLog } from '../../storage/index.js';
import { defineApi, type RequestContext } from '../api.js';

type Res = Encodable<typeof FetchResponse>;
type PartitionData = Res['responses'][number]['partitions'][number];

function empty(partitionIndex: number, code: number, hw = -1, logStart = -1): PartitionData {
  return { partitionIndex, errorCode: code, highWatermark: hw, lastStableOffset: hw, logStartOffset: logStart, abortedTransactions: null, preferredReadReplica: -1, records: [] };
}

/** One pass over every requested partition, honouring partition and response byte limits (KIP-74). */
async function readAll(ctx: RequestContext, req: Decoded<typeof FetchRequest>): Promise<{ res: Res; bytes: number; logs: PartitionLog[]; error: boolean }> {
  const { logs: manager } = ctx.broker;
  let budget = req.maxBytes;
  let bytes = 0;
  let error = false;
  const logs: PartitionLog[] = [];
  const responses: Res['responses'] = [];
  for (const t of req.topics) {
    const partitions: PartitionData[] = [];
    responses.push({ topic: t.topic, partitions });
    for (const p of t.partitions) {
      const log = manager.partition(t.topic, p.partition);
      if (!log) {
        error = true;
        partitions.push(empty(p.partition, errorCode('UNKNOWN_TOPIC_OR_PARTITION')));
        continue;
      }
      logs.push(log);
      // The first non-empty partition may exceed the limits so consumers always progress.
      const limit = bytes === 0 ? p.partitionMaxBytes : Math.min(p.partitionMaxBytes, budget);
      if (limit <= 0) {
        partitions.push(empty(p.partition, 0, log.logEndOffset, log.logStartOffset));
        continue;
      }
      try {
        const r = await log.read(p.fetchOffset, limit);
        bytes += r.bytes;
        budget -= r.bytes;
        partitions.push({ ...empty(p.partition, 0, r.highWatermark, r.logStartOffset), records: r.chunks });
      } catch (e) {
        error = true;
        if (e instanceof StorageError && e.code === 'OFFSET_OUT_OF_RANGE') {
          partitions.push(empty(p.partition, errorCode('OFFSET_OUT_OF_RANGE'), log.logEndOffset, log.logStartOffset));
        } else {
          ctx.broker.log.error(`fetch ${t.topic}-${p.partition}@${p.fetchOffset} failed: ${(e as Error).stack}`);
          partitions.push(empty(p.partition, errorCode('KAFKA_STORAGE_ERROR'), log.logEndOffset, log.logStartOffset));
        }
      }
    }
  }
  return { res: { throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses }, bytes, logs, error };
}

/** Resolves on the first append to any of the logs, the deadline, or the client going away. */
function waitForData(logs: PartitionLog[], ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      for (const l of logs) l.off('append', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    for (const l of logs) l.on('append', done);
    signal.addEventListener('abort', done);
  });
}

export const fetch = defineApi({
  request: FetchRequest,
  response: FetchResponse,
  async handle(ctx, req) {
    ctx.broker.stats.fetchRequests++;
    const deadline = Date.now() + Math.max(0, req.maxWaitMs);
    for (;;) {
      const pass = await readAll(ctx, req);
      const left = deadline - Date.now();
      if (pass.bytes >= req.minBytes || pass.bytes > 0 && req.minBytes <= 0 || pass.error || left <= 0 || ctx.signal.aborted || pass.logs.length === 0) {
        ctx.broker.stats.fetchedBytes += pass.bytes;
        return pass.res;
      }
      await waitForData(pass.logs, left, ctx.signal);
    }
  },
});
