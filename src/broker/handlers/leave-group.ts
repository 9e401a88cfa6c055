import { errorCode } from '../../protocol/errors.js';
import { LeaveGroupRequest, LeaveGroupResponse } from '../../protocol/schemas/leave-group.js';
import { defineApi } from '../api.js';

export const leaveGroup = defineApi({
  request: LeaveGroupRequest,
  response: LeaveGroupResponse,
  handle(ctx, req) {
    const { coordinator } = ctx;
    if (!ctx.authorizer.authorize(ctx.session, 'READ', 'GROUP', req.groupId)) return { throttleTimeMs: 0, errorCode: errorCode('GROUP_AUTHORIZATION_FAILED'), members: [] };
    if (ctx.header.apiVersion < 3) return { throttleTimeMs: 0, errorCode: coordinator.leave(req.groupId, req.memberId, null) };
    const members = req.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: coordinator.leave(req.groupId, m.memberId, m.groupInstanceId) }));
    return { throttleTimeMs: 0, errorCode: 0, members };
  },
});
