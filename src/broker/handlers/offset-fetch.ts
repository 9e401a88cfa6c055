import { errorCode } from '../../protocol/errors.js';
import { OffsetFetchRequest, OffsetFetchResponse } from '../../protocol/schemas/offset-fetch.js';
import { defineApi, type RequestContext } from '../api.js';

type Topics = { name: string; partitionIndexes: number[] }[] | null;

/**
 * One group's committed offsets, as Kafka authorizes them: DESCRIBE on the group (else the group's error), then per
 * topic DESCRIBE on the topic: a named topic the client may not describe is refused partition by partition, and from
 * "every topic" (null) such topics are left out.
 */
function fetchGroup(ctx: RequestContext, groupId: string, topics: Topics) {
  const { authorizer, session, offsets } = ctx;
  if (!authorizer.authorize(session, 'DESCRIBE', 'GROUP', groupId)) {
    // v0-1 have no top-level error: the group's error goes on every partition asked for.
    return { topics: refusedTopics(topics ?? [], errorCode('GROUP_AUTHORIZATION_FAILED')), errorCode: errorCode('GROUP_AUTHORIZATION_FAILED') };
  }
  const may = (topic: string, log: boolean) => authorizer.authorize(session, 'DESCRIBE', 'TOPIC', topic, log);
  if (topics === null) return { topics: offsets.fetch(groupId, null).filter((t) => may(t.name, false)), errorCode: 0 };
  const refused = topics.filter((t) => !may(t.name, true));
  if (refused.length === 0) return { topics: offsets.fetch(groupId, topics), errorCode: 0 };
  return { topics: [...offsets.fetch(groupId, topics.filter((t) => !refused.includes(t))), ...refusedTopics(refused, errorCode('TOPIC_AUTHORIZATION_FAILED'))], errorCode: 0 };
}

function refusedTopics(topics: { name: string; partitionIndexes: number[] }[], code: number) {
  return topics.map((t) => ({
    name: t.name,
    partitions: t.partitionIndexes.map((p) => ({ partitionIndex: p, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: code })),
  }));
}

export const offsetFetch = defineApi({
  request: OffsetFetchRequest,
  response: OffsetFetchResponse,
  handle(ctx, req) {
    if (ctx.header.apiVersion >= 8) {
      return { throttleTimeMs: 0, groups: req.groups.map((g) => ({ groupId: g.groupId, ...fetchGroup(ctx, g.groupId, g.topics) })) };
    }
    return { throttleTimeMs: 0, ...fetchGroup(ctx, req.groupId, req.topics) };
  },
});
