import { errorCode } from '../../protocol/errors.js';
import { SyncGroupRequest, SyncGroupResponse } from '../../protocol/schemas/sync-group.js';
import { defineApi } from '../api.js';

const EMPTY = Buffer.alloc(0);

export const syncGroup = defineApi({
  request: SyncGroupRequest,
  response: SyncGroupResponse,
  async handle(ctx, req) {
    if (!ctx.authorizer.authorize(ctx.session, 'READ', 'GROUP', req.groupId)) return { throttleTimeMs: 0, errorCode: errorCode('GROUP_AUTHORIZATION_FAILED'), assignment: EMPTY };
    const res = await ctx.coordinator.sync(req.groupId, req.generationId, req.memberId, req.groupInstanceId, req.protocolType, req.protocolName, req.assignments);
    return { throttleTimeMs: 0, ...res };
  },
});
