import { readFileSync } from 'node:fs';
import { createSecureContext, type TlsOptions } from 'node:tls';
import type { ServerTls } from '../broker/security/certificates.js';
import type { IngestTlsConfig } from './config.js';
import { IngestConfigError } from './config.js';

/** The Kafka TLS listeners' certificate (the broker's `tls` files, or the one generated in DATA/tls/), made on demand. */
export type SharedTls = () => Promise<ServerTls>;

/** What a TLS listener serves, resolved once at start; `caFile` is the CA senders should trust when it is the generated one. */
export interface IngestTls {
  options: TlsOptions;
  caFile: string | null;
}

function read(file: string, key: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new IngestConfigError(`${key}: cannot read ${file}: ${(e as Error).message}`);
  }
}

/**
 * The options of a direct-ingest TLS server: TLS 1.2+ only, a bounded handshake, and with `clientCa` a client
 * certificate chaining to it required (the handshake fails without one). Every file is read and checked here, so a
 * wrong path or a key that does not match fails the start naming the config key.
 */
export async function ingestTls(c: IngestTlsConfig, shared: SharedTls | null, key: string): Promise<IngestTls> {
  let cert: string;
  let privateKey: string;
  let caFile: string | null = null;
  if (c.cert !== null && c.key !== null) {
    cert = read(c.cert, `${key}.cert`);
    privateKey = read(c.key, `${key}.key`);
  } else {
    if (!shared) throw new IngestConfigError(`${key}: no shared certificate is available here; give "cert" and "key" (PEM files)`);
    const s = await shared();
    ({ cert, key: privateKey, caFile } = s);
  }
  const ca = c.clientCa === null ? undefined : read(c.clientCa, `${key}.clientCa`);
  const options: TlsOptions = {
    cert,
    key: privateKey,
    minVersion: 'TLSv1.2',
    handshakeTimeout: c.handshakeTimeoutMs,
    ...(ca === undefined ? {} : { ca, requestCert: true, rejectUnauthorized: true }),
  };
  try {
    createSecureContext(options);
  } catch (e) {
    throw new IngestConfigError(`${key}: the certificate, key or client CA cannot be used (${(e as Error).message}); check that the key belongs to the certificate and every file is PEM`);
  }
  return { options, caFile };
}
