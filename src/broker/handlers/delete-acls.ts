import { errorCode } from '../../protocol/errors.js';
import { DeleteAclsRequest, DeleteAclsResponse } from '../../protocol/schemas/delete-acls.js';
import { defineApi } from '../api.js';
import { describeAcl, filterMatches, type AclBinding, type AclFilter } from '../security/acl.js';
import { bindingToWire, filterFromWire } from '../security/acl-wire.js';

/**
 * DeleteAcls: removes every ACL any filter selects, in one change of DATA/acls.json; each filter's result lists the
 * ACLs it matched. Needs ALTER on the cluster.
 */
export const deleteAcls = defineApi({
  request: DeleteAclsRequest,
  response: DeleteAclsResponse,
  async handle(ctx, req) {
    if (!ctx.authorizer.authorizeCluster(ctx.session, 'ALTER')) {
      const errorMessage = `${ctx.session.principal} may not delete ACLs (ALTER on the cluster)`;
      return { throttleTimeMs: 0, filterResults: req.filters.map(() => ({ errorCode: errorCode('CLUSTER_AUTHORIZATION_FAILED'), errorMessage, matchingAcls: [] })) };
    }
    const filters = req.filters.map(filterFromWire);
    const usable = filters.filter((f): f is AclFilter => f !== null && typeof f !== 'string');
    let removed: AclBinding[] = [];
    let failure: string | null = null;
    if (usable.length > 0) {
      try {
        removed = await ctx.authorizer.store.remove((b) => usable.some((f) => filterMatches(f, b)));
        for (const b of removed) ctx.logger.info(`ACL removed by ${ctx.session.principal} from ${ctx.session.host}: ${describeAcl(b)}`);
      } catch (e) {
        failure = (e as Error).message;
        ctx.logger.error(`DeleteAcls from ${ctx.session.principal} failed: ${failure}`);
      }
    }
    const filterResults = filters.map((f) => {
      if (typeof f === 'string') return { errorCode: errorCode('INVALID_REQUEST'), errorMessage: f, matchingAcls: [] };
      if (failure !== null) return { errorCode: errorCode('UNKNOWN_SERVER_ERROR'), errorMessage: failure, matchingAcls: [] };
      const matched = f === null ? [] : removed.filter((b) => filterMatches(f, b));
      return { errorCode: 0, errorMessage: null, matchingAcls: matched.map((b) => ({ errorCode: 0, errorMessage: null, ...bindingToWire(b) })) };
    });
    return { throttleTimeMs: 0, filterResults };
  },
});
