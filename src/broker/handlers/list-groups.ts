import { ListGroupsRequest, ListGroupsResponse } from '../../protocol/schemas/list-groups.js';
import { defineApi } from '../api.js';

export const listGroups = defineApi({
  request: ListGroupsRequest,
  response: ListGroupsResponse,
  handle(ctx, req) {
    const states = new Set(req.statesFilter.map((s) => s.toLowerCase()));
    const groups = [...ctx.coordinator.groups.values()]
      .filter((g) => states.size === 0 || states.has(g.state.toLowerCase()))
      .map((g) => ({ groupId: g.groupId, protocolType: g.protocolType ?? '', groupState: g.state }));
    return { throttleTimeMs: 0, errorCode: 0, groups };
  },
});
