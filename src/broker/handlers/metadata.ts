import { errorCode } from '../../protocol/errors.js';
import type { Encodable } from '../../protocol/schema.js';
import { MetadataRequest, MetadataResponse } from '../../protocol/schemas/metadata.js';
import { validateTopicName } from '../../storage/index.js';
import type { TopicInfo } from '../../storage/types.js';
import { defineApi } from '../api.js';
import { kafkaErrorOf } from '../kafka-error.js';

type TopicMeta = Encodable<typeof MetadataResponse>['topics'][number];

function describeTopic(node: number, t: TopicInfo): TopicMeta {
  const partitions = [];
  for (let p = 0; p < t.partitions; p++) {
    partitions.push({ errorCode: 0, partitionIndex: p, leaderId: node, leaderEpoch: 0, replicaNodes: [node], isrNodes: [node], offlineReplicas: [] });
  }
  return { errorCode: 0, name: t.name, isInternal: t.name.startsWith('__'), partitions };
}

function missing(name: string, code: number): TopicMeta {
  return { errorCode: code, name, isInternal: false, partitions: [] };
}

export const metadata = defineApi({
  request: MetadataRequest,
  response: MetadataResponse,
  async handle(ctx, req) {
    const { nodeId, clusterId } = ctx.identity;
    const { host, port } = ctx.identity.advertised();
    // v0: an empty list means every topic; v1+: null means every topic.
    const all = req.topics === null || (ctx.header.apiVersion === 0 && req.topics.length === 0);
    const topics: TopicMeta[] = [];
    const { authorizer, session } = ctx;
    if (all) {
      // As Kafka: every topic means every topic this client may describe; the others are left out, not refused.
      for (const t of ctx.logs.listTopics()) if (authorizer.authorize(session, 'DESCRIBE', 'TOPIC', t.name, false)) topics.push(describeTopic(nodeId, t));
    } else {
      for (const { name } of req.topics!) {
        if (!authorizer.authorize(session, 'DESCRIBE', 'TOPIC', name)) {
          topics.push(missing(name, errorCode('TOPIC_AUTHORIZATION_FAILED')));
          continue;
        }
        const nameError = validateTopicName(name);
        if (nameError) {
          topics.push(missing(name, errorCode('INVALID_TOPIC_EXCEPTION')));
          continue;
        }
        // Auto-creation: Kafka asks CREATE on the topic or the cluster; WRITE does here too (an agent's first
        // Metadata for a new topic precedes its first Produce). Without any, a missing topic is unknown.
        const mayCreate =
          req.allowAutoTopicCreation &&
          (ctx.logs.getTopic(name) !== undefined ||
            authorizer.authorize(session, 'WRITE', 'TOPIC', name, false) ||
            authorizer.authorize(session, 'CREATE', 'TOPIC', name, false) ||
            authorizer.authorizeCluster(session, 'CREATE', false));
        try {
          const t = await ctx.topics.topicForWrite(name, mayCreate);
          topics.push(t ? describeTopic(nodeId, t) : missing(name, errorCode('UNKNOWN_TOPIC_OR_PARTITION')));
        } catch (e) {
          // The reason, as Kafka's auto-creation reports it (Errors.forException): a name collision, a limit, the disk.
          const k = kafkaErrorOf(e);
          if (k.unexpected) ctx.logger.error(`auto-creating topic ${name} failed: ${(e as Error).stack ?? k.message}`);
          else ctx.logger.debug(`auto-creating topic ${name} failed: ${k.message}`);
          topics.push(missing(name, errorCode(k.name)));
        }
      }
    }
    return {
      throttleTimeMs: 0,
      brokers: [{ nodeId, host, port, rack: null }],
      clusterId,
      controllerId: nodeId,
      topics,
    };
  },
});
