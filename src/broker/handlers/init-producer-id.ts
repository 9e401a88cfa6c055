import { errorCode } from '../../protocol/errors.js';
import { InitProducerIdRequest, InitProducerIdResponse } from '../../protocol/schemas/init-producer-id.js';
import { defineApi } from '../api.js';

const MAX_EPOCH = 32767;

export const initProducerId = defineApi({
  request: InitProducerIdRequest,
  response: InitProducerIdResponse,
  handle(ctx, req) {
    if (req.transactionalId !== null) {
      // Transactions need a transaction coordinator, which this single-node broker does not implement.
      return { throttleTimeMs: 0, errorCode: errorCode('TRANSACTIONAL_ID_AUTHORIZATION_FAILED'), producerId: -1, producerEpoch: -1 };
    }
    // An idempotent producer needs IDEMPOTENT_WRITE on the cluster, or WRITE on some topic (as in Kafka 2.8+).
    const { authorizer, session } = ctx;
    if (!authorizer.authorizeCluster(session, 'IDEMPOTENT_WRITE', false) && !authorizer.authorizeAny(session, 'WRITE', 'TOPIC')) {
      authorizer.refused(session, 'IDEMPOTENT_WRITE', 'CLUSTER', 'kafka-cluster');
      return { throttleTimeMs: 0, errorCode: errorCode('CLUSTER_AUTHORIZATION_FAILED'), producerId: -1, producerEpoch: -1 };
    }
    // KIP-360: an idempotent producer may ask to bump its epoch after a fatal sequence error.
    if (req.producerId >= 0 && req.producerEpoch >= 0 && req.producerEpoch < MAX_EPOCH) {
      return { throttleTimeMs: 0, errorCode: 0, producerId: req.producerId, producerEpoch: req.producerEpoch + 1 };
    }
    return { throttleTimeMs: 0, errorCode: 0, producerId: ctx.logs.allocateProducerId(), producerEpoch: 0 };
  },
});
