// A SASL client for tests, written from RFC 5802/7677 independently of the broker's code: PLAIN and SCRAM over
// SaslHandshake v1 + SaslAuthenticate, through a WireClient.
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { SaslAuthenticateRequest, SaslAuthenticateResponse } from '../../src/protocol/schemas/sasl-authenticate.js';
import { SaslHandshakeRequest, SaslHandshakeResponse } from '../../src/protocol/schemas/sasl-handshake.js';
import type { WireClient } from './wire-client.js';

type Hash = 'sha256' | 'sha512';

/** The SCRAM client's two messages, given the server's first (exported for the RFC 7677 vector test). */
export function scramClientFinal(hash: Hash, user: string, password: string, clientNonce: string, serverFirst: string) {
  const clientFirstBare = `n=${user},r=${clientNonce}`;
  const attrs = Object.fromEntries(serverFirst.split(',').map((p) => [p[0], p.slice(2)]));
  const salted = pbkdf2Sync(password, Buffer.from(attrs.s!, 'base64'), Number(attrs.i), hash === 'sha256' ? 32 : 64, hash);
  const clientKey = createHmac(hash, salted).update('Client Key').digest();
  const storedKey = createHash(hash).update(clientKey).digest();
  const withoutProof = `c=biws,r=${attrs.r}`;
  const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
  const signature = createHmac(hash, storedKey).update(authMessage).digest();
  const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]!));
  const serverKey = createHmac(hash, salted).update('Server Key').digest();
  return {
    clientFinal: `${withoutProof},p=${proof.toString('base64')}`,
    serverSignature: createHmac(hash, serverKey).update(authMessage).digest('base64'),
  };
}

export interface LoginResult {
  handshakeError: number;
  errorCode: number;
  errorMessage: string | null;
  /** SCRAM: whether the server proved it knows the credential (its v= matched). */
  serverVerified?: boolean;
}

/** Handshake v1 and SaslAuthenticate (`version`) for PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512. */
export async function saslLogin(c: WireClient, mechanism: string, user: string, password: string, version = 2): Promise<LoginResult> {
  const hs = await c.send(SaslHandshakeRequest, SaslHandshakeResponse, 1, { mechanism });
  if (hs.errorCode !== 0) return { handshakeError: hs.errorCode, errorCode: -1, errorMessage: null };
  const auth = (bytes: Buffer) => c.send(SaslAuthenticateRequest, SaslAuthenticateResponse, version, { authBytes: bytes });
  if (mechanism === 'PLAIN') {
    const r = await auth(Buffer.from(`\0${user}\0${password}`));
    return { handshakeError: 0, errorCode: r.errorCode, errorMessage: r.errorMessage };
  }
  const hash: Hash = mechanism === 'SCRAM-SHA-256' ? 'sha256' : 'sha512';
  const nonce = randomBytes(18).toString('base64');
  const first = await auth(Buffer.from(`n,,n=${user},r=${nonce}`));
  if (first.errorCode !== 0) return { handshakeError: 0, errorCode: first.errorCode, errorMessage: first.errorMessage };
  const serverFirst = first.authBytes.toString();
  const { clientFinal, serverSignature } = scramClientFinal(hash, user, password, nonce, serverFirst);
  const final = await auth(Buffer.from(clientFinal));
  return { handshakeError: 0, errorCode: final.errorCode, errorMessage: final.errorMessage, serverVerified: final.authBytes.toString() === `v=${serverSignature}` };
}
