// Logging a new connection in before it sends anything else: SaslHandshake v1 names the mechanism, then the tokens
// travel in SaslAuthenticate requests (v0–2, whichever the broker offers), so a refusal comes back as Kafka's
// SASL_AUTHENTICATION_FAILED with the broker's reason instead of a bare close.
import { errorByCode } from '../protocol/errors.js';
import { SaslAuthenticateRequest, SaslAuthenticateResponse } from '../protocol/schemas/sasl-authenticate.js';
import { SaslHandshakeRequest, SaslHandshakeResponse } from '../protocol/schemas/sasl-handshake.js';
import type { Decoded, Encodable, MessageDef } from '../protocol/schema.js';
import { ConnectionError } from './connection-error.js';
import { ScramClient, ScramError } from './scram-client.js';
import type { SaslCredentials } from './security.js';

/** The broker refused the login (or could not prove itself, with SCRAM): retrying with the same settings will not help. */
export class AuthenticationError extends ConnectionError {
  constructor(
    address: string,
    reason: string,
    /** Kafka's error name when the broker sent one (SASL_AUTHENTICATION_FAILED, UNSUPPORTED_SASL_MECHANISM, …). */
    readonly type: string | null,
    options?: { cause?: unknown },
  ) {
    super(address, reason, options);
    this.name = 'AuthenticationError';
  }
}

/** What a login needs from a connection (BrokerConnection, without importing it back). */
export interface SaslConnection {
  readonly address: string;
  version(def: MessageDef, ours: [number, number]): number;
  request<Req extends MessageDef, Res extends MessageDef>(req: Req, res: Res, version: number, body: Encodable<Req>): Promise<Decoded<Res>>;
}

/**
 * Logs `conn` in; resolves with the session lifetime the broker set (KIP-368: 0 = none; otherwise the client must log
 * in again on the same connection before it ends).
 */
export async function saslLogin(conn: SaslConnection, sasl: SaslCredentials): Promise<{ sessionLifetimeMs: number }> {
  const who = `user "${sasl.username}" with mechanism ${sasl.mechanism}`;
  let handshakeVersion: number;
  let authVersion: number;
  try {
    // v1 only: v0 sends the tokens as bare frames, which cannot carry an error back.
    handshakeVersion = conn.version(SaslHandshakeRequest, [1, 1]);
    authVersion = conn.version(SaslAuthenticateRequest, [0, 2]);
  } catch {
    throw new AuthenticationError(conn.address, `cannot log in ${who}: the broker does not offer SaslHandshake v1 and SaslAuthenticate (Kafka 1.0 or newer does)`, null);
  }
  const hs = await conn.request(SaslHandshakeRequest, SaslHandshakeResponse, handshakeVersion, { mechanism: sasl.mechanism });
  if (hs.errorCode !== 0) {
    const type = errorByCode(hs.errorCode)?.type ?? `error ${hs.errorCode}`;
    const reason =
      type === 'UNSUPPORTED_SASL_MECHANISM'
        ? `the broker does not offer SASL mechanism ${sasl.mechanism}; it offers ${hs.mechanisms.join(', ') || 'none'}`
        : type === 'ILLEGAL_SASL_STATE'
          ? 'this listener does not expect a SASL login; use security protocol SSL or PLAINTEXT for it'
          : `the broker refused the SASL handshake for ${who} (${type})`;
    throw new AuthenticationError(conn.address, reason, type);
  }
  let sessionLifetimeMs = 0;
  const step = async (bytes: Buffer): Promise<Buffer> => {
    const r = await conn.request(SaslAuthenticateRequest, SaslAuthenticateResponse, authVersion, { authBytes: bytes });
    sessionLifetimeMs = Number(r.sessionLifetimeMs ?? 0);
    if (r.errorCode !== 0) {
      const type = errorByCode(r.errorCode)?.type ?? `error ${r.errorCode}`;
      throw new AuthenticationError(conn.address, `authentication failed for ${who}: ${r.errorMessage ?? 'no reason given'} (${type})`, type);
    }
    return r.authBytes;
  };
  if (sasl.mechanism === 'PLAIN') {
    // RFC 4616: authzid NUL authcid NUL passwd, with an empty authzid (log in as ourselves).
    await step(Buffer.from(`\0${sasl.username}\0${sasl.password}`, 'utf8'));
    return { sessionLifetimeMs };
  }
  const scram = new ScramClient(sasl.mechanism, sasl.username, sasl.password);
  try {
    const serverFirst = await step(scram.firstMessage());
    const serverFinal = await step(await scram.finalMessage(serverFirst));
    scram.verifyServerFinal(serverFinal);
  } catch (err) {
    if (err instanceof ScramError) throw new AuthenticationError(conn.address, `authentication failed for ${who}: ${err.message}`, null, { cause: err });
    throw err;
  }
  return { sessionLifetimeMs };
}
