import { errorCode, type ErrorName } from '../../protocol/errors.js';
import { CreatePartitionsRequest, CreatePartitionsResponse } from '../../protocol/schemas/create-partitions.js';
import { defineApi } from '../api.js';
import { kafkaErrorOf } from '../kafka-error.js';

export const createPartitions = defineApi({
  request: CreatePartitionsRequest,
  response: CreatePartitionsResponse,
  async handle(ctx, req) {
    const { logs, topics } = ctx;
    const nodeId = ctx.identity.nodeId;
    const max = ctx.limits.maxPartitionsPerRequest;
    // The same bound CreateTopics applies, on the partitions this request would add.
    const added = req.topics.reduce((n, t) => n + Math.max(0, t.count - (logs.getTopic(t.name)?.partitions ?? t.count)), 0);
    if (added > max) {
      const errorMessage = `Excessively large number of partitions per request: ${added} new partitions requested, at most ${max} per CreatePartitions request (maxPartitionsPerRequest)`;
      return { throttleTimeMs: 0, results: req.topics.map((t) => ({ name: t.name, errorCode: errorCode('POLICY_VIOLATION'), errorMessage })) };
    }
    const results = [];
    for (const t of req.topics) {
      const fail = (code: ErrorName, message: string) => results.push({ name: t.name, errorCode: errorCode(code), errorMessage: message });
      if (!ctx.authorizer.authorize(ctx.session, 'ALTER', 'TOPIC', t.name)) {
        fail('TOPIC_AUTHORIZATION_FAILED', `${ctx.session.principal} may not add partitions to topic ${t.name} (ALTER)`);
        continue;
      }
      const topic = logs.getTopic(t.name);
      if (!topic) {
        fail('UNKNOWN_TOPIC_OR_PARTITION', `topic ${t.name} does not exist`);
        continue;
      }
      if (t.count <= topic.partitions) {
        fail('INVALID_PARTITIONS', `topic ${t.name} has ${topic.partitions} partitions; the count can only grow, ${t.count} would not`);
        continue;
      }
      if (t.assignments && (t.assignments.length !== t.count - topic.partitions || t.assignments.some((a) => a.brokerIds.length !== 1 || a.brokerIds[0] !== nodeId))) {
        fail('INVALID_REPLICA_ASSIGNMENT', `this is a single broker (node ${nodeId}): each new partition must be assigned to exactly [${nodeId}]`);
        continue;
      }
      try {
        topics.createPartitions(t.name, t.count, req.validateOnly);
        results.push({ name: t.name, errorCode: 0, errorMessage: null });
      } catch (e) {
        const k = kafkaErrorOf(e);
        if (k.unexpected) ctx.logger.error(`adding partitions to ${t.name} failed: ${(e as Error).stack ?? k.message}`);
        fail(k.name, k.message);
      }
    }
    return { throttleTimeMs: 0, results };
  },
});
