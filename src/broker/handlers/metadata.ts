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
    if (all) {
      for (const t of ctx.logs.listTopics()) topics.push(describeTopic(nodeId, t));
    } else {
      for (const { name } of req.topics!) {
        const nameError = validateTopicName(name);
        if (nameError) {
          topics.push(missing(name, errorCode('INVALID_TOPIC_EXCEPTION')));
          continue;
        }
        try {
          const t = await ctx.topics.topicForWrite(name, req.allowAutoTopicCreation);
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
