import { errorCode } from '../../protocol/errors.js';
import { SaslHandshakeRequest, SaslHandshakeResponse } from '../../protocol/schemas/sasl-handshake.js';
import { defineApi } from '../api.js';
import { SASL_MECHANISMS } from '../security/sasl-authenticator.js';

export const saslHandshake = defineApi({
  request: SaslHandshakeRequest,
  response: SaslHandshakeResponse,
  handle(ctx, req) {
    // On a listener without SASL, Kafka answers ILLEGAL_SASL_STATE and lists nothing.
    if (!ctx.sasl) return { errorCode: errorCode('ILLEGAL_SASL_STATE'), mechanisms: [] };
    const refused = ctx.sasl.handshake(req.mechanism, ctx.header.apiVersion);
    if (refused) ctx.closeAfterResponse();
    return { errorCode: refused ? errorCode(refused) : 0, mechanisms: [...SASL_MECHANISMS] };
  },
});
