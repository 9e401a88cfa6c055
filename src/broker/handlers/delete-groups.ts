import { errorCode } from '../../protocol/errors.js';
import { DeleteGroupsRequest, DeleteGroupsResponse } from '../../protocol/schemas/delete-groups.js';
import { defineApi } from '../api.js';

export const deleteGroups = defineApi({
  request: DeleteGroupsRequest,
  response: DeleteGroupsResponse,
  async handle(ctx, req) {
    const { coordinator, offsets } = ctx;
    const results = [];
    for (const groupId of req.groupsNames) {
      const g = coordinator.group(groupId);
      if (!g) {
        results.push({ groupId, errorCode: errorCode(groupId === '' ? 'INVALID_GROUP_ID' : 'GROUP_ID_NOT_FOUND') });
      } else if (!g.is('Empty')) {
        results.push({ groupId, errorCode: errorCode('NON_EMPTY_GROUP') });
      } else {
        await offsets.store.deleteGroup(groupId);
        coordinator.remove(groupId);
        ctx.logger.info(`deleted group ${groupId}`);
        results.push({ groupId, errorCode: 0 });
      }
    }
    return { throttleTimeMs: 0, results };
  },
});
