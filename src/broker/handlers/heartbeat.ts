import { HeartbeatRequest, HeartbeatResponse } from '../../protocol/schemas/heartbeat.js';
import { defineApi } from '../api.js';

export const heartbeat = defineApi({
  request: HeartbeatRequest,
  response: HeartbeatResponse,
  handle(ctx, req) {
    return { throttleTimeMs: 0, errorCode: ctx.coordinator.heartbeat(req.groupId, req.generationId, req.memberId, req.groupInstanceId) };
  },
});
