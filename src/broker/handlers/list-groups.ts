import { ListGroupsRequest, ListGroupsResponse } from '../../protocol/schemas/list-groups.js';
import { defineApi } from '../api.js';

export const listGroups = defineApi({
  request: ListGroupsRequest,
  response: ListGroupsResponse,
  handle(ctx, req) {
    const states = new Set(req.statesFilter.map((s) => s.toLowerCase()));
    // As Kafka: DESCRIBE on the cluster lists every group; otherwise only the groups the client may describe.
    const { authorizer, session } = ctx;
    const everyGroup = authorizer.authorizeCluster(session, 'DESCRIBE', false);
    const groups = [...ctx.coordinator.groups.values()]
      .filter((g) => states.size === 0 || states.has(g.state.toLowerCase()))
      .filter((g) => everyGroup || authorizer.authorize(session, 'DESCRIBE', 'GROUP', g.groupId, false))
      .map((g) => ({ groupId: g.groupId, protocolType: g.protocolType ?? '', groupState: g.state }));
    return { throttleTimeMs: 0, errorCode: 0, groups };
  },
});
