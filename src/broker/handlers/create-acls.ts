import { errorCode } from '../../protocol/errors.js';
import { CreateAclsRequest, CreateAclsResponse } from '../../protocol/schemas/create-acls.js';
import { defineApi } from '../api.js';
import { describeAcl, type AclBinding } from '../security/acl.js';
import { bindingFromWire } from '../security/acl-wire.js';

/** CreateAcls: adds them to DATA/acls.json (one write for the request), in force at once. Needs ALTER on the cluster. */
export const createAcls = defineApi({
  request: CreateAclsRequest,
  response: CreateAclsResponse,
  async handle(ctx, req) {
    if (!ctx.authorizer.authorizeCluster(ctx.session, 'ALTER')) {
      const errorMessage = `${ctx.session.principal} may not create ACLs (ALTER on the cluster)`;
      return { throttleTimeMs: 0, results: req.creations.map(() => ({ errorCode: errorCode('CLUSTER_AUTHORIZATION_FAILED'), errorMessage })) };
    }
    const parsed = req.creations.map(bindingFromWire);
    const valid = parsed.filter((b): b is AclBinding => typeof b !== 'string');
    let failure: string | null = null;
    if (valid.length > 0) {
      try {
        await ctx.authorizer.store.add(valid);
        for (const b of valid) ctx.logger.info(`ACL added by ${ctx.session.principal} from ${ctx.session.host}: ${describeAcl(b)}`);
      } catch (e) {
        failure = (e as Error).message;
        ctx.logger.error(`CreateAcls from ${ctx.session.principal} failed: ${failure}`);
      }
    }
    const results = parsed.map((b) =>
      typeof b === 'string'
        ? { errorCode: errorCode('INVALID_REQUEST'), errorMessage: b }
        : failure !== null
          ? { errorCode: errorCode('UNKNOWN_SERVER_ERROR'), errorMessage: failure }
          : { errorCode: 0, errorMessage: null },
    );
    return { throttleTimeMs: 0, results };
  },
});
