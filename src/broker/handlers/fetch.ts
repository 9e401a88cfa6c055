import { errorCode } from '../../protocol/errors.js';
import type { Decoded, Encodable } from '../../protocol/schema.js';
import { FetchRequest, FetchResponse } from '../../protocol/schemas/fetch.js';
import { StorageError, type ReadResult } from '../../storage/types.js';
import type { PartitionLog } from '../../storage/index.js';
import { defineApi, type RequestContext } from '../api.js';

type Res = Encodable<typeof FetchResponse>;
type PartitionData = Res['responses'][number]['partitions'][number];

function empty(partitionIndex: number, code: number, hw = -1, logStart = -1): PartitionData {
  return { partitionIndex, errorCode: code, highWatermark: hw, lastStableOffset: hw, logStartOffset: logStart, abortedTransactions: null, preferredReadReplica: -1, records: [] };
}

type Outcome = { log: PartitionLog; read?: ReadResult; error?: unknown } | null;

/**
 * One pass over every requested partition. Reads are issued together (each is a positional
 * read on libuv's thread pool), then the response limit is applied in request order (KIP-74:
 * the first non-empty partition may exceed the limits so consumers always make progress).
 */
async function readAll(ctx: RequestContext, req: Decoded<typeof FetchRequest>): Promise<{ res: Res; bytes: number; logs: PartitionLog[]; error: boolean }> {
  const { logs: manager } = ctx;
  const pending: Promise<Outcome>[] = [];
  for (const t of req.topics) {
    for (const p of t.partitions) {
      const log = manager.partition(t.topic, p.partition);
      pending.push(
        log ? log.read(p.fetchOffset, Math.min(p.partitionMaxBytes, req.maxBytes)).then((read) => ({ log, read }), (error: unknown) => ({ log, error })) : Promise.resolve(null),
      );
    }
  }
  const outcomes = await Promise.all(pending);
  let bytes = 0;
  let error = false;
  let i = 0;
  const logs: PartitionLog[] = [];
  const responses: Res['responses'] = [];
  for (const t of req.topics) {
    const partitions: PartitionData[] = [];
    responses.push({ topic: t.topic, partitions });
    for (const p of t.partitions) {
      const o = outcomes[i++]!;
      if (!o) {
        error = true;
        partitions.push(empty(p.partition, errorCode('UNKNOWN_TOPIC_OR_PARTITION')));
        continue;
      }
      logs.push(o.log);
      if (o.read) {
        const r = o.read;
        // Over the response limit: this partition's data waits for the next fetch.
        const fits = bytes === 0 || bytes + r.bytes <= req.maxBytes;
        if (fits) bytes += r.bytes;
        partitions.push({ ...empty(p.partition, 0, r.highWatermark, r.logStartOffset), records: fits ? r.chunks : [] });
        continue;
      }
      error = true;
      const e = o.error;
      if (e instanceof StorageError && e.code === 'OFFSET_OUT_OF_RANGE') {
        partitions.push(empty(p.partition, errorCode('OFFSET_OUT_OF_RANGE'), o.log.logEndOffset, o.log.logStartOffset));
      } else {
        ctx.logger.error(`fetch ${t.topic}-${p.partition}@${p.fetchOffset} failed: ${(e as Error).stack}`);
        partitions.push(empty(p.partition, errorCode('KAFKA_STORAGE_ERROR'), o.log.logEndOffset, o.log.logStartOffset));
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
    ctx.stats.fetchRequests++;
    const deadline = Date.now() + Math.max(0, req.maxWaitMs);
    for (;;) {
      const pass = await readAll(ctx, req);
      const left = deadline - Date.now();
      if (pass.bytes >= req.minBytes || pass.bytes > 0 && req.minBytes <= 0 || pass.error || left <= 0 || ctx.signal.aborted || pass.logs.length === 0) {
        ctx.stats.fetchedBytes += pass.bytes;
        return pass.res;
      }
      await waitForData(pass.logs, left, ctx.signal);
    }
  },
});
