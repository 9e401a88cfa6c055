import { errorCode } from '../../protocol/errors.js';
import { HeartbeatRequest, HeartbeatResponse } from '../../protocol/schemas/heartbeat.js';
import { defineApi } from '../api.js';

export const heartbeat = defineApi({
  request: HeartbeatRequest,
  response: HeartbeatResponse,
  handle(ctx, req) {
    if (!ctx.authorizer.authorize(ctx.session, 'READ', 'GROUP', req.groupId)) return { throttleTimeMs: 0, errorCode: errorCode('GROUP_AUTHORIZATION_FAILED') };
    return { throttleTimeMs: 0, errorCode: ctx.coordinator.heartbeat(req.groupId, req.generationId, req.memberId, req.groupInstanceId) };
  },
});
