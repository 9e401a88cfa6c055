import { errorCode } from '../../protocol/errors.js';
import { DeleteGroupsRequest, DeleteGroupsResponse } from '../../protocol/schemas/delete-groups.js';
import { defineApi } from '../api.js';
import { OffsetStoreUnavailable } from '../groups/offset-store.js';

export const deleteGroups = defineApi({
  request: DeleteGroupsRequest,
  response: DeleteGroupsResponse,
  async handle(ctx, req) {
    const { coordinator, offsets } = ctx;
    const results = [];
    for (const groupId of req.groupsNames) {
      const g = coordinator.group(groupId);
      if (!ctx.authorizer.authorize(ctx.session, 'DELETE', 'GROUP', groupId)) {
        results.push({ groupId, errorCode: errorCode('GROUP_AUTHORIZATION_FAILED') });
      } else if (!g) {
        results.push({ groupId, errorCode: errorCode(groupId === '' ? 'INVALID_GROUP_ID' : 'GROUP_ID_NOT_FOUND') });
      } else if (!g.is('Empty')) {
        results.push({ groupId, errorCode: errorCode('NON_EMPTY_GROUP') });
      } else {
        try {
          await offsets.store.deleteGroup(groupId);
        } catch (e) {
          if (!(e instanceof OffsetStoreUnavailable)) throw e;
          // Retriable, as for a commit the coordinator cannot record: the group and its offsets stay as they were.
          if (!e.fatal) ctx.logger.warn(`cannot delete group ${groupId}: ${e.message}`);
          results.push({ groupId, errorCode: errorCode('COORDINATOR_NOT_AVAILABLE') });
          continue;
        }
        coordinator.remove(groupId);
        ctx.logger.info(`deleted group ${groupId}`);
        results.push({ groupId, errorCode: 0 });
      }
    }
    return { throttleTimeMs: 0, results };
  },
});
