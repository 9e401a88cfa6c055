import { SaslFailure } from './scram.js';

/** A SASL PLAIN message (RFC 4616): `authzid NUL authcid NUL passwd`. */
export function parsePlain(token: Buffer): { user: string; password: string } {
  const parts = token.toString('utf8').split('\0');
  if (parts.length !== 3) throw new SaslFailure('malformed PLAIN message');
  const [authzid, user, password] = parts as [string, string, string];
  if (user === '' || password === '') throw new SaslFailure('PLAIN message lacks a user name or password');
  if (authzid !== '' && authzid !== user) throw new SaslFailure('an authorization id other than the user name is not allowed');
  return { user, password };
}
