import { OffsetCommitRequest, OffsetCommitResponse } from '../../protocol/schemas/offset-commit.js';
import { defineApi } from '../api.js';

export const offsetCommit = defineApi({
  request: OffsetCommitRequest,
  response: OffsetCommitResponse,
  async handle(ctx, req) {
    const topics = await ctx.offsets.commit({
      groupId: req.groupId,
      generationId: req.generationIdOrMemberEpoch,
      memberId: req.memberId,
      groupInstanceId: req.groupInstanceId,
      topics: req.topics,
    });
    return { throttleTimeMs: 0, topics };
  },
});
