import { errorCode } from '../../protocol/errors.js';
import { DescribeAclsRequest, DescribeAclsResponse } from '../../protocol/schemas/describe-acls.js';
import { defineApi } from '../api.js';
import { filterMatches } from '../security/acl.js';
import { bindingToWire, filterFromWire } from '../security/acl-wire.js';

type Resource = { resourceType: number; resourceName: string; patternType: number; acls: { principal: string; host: string; operation: number; permissionType: number }[] };

/** DescribeAcls: the ACLs a filter selects, grouped by resource pattern. Needs DESCRIBE on the cluster. */
export const describeAcls = defineApi({
  request: DescribeAclsRequest,
  response: DescribeAclsResponse,
  handle(ctx, req) {
    if (!ctx.authorizer.authorizeCluster(ctx.session, 'DESCRIBE')) {
      return { throttleTimeMs: 0, errorCode: errorCode('CLUSTER_AUTHORIZATION_FAILED'), errorMessage: `${ctx.session.principal} may not describe ACLs (DESCRIBE on the cluster)`, resources: [] };
    }
    const filter = filterFromWire(req);
    if (typeof filter === 'string') return { throttleTimeMs: 0, errorCode: errorCode('INVALID_REQUEST'), errorMessage: filter, resources: [] };
    const byPattern = new Map<string, Resource>();
    for (const b of filter === null ? [] : ctx.authorizer.store.all().filter((b) => filterMatches(filter, b))) {
      const w = bindingToWire(b);
      const key = `${w.resourceType}\u0000${w.patternType}\u0000${w.resourceName}`;
      let r = byPattern.get(key);
      if (!r) byPattern.set(key, (r = { resourceType: w.resourceType, resourceName: w.resourceName, patternType: w.patternType, acls: [] }));
      r.acls.push({ principal: w.principal, host: w.host, operation: w.operation, permissionType: w.permissionType });
    }
    return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, resources: [...byPattern.values()] };
  },
});
