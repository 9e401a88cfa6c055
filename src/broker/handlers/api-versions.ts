import { ApiVersionsRequest, ApiVersionsResponse } from '../../protocol/schemas/api-versions.js';
import { defineApi } from '../api.js';

export const apiVersions = defineApi({
  request: ApiVersionsRequest,
  response: ApiVersionsResponse,
  handle(ctx, req) {
    if (req.clientSoftwareName) {
      ctx.client.softwareName = req.clientSoftwareName;
      ctx.client.softwareVersion = req.clientSoftwareVersion;
    }
    return { errorCode: 0, apiKeys: ctx.identity.apiVersions(), throttleTimeMs: 0 };
  },
});
