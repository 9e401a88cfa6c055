import { errorCode } from '../../protocol/errors.js';
import { FindCoordinatorRequest, FindCoordinatorResponse } from '../../protocol/schemas/find-coordinator.js';
import { defineApi } from '../api.js';

const GROUP = 0;

export const findCoordinator = defineApi({
  request: FindCoordinatorRequest,
  response: FindCoordinatorResponse,
  handle(ctx, req) {
    const { host, port } = ctx.identity.advertised();
    const nodeId = ctx.identity.nodeId;
    // This single broker coordinates every group; transactions have no coordinator here.
    const answer = (key: string) =>
      req.keyType === GROUP
        ? ctx.authorizer.authorize(ctx.session, 'DESCRIBE', 'GROUP', key)
          ? { key, nodeId, host, port, errorCode: 0, errorMessage: null }
          : { key, nodeId: -1, host: '', port: -1, errorCode: errorCode('GROUP_AUTHORIZATION_FAILED'), errorMessage: `${ctx.session.principal} may not use group ${key}` }
        : { key, nodeId: -1, host: '', port: -1, errorCode: errorCode('COORDINATOR_NOT_AVAILABLE'), errorMessage: 'transactions are not supported by Tributary' };
    if (ctx.header.apiVersion >= 4) return { throttleTimeMs: 0, coordinators: req.coordinatorKeys.map(answer) };
    const one = answer(req.key);
    return { throttleTimeMs: 0, errorCode: one.errorCode, errorMessage: one.errorMessage, nodeId: one.nodeId, host: one.host, port: one.port };
  },
});
