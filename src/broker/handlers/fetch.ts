import { errorCode } from '../../protocol/errors.js';
import type { Decoded, Encodable } from '../../protocol/schema.js';
import { FetchRequest, FetchResponse } from '../../protocol/schemas/fetch.js';
import { defineApi, type RequestContext } from '../api.js';
import { AppendWatch, emptyData, readPartitions, type FetchBudget, type PartitionRead } from './fetch-reads.js';

type Res = Encodable<typeof FetchResponse>;

/**
 * One entry per partition, in the order each was first named. A partition named twice is answered once, with the
 * later entry's fetch offset and limit: Kafka's FetchRequest.fetchData() puts every partition into one LinkedHashMap,
 * where a later put replaces the value but keeps the first position.
 */
function plan(ctx: RequestContext, req: Decoded<typeof FetchRequest>): PartitionRead[] {
  const byKey = new Map<string, PartitionRead>();
  for (const t of req.topics) {
    for (const p of t.partitions) {
      const key = `${p.partition}:${t.topic}`;
      const existing = byKey.get(key);
      if (existing) {
        existing.next = p.fetchOffset;
        existing.maxBytes = p.partitionMaxBytes;
        continue;
      }
      if (!ctx.authorizer.authorize(ctx.session, 'READ', 'TOPIC', t.topic)) {
        byKey.set(key, { topic: t.topic, log: undefined, maxBytes: 0, next: p.fetchOffset, bytes: 0, done: true, data: emptyData(p.partition, errorCode('TOPIC_AUTHORIZATION_FAILED')) });
        continue;
      }
      const log = ctx.logs.partition(t.topic, p.partition);
      const data = emptyData(p.partition, log ? 0 : errorCode('UNKNOWN_TOPIC_OR_PARTITION'));
      byKey.set(key, { topic: t.topic, log, maxBytes: p.partitionMaxBytes, next: p.fetchOffset, bytes: 0, done: !log, data });
    }
  }
  return [...byKey.values()];
}

/** Consecutive partitions of one topic share a topic entry, as in Kafka's FetchResponse. */
function response(partitions: readonly PartitionRead[]): Res {
  const responses: Res['responses'] = [];
  for (const p of partitions) {
    const last = responses[responses.length - 1];
    if (last && last.topic === p.topic) last.partitions.push(p.data);
    else responses.push({ topic: p.topic, partitions: [p.data] });
  }
  return { throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses };
}

/**
 * Fetch: every read is bounded by what the response may still take (max_bytes, capped by the broker's
 * fetchMaxBytes), so the memory read is bounded by the budget whatever the request names (readPartitions).
 * A long poll (min_bytes not reached) re-reads only the partitions appended to since, from where it left off.
 */
export const fetch = defineApi({
  request: FetchRequest,
  response: FetchResponse,
  async handle(ctx, req) {
    ctx.stats.fetchRequests++;
    const deadline = Date.now() + Math.max(0, req.maxWaitMs);
    const partitions = plan(ctx, req);
    const from = partitions.map((p) => p.next);
    const budget: FetchBudget = { limit: Math.max(0, Math.min(req.maxBytes, ctx.limits.fetchMaxBytes)), bytes: 0 };
    const scope = { memory: ctx.memory, deadline, logger: ctx.logger };
    let error = partitions.some((p) => p.data.errorCode !== 0);
    error = (await readPartitions(partitions, budget, scope)) || error;
    const enough = () => budget.bytes >= req.minBytes || budget.bytes >= budget.limit;
    if (!error && !enough() && Date.now() < deadline && !ctx.signal.aborted && partitions.some((p) => !p.done)) {
      const watch = new AppendWatch(partitions);
      try {
        for (;;) {
          const left = deadline - Date.now();
          if (left <= 0 || ctx.signal.aborted) break;
          const woken = await watch.wait(left, ctx.signal);
          if (woken.size === 0) continue;
          // In request order, so the response budget goes to partitions the way a single pass would give it.
          if (await readPartitions(partitions.filter((p) => woken.has(p)), budget, scope)) break;
          if (enough()) break;
        }
      } finally {
        watch.close();
      }
    }
    ctx.stats.fetchedBytes += budget.bytes;
    for (let i = 0; i < partitions.length; i++) ctx.stats.fetchedRecords += Math.max(0, partitions[i]!.next - from[i]!);
    return response(partitions);
  },
});
