import { SyncGroupRequest, SyncGroupResponse } from '../../protocol/schemas/sync-group.js';
import { defineApi } from '../api.js';

export const syncGroup = defineApi({
  request: SyncGroupRequest,
  response: SyncGroupResponse,
  async handle(ctx, req) {
    const res = await ctx.coordinator.sync(req.groupId, req.generationId, req.memberId, req.groupInstanceId, req.protocolType, req.protocolName, req.assignments);
    return { throttleTimeMs: 0, ...res };
  },
});
