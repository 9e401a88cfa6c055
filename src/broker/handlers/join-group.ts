import { errorCode } from '../../protocol/errors.js';
import { JoinGroupRequest, JoinGroupResponse } from '../../protocol/schemas/join-group.js';
import { defineApi } from '../api.js';

export const joinGroup = defineApi({
  request: JoinGroupRequest,
  response: JoinGroupResponse,
  async handle(ctx, req) {
    if (!ctx.authorizer.authorize(ctx.session, 'READ', 'GROUP', req.groupId)) {
      const code = errorCode('GROUP_AUTHORIZATION_FAILED');
      return { throttleTimeMs: 0, errorCode: code, generationId: -1, protocolName: ctx.header.apiVersion >= 7 ? null : '', leader: '', memberId: req.memberId, members: [] };
    }
    const res = await ctx.coordinator.join({
      groupId: req.groupId,
      sessionTimeoutMs: req.sessionTimeoutMs,
      // v0 has no rebalance timeout: Kafka uses the session timeout.
      rebalanceTimeoutMs: req.rebalanceTimeoutMs >= 0 ? req.rebalanceTimeoutMs : req.sessionTimeoutMs,
      memberId: req.memberId,
      groupInstanceId: req.groupInstanceId,
      protocolType: req.protocolType,
      protocols: req.protocols,
      clientId: ctx.header.clientId ?? '',
      clientHost: `/${ctx.client.remoteAddress}`,
      requireKnownMemberId: ctx.header.apiVersion >= 4,
    });
    // Before v7 the protocol name is not nullable.
    return { throttleTimeMs: 0, ...res, protocolName: res.protocolName ?? (ctx.header.apiVersion >= 7 ? null : '') };
  },
});
