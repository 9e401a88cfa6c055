import { OffsetFetchRequest, OffsetFetchResponse } from '../../protocol/schemas/offset-fetch.js';
import { defineApi } from '../api.js';

export const offsetFetch = defineApi({
  request: OffsetFetchRequest,
  response: OffsetFetchResponse,
  handle(ctx, req) {
    const { offsets } = ctx;
    if (ctx.header.apiVersion >= 8) {
      return { throttleTimeMs: 0, groups: req.groups.map((g) => ({ groupId: g.groupId, topics: offsets.fetch(g.groupId, g.topics), errorCode: 0 })) };
    }
    return { throttleTimeMs: 0, topics: offsets.fetch(req.groupId, req.topics), errorCode: 0 };
  },
});
