// How the client secures a connection, in Kafka's terms: the security protocol (TLS or not, SASL login or not), what
// to trust, and who to log in as. Checked once when a client is made, so a bad combination fails before any socket.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ConnectionOptions as TlsOptions } from 'node:tls';

export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];
export const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

export interface SaslCredentials {
  mechanism: SaslMechanism;
  username: string;
  password: string;
}

/** PEM text, or the path of a PEM file (anything that does not start like PEM is read as a path). */
export type PemSource = string | Buffer;

export interface ClientSecurity {
  protocol: SecurityProtocol;
  /** CA certificate(s) to verify the broker against; Node's default trust store when absent. */
  ca?: PemSource | PemSource[];
  /** Client certificate and key, for brokers that authenticate clients by certificate (mTLS). */
  cert?: PemSource;
  key?: PemSource;
  /** Verify the broker's certificate and host name (default true). Off only for experiments. */
  rejectUnauthorized?: boolean;
  /** Host name to send in SNI and check the certificate against, when it differs from the address connected to. */
  servername?: string;
  sasl?: SaslCredentials;
}

export const usesTls = (s: ClientSecurity | undefined): boolean => s?.protocol === 'SSL' || s?.protocol === 'SASL_SSL';
export const usesSasl = (s: ClientSecurity | undefined): boolean => s?.protocol === 'SASL_PLAINTEXT' || s?.protocol === 'SASL_SSL';

/** What is wrong with a combination of settings, for people; null when it is usable. */
export function securityProblem(s: ClientSecurity): string | null {
  if (!SECURITY_PROTOCOLS.includes(s.protocol)) return `unknown security protocol "${s.protocol}"; choose from ${SECURITY_PROTOCOLS.join(', ')}`;
  if (usesSasl(s)) {
    if (!s.sasl) return `${s.protocol} needs SASL credentials: a mechanism, a user name and a password`;
    if (!SASL_MECHANISMS.includes(s.sasl.mechanism)) return `unknown SASL mechanism "${s.sasl.mechanism}"; choose from ${SASL_MECHANISMS.join(', ')}`;
    if (!s.sasl.username) return `${s.protocol} needs a SASL user name`;
    if (!s.sasl.password) return `${s.protocol} needs a SASL password`;
    if (s.sasl.username.includes('\0') || s.sasl.password.includes('\0')) return 'SASL user names and passwords cannot contain NUL characters';
  } else if (s.sasl) {
    return `SASL credentials were given but the security protocol is ${s.protocol}; use SASL_SSL (or SASL_PLAINTEXT) to log in`;
  }
  if (!usesTls(s) && (s.ca !== undefined || s.cert !== undefined || s.key !== undefined)) {
    return `TLS settings (CA, certificate, key) were given but the security protocol is ${s.protocol}; use SSL or SASL_SSL`;
  }
  if ((s.cert === undefined) !== (s.key === undefined)) return 'a client certificate needs its key, and a key its certificate';
  return null;
}

const isPem = (v: PemSource): boolean => Buffer.isBuffer(v) || v.trimStart().startsWith('-----BEGIN');

/** A file's PEM text, failing with its path and what to do. */
function pem(v: PemSource, what: string): string | Buffer {
  if (isPem(v)) return v;
  try {
    return readFileSync(v as string);
  } catch (err) {
    throw new Error(`cannot read the ${what} file ${String(v)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** Where the trusted CA comes from, for error messages: the file(s) given, or the system store. */
export function caDescription(s: ClientSecurity): string {
  if (s.ca === undefined) return "the system's trusted CAs (no CA file given)";
  const list = Array.isArray(s.ca) ? s.ca : [s.ca];
  return list.map((c) => (isPem(c) ? 'the CA given as PEM' : String(c))).join(', ');
}

export interface ResolvedTls {
  options: TlsOptions;
  caDescription: string;
}

const resolved = new WeakMap<ClientSecurity, ResolvedTls>();

/**
 * The node:tls options for connecting to `host`: TLS 1.2 or newer, the broker verified against the CA and its name
 * checked. Files are read once per settings object, not on every connection.
 */
export function tlsOptionsFor(s: ClientSecurity, host: string): TlsOptions {
  let r = resolved.get(s);
  if (!r) {
    const ca = s.ca === undefined ? undefined : (Array.isArray(s.ca) ? s.ca : [s.ca]).map((c) => pem(c, 'CA'));
    r = {
      caDescription: caDescription(s),
      options: {
        minVersion: 'TLSv1.2',
        ca,
        cert: s.cert === undefined ? undefined : pem(s.cert, 'client certificate'),
        key: s.key === undefined ? undefined : pem(s.key, 'client key'),
        rejectUnauthorized: s.rejectUnauthorized ?? true,
      },
    };
    resolved.set(s, r);
  }
  // SNI carries host names only (RFC 6066); the certificate is still checked against an IP address we connect to.
  const servername = s.servername ?? (isIP(host) === 0 ? host : undefined);
  return { ...r.options, host, servername };
}
