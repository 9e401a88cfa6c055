import { errorCode, type ErrorName } from '../../protocol/errors.js';
import type { Encodable } from '../../protocol/schema.js';
import { CreateTopicsRequest, CreateTopicsResponse } from '../../protocol/schemas/create-topics.js';
import { validateTopicName } from '../../storage/index.js';
import { defineApi } from '../api.js';
import { kafkaErrorOf } from '../kafka-error.js';

type TopicRes = Encodable<typeof CreateTopicsResponse>['topics'][number];

function failure(name: string, code: ErrorName, message: string): TopicRes {
  return { name, errorCode: errorCode(code), errorMessage: message, numPartitions: -1, replicationFactor: -1, configs: null };
}

export const createTopics = defineApi({
  request: CreateTopicsRequest,
  response: CreateTopicsResponse,
  async handle(ctx, req) {
    const nodeId = ctx.identity.nodeId;
    const { defaultPartitions } = ctx.topics;
    // Partitions are created synchronously: without this bound (Kafka's MAX_PARTITIONS_PER_BATCH) one request for
    // 2^31-1 partitions would stall the broker indefinitely.
    const max = ctx.limits.maxPartitionsPerRequest;
    const seen = new Map<string, number>();
    for (const t of req.topics) seen.set(t.name, (seen.get(t.name) ?? 0) + 1);
    const requested = req.topics.reduce(
      (n, t) => n + (t.assignments.length > 0 ? t.assignments.length : t.numPartitions === -1 ? defaultPartitions : Math.max(0, t.numPartitions)),
      0,
    );
    if (requested > max) {
      const why = `Excessively large number of partitions per request: ${requested} requested, at most ${max} per CreateTopics request (maxPartitionsPerRequest)`;
      return { throttleTimeMs: 0, topics: req.topics.map((t) => failure(t.name, 'POLICY_VIOLATION', why)) };
    }
    const topics: TopicRes[] = [];
    const clusterCreate = ctx.authorizer.authorizeCluster(ctx.session, 'CREATE', false);
    for (const t of req.topics) {
      if (!clusterCreate && !ctx.authorizer.authorize(ctx.session, 'CREATE', 'TOPIC', t.name)) {
        topics.push(failure(t.name, 'TOPIC_AUTHORIZATION_FAILED', `${ctx.session.principal} may not create topic ${t.name} (CREATE on the topic or the cluster)`));
        continue;
      }
      const nameError = validateTopicName(t.name);
      if ((seen.get(t.name) ?? 0) > 1) {
        topics.push(failure(t.name, 'INVALID_REQUEST', `topic ${t.name} appears more than once in the request`));
        continue;
      }
      if (nameError) {
        topics.push(failure(t.name, 'INVALID_TOPIC_EXCEPTION', nameError));
        continue;
      }
      if (ctx.logs.getTopic(t.name)) {
        topics.push(failure(t.name, 'TOPIC_ALREADY_EXISTS', `topic ${t.name} already exists`));
        continue;
      }
      let partitions = t.numPartitions;
      if (t.assignments.length > 0) {
        if (t.numPartitions !== -1 || t.replicationFactor !== -1) {
          topics.push(failure(t.name, 'INVALID_REQUEST', 'give either assignments or partitions/replication factor, not both'));
          continue;
        }
        const bad = t.assignments.find((a) => a.brokerIds.length !== 1 || a.brokerIds[0] !== nodeId);
        const indexes = t.assignments.map((a) => a.partitionIndex).sort((a, b) => a - b);
        if (bad || indexes.some((p, i) => p !== i)) {
          topics.push(failure(t.name, 'INVALID_REPLICA_ASSIGNMENT', `this is a single broker (node ${nodeId}): each partition 0..n-1 must be assigned to exactly [${nodeId}]`));
          continue;
        }
        partitions = t.assignments.length;
      } else if (t.replicationFactor !== -1 && t.replicationFactor !== 1) {
        topics.push(failure(t.name, 'INVALID_REPLICATION_FACTOR', `replication factor ${t.replicationFactor} is larger than the 1 available broker: Tributary is a single broker, use replication factor 1 (or a real Kafka cluster for replication)`));
        continue;
      }
      if (partitions === -1) partitions = defaultPartitions;
      if (partitions < 1) {
        topics.push(failure(t.name, 'INVALID_PARTITIONS', `number of partitions must be at least 1, got ${partitions}`));
        continue;
      }
      const overrides: Record<string, string> = {};
      for (const c of t.configs) if (c.value !== null) overrides[c.name] = c.value;
      try {
        const info = ctx.topics.createTopic(t.name, partitions, overrides, req.validateOnly);
        topics.push({
          name: t.name,
          topicId: info.id,
          errorCode: 0,
          errorMessage: null,
          numPartitions: partitions,
          replicationFactor: 1,
          configs: ctx.topics.describeTopicConfigs(info).map((c) => ({ name: c.name, value: c.value, readOnly: false, configSource: c.source, isSensitive: false })),
        });
      } catch (e) {
        const k = kafkaErrorOf(e);
        if (k.unexpected) ctx.logger.error(`creating topic ${t.name} failed: ${(e as Error).stack ?? k.message}`);
        topics.push(failure(t.name, k.name, k.message));
      }
    }
    return { throttleTimeMs: 0, topics };
  },
});
