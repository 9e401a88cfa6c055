import { errorCode } from '../../protocol/errors.js';
import { SaslAuthenticateRequest, SaslAuthenticateResponse } from '../../protocol/schemas/sasl-authenticate.js';
import { defineApi } from '../api.js';

const EMPTY = Buffer.alloc(0);

export const saslAuthenticate = defineApi({
  request: SaslAuthenticateRequest,
  response: SaslAuthenticateResponse,
  async handle(ctx, req) {
    const sasl = ctx.sasl;
    if (!sasl || !sasl.inExchange || sasl.rawTokens) {
      ctx.closeAfterResponse();
      const message = sasl ? 'SaslAuthenticate without a SaslHandshake v1 before it' : 'this listener does not use SASL';
      return { errorCode: errorCode('ILLEGAL_SASL_STATE'), errorMessage: message, authBytes: EMPTY, sessionLifetimeMs: 0 };
    }
    const step = await sasl.step(req.authBytes, ctx.signal);
    if (!step.ok) {
      // The answer has waited (per address, growing with each failure); the connection then closes.
      ctx.closeAfterResponse();
      return { errorCode: errorCode('SASL_AUTHENTICATION_FAILED'), errorMessage: step.message, authBytes: EMPTY, sessionLifetimeMs: 0 };
    }
    // Session lifetime 0: no re-authentication required (KIP-368); clients may still re-authenticate.
    return { errorCode: 0, errorMessage: null, authBytes: step.token, sessionLifetimeMs: 0 };
  },
});
