import { errorCode } from '../../protocol/errors.js';
import { DescribeGroupsRequest, DescribeGroupsResponse } from '../../protocol/schemas/describe-groups.js';
import { defineApi } from '../api.js';

const EMPTY = Buffer.alloc(0);

export const describeGroups = defineApi({
  request: DescribeGroupsRequest,
  response: DescribeGroupsResponse,
  handle(ctx, req) {
    const groups = req.groups.map((groupId) => {
      if (!ctx.authorizer.authorize(ctx.session, 'DESCRIBE', 'GROUP', groupId)) {
        return { errorCode: errorCode('GROUP_AUTHORIZATION_FAILED'), groupId, groupState: '', protocolType: '', protocolData: '', members: [] };
      }
      const g = ctx.coordinator.group(groupId);
      if (!g) return { errorCode: 0, groupId, groupState: 'Dead', protocolType: '', protocolData: '', members: [] };
      // Like Kafka: member metadata and assignments only mean something once the group is Stable.
      const stable = g.is('Stable');
      return {
        errorCode: 0,
        groupId,
        groupState: g.state,
        protocolType: g.protocolType ?? '',
        protocolData: stable ? (g.protocolName ?? '') : '',
        members: [...g.members.values()].map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          memberMetadata: stable ? m.metadataFor(g.protocolName ?? '') : EMPTY,
          memberAssignment: stable ? m.assignment : EMPTY,
        })),
      };
    });
    return { throttleTimeMs: 0, groups };
  },
});
