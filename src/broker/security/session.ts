import type { ClientInfo } from '../client-info.js';

/**
 * Who a connection acts as, for authorization (the shared security design): the SASL user, else the TLS client
 * certificate's subject, else `User:ANONYMOUS`. An anonymous connection from this machine (a loopback address) is the
 * workstation's own user and may do everything, so local tools and seed scripts keep working on localhost:9092;
 * anonymous from anywhere else gets only what ACLs grant `User:ANONYMOUS`.
 */
export interface Session {
  /** Kafka's principal text: `User:alice`, `User:CN=web-1,O=acme`, `User:ANONYMOUS`. */
  readonly principal: string;
  /** The client's IP address (IPv4-mapped IPv6 written as IPv4), as ACL hosts name it. */
  readonly host: string;
  readonly loopbackAnonymous: boolean;
  /** principal and host in one string: the authorizer's cache key. */
  readonly key: string;
}

export const ANONYMOUS = 'User:ANONYMOUS';

/** 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopback(address: string): boolean {
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  return a.startsWith('127.') || a === '::1' || a === '0:0:0:0:0:0:0:1';
}

export function sessionOf(client: Pick<ClientInfo, 'remoteAddress' | 'principal' | 'tlsPrincipal'>): Session {
  const host = client.remoteAddress.startsWith('::ffff:') ? client.remoteAddress.slice(7) : client.remoteAddress;
  // SASL wins over the certificate when both are there, as in Kafka.
  const authenticated = client.principal ?? client.tlsPrincipal ?? null;
  const principal = authenticated !== null ? `User:${authenticated}` : ANONYMOUS;
  return { principal, host, loopbackAnonymous: authenticated === null && isLoopback(host), key: `${principal}\n${host}` };
}
