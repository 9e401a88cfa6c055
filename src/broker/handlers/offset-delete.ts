import { errorCode } from '../../protocol/errors.js';
import { OffsetDeleteRequest, OffsetDeleteResponse } from '../../protocol/schemas/offset-delete.js';
import { defineApi } from '../api.js';
import { subscribedTopics } from '../groups/consumer-protocol.js';
import { OffsetStoreUnavailable } from '../groups/offset-store.js';

export const offsetDelete = defineApi({
  request: OffsetDeleteRequest,
  response: OffsetDeleteResponse,
  async handle(ctx, req) {
    const { coordinator, offsets, authorizer, session } = ctx;
    if (!authorizer.authorize(session, 'DELETE', 'GROUP', req.groupId)) return { errorCode: errorCode('GROUP_AUTHORIZATION_FAILED'), throttleTimeMs: 0, topics: [] };
    const g = coordinator.group(req.groupId);
    if (!g) return { errorCode: errorCode('GROUP_ID_NOT_FOUND'), throttleTimeMs: 0, topics: [] };
    if (!g.is('Empty') && g.protocolType !== 'consumer') return { errorCode: errorCode('NON_EMPTY_GROUP'), throttleTimeMs: 0, topics: [] };
    const toDelete: { topic: string; partition: number }[] = [];
    const topics = req.topics.map((t) => {
      if (!authorizer.authorize(session, 'READ', 'TOPIC', t.name)) {
        return { name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: errorCode('TOPIC_AUTHORIZATION_FAILED') })) };
      }
      const subscribed = !g.is('Empty') && offsets.isSubscribed(g, t.name, subscribedTopics);
      return {
        name: t.name,
        partitions: t.partitions.map((p) => {
          if (subscribed) return { partitionIndex: p.partitionIndex, errorCode: errorCode('GROUP_SUBSCRIBED_TO_TOPIC') };
          toDelete.push({ topic: t.name, partition: p.partitionIndex });
          return { partitionIndex: p.partitionIndex, errorCode: 0 };
        }),
      };
    });
    try {
      await offsets.store.delete(req.groupId, toDelete);
    } catch (e) {
      if (!(e instanceof OffsetStoreUnavailable)) throw e;
      // Retriable, as for a commit the coordinator cannot record: nothing was deleted.
      if (!e.fatal) ctx.logger.warn(`cannot delete offsets of group ${req.groupId}: ${e.message}`);
      return { errorCode: errorCode('COORDINATOR_NOT_AVAILABLE'), throttleTimeMs: 0, topics: [] };
    }
    return { errorCode: 0, throttleTimeMs: 0, topics };
  },
});
