import { errorCode } from '../../protocol/errors.js';
import { OffsetCommitRequest, OffsetCommitResponse } from '../../protocol/schemas/offset-commit.js';
import { defineApi } from '../api.js';

export const offsetCommit = defineApi({
  request: OffsetCommitRequest,
  response: OffsetCommitResponse,
  async handle(ctx, req) {
    const { authorizer, session } = ctx;
    const every = (code: number, topics: typeof req.topics) => topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: code })) }));
    if (!authorizer.authorize(session, 'READ', 'GROUP', req.groupId)) return { throttleTimeMs: 0, topics: every(errorCode('GROUP_AUTHORIZATION_FAILED'), req.topics) };
    // As Kafka: the partitions of topics the member may not read are refused, the others committed.
    const refused = req.topics.filter((t) => !authorizer.authorize(session, 'READ', 'TOPIC', t.name));
    const allowed = refused.length === 0 ? req.topics : req.topics.filter((t) => !refused.includes(t));
    const committed =
      allowed.length === 0 && refused.length > 0
        ? []
        : await ctx.offsets.commit({
            groupId: req.groupId,
            generationId: req.generationIdOrMemberEpoch,
            memberId: req.memberId,
            groupInstanceId: req.groupInstanceId,
            topics: allowed,
          });
    return { throttleTimeMs: 0, topics: refused.length === 0 ? committed : [...committed, ...every(errorCode('TOPIC_AUTHORIZATION_FAILED'), refused)] };
  },
});
