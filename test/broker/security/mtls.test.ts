// Client certificates (mTLS) on the TLS listeners against real node:tls clients: tls.clientAuth "required" refuses a
// client without a certificate or with one from another CA, "requested" takes both kinds of client, and the verified
// certificate's subject reaches ClientInfo.tlsPrincipal in Kafka's RFC 2253 form (most specific RDN first).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Broker } from '../../../src/broker/broker.js';
import { ConfigError, loadBrokerConfig } from '../../../src/broker/config.js';
import { issueClientCertificate } from '../../../src/broker/security/certificates.js';
import { silentLogger } from '../../../src/common/logger.js';
import { MetadataRequest, MetadataResponse } from '../../../src/protocol/schemas/metadata.js';
import { WireClient } from '../../helpers/wire-client.js';
import { waitUntil } from '../../helpers/wait-until.js';

let dir: string;
let broker: Broker | null = null;
const sockets: TLSSocket[] = [];

const start = async (clientAuth: string, extra: Record<string, unknown> = {}) => {
  broker = await Broker.start(loadBrokerConfig({ dataDir: dir, listeners: 'SSL://127.0.0.1:0', file: { tls: { clientAuth, ...extra } } }), silentLogger);
  return broker;
};
const sslPort = () => broker!.listenerAddresses()[0]!.port;
const ca = () => readFileSync(join(dir, 'tls', 'ca.pem'));

/** Connects and asks for Metadata: the answer proves the broker took the connection past the handshake. */
async function metadataOver(options: ConnectionOptions): Promise<'served' | 'refused'> {
  const s = await new Promise<TLSSocket | null>((resolve) => {
    const t = tlsConnect({ host: '127.0.0.1', port: sslPort(), ca: ca(), ...options }, () => resolve(t));
    t.once('error', () => resolve(null));
    sockets.push(t);
  });
  if (!s) return 'refused';
  // With TLS 1.3 the client finishes before the server has looked at its certificate: a refusal arrives as a close.
  const c = WireClient.over(s);
  return c.send(MetadataRequest, MetadataResponse, 9, { topics: null }).then(
    () => 'served',
    () => 'refused',
  );
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tributary-mtls-'));
});
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await broker?.stop();
  broker = null;
  rmSync(dir, { recursive: true, force: true });
});

describe('tls.clientAuth "required"', () => {
  it('serves a client with a certificate from the generated CA, naming it by its subject, and refuses one without', async () => {
    await start('required');
    const web = await issueClientCertificate(dir, 'web-1', 30, silentLogger);
    expect(web.subject).toBe('CN=web-1');
    expect(await metadataOver({ cert: web.cert, key: web.key })).toBe('served');
    await waitUntil('the client named CN=web-1', () => broker!.clients().some((c) => c.tlsPrincipal === 'CN=web-1'), { timeoutMs: 10_000 });
    expect(await metadataOver({})).toBe('refused');
  }, 30_000);

  it('refuses a certificate signed by another CA', async () => {
    await start('required');
    const other = mkdtempSync(join(tmpdir(), 'tributary-mtls-other-'));
    try {
      const stranger = await issueClientCertificate(other, 'web-1', 30, silentLogger);
      expect(await metadataOver({ cert: stranger.cert, key: stranger.key })).toBe('refused');
      expect(broker!.clients().filter((c) => c.tlsPrincipal !== null)).toEqual([]);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  }, 30_000);

  it('names a certificate with several RDNs as Kafka does: most specific first, commas, no spaces', async () => {
    await start('required');
    // openssl writes the subject in the order given (O, then OU, then CN), as most CAs do.
    const key = join(dir, 'ops-key.pem');
    const csr = join(dir, 'ops.csr');
    const cert = join(dir, 'ops.pem');
    execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', csr, '-subj', '/O=acme/OU=ops/CN=web-2'], { stdio: 'ignore' });
    writeFileSync(join(dir, 'ext.cnf'), 'extendedKeyUsage=clientAuth\n');
    execFileSync('openssl', ['x509', '-req', '-in', csr, '-CA', join(dir, 'tls', 'ca.pem'), '-CAkey', join(dir, 'tls', 'ca-key.pem'), '-CAcreateserial', '-days', '2', '-out', cert, '-extfile', join(dir, 'ext.cnf')], { stdio: 'ignore' });
    expect(await metadataOver({ cert: readFileSync(cert), key: readFileSync(key) })).toBe('served');
    await waitUntil('a client with a principal', () => broker!.clients().some((c) => c.tlsPrincipal !== null), { timeoutMs: 10_000 });
    expect(broker!.clients().map((c) => c.tlsPrincipal)).toContain('CN=web-2,OU=ops,O=acme');
  }, 30_000);
});

describe('tls.clientCa', () => {
  it('verifies clients against the CA named, not the one that signed the server certificate', async () => {
    const other = mkdtempSync(join(tmpdir(), 'tributary-mtls-clients-ca-'));
    try {
      const fromOther = await issueClientCertificate(other, 'partner-1', 30, silentLogger);
      await start('required', { clientCa: join(other, 'tls', 'ca.pem') });
      const fromOurs = await issueClientCertificate(dir, 'web-4', 30, silentLogger);
      expect(await metadataOver({ cert: fromOther.cert, key: fromOther.key })).toBe('served');
      expect(await metadataOver({ cert: fromOurs.cert, key: fromOurs.key })).toBe('refused');
      await waitUntil('the partner client', () => broker!.clients().some((c) => c.tlsPrincipal === 'CN=partner-1'), { timeoutMs: 10_000 });
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  }, 30_000);
});

describe('tls.clientAuth "requested"', () => {
  it('serves clients with and without a certificate; only the first has a principal', async () => {
    await start('requested');
    const web = await issueClientCertificate(dir, 'web-3', 30, silentLogger);
    expect(await metadataOver({})).toBe('served');
    expect(await metadataOver({ cert: web.cert, key: web.key })).toBe('served');
    await waitUntil('both clients', () => broker!.clients().length === 2, { timeoutMs: 10_000 });
    expect(broker!.clients().map((c) => c.tlsPrincipal).sort()).toEqual(['CN=web-3', null]);
  }, 30_000);
});

describe('tls.clientAuth "none" (the default)', () => {
  it('asks for no certificate: a client sending none is served with no principal', async () => {
    await start('none');
    expect(await metadataOver({})).toBe('served');
    await waitUntil('the client', () => broker!.clients().length === 1, { timeoutMs: 10_000 });
    expect(broker!.clients()[0]!.tlsPrincipal).toBeNull();
  }, 30_000);
});

describe('tls config', () => {
  it('rejects unknown modes, and clientAuth with the user\'s own certificate but no clientCa', () => {
    expect(() => loadBrokerConfig({ dataDir: dir, file: { tls: { clientAuth: 'always' } } })).toThrow(/tls\.clientAuth must be one of none, requested, required/);
    expect(() => loadBrokerConfig({ dataDir: dir, file: { tls: { cert: 'a.pem', key: 'b.pem', clientAuth: 'required' } } })).toThrow(ConfigError);
    expect(() => loadBrokerConfig({ dataDir: dir, file: { tls: { cert: 'a.pem' } } })).toThrow(/"cert" and "key" go together/);
    const c = loadBrokerConfig({ dataDir: dir, file: { tls: { clientAuth: 'requested', clientCa: '/etc/clients-ca.pem' } } });
    expect(c.clientAuth).toEqual({ mode: 'requested', caFile: '/etc/clients-ca.pem' });
    expect(c.tls).toBeNull();
    expect(loadBrokerConfig({ dataDir: dir }).clientAuth).toEqual({ mode: 'none', caFile: null });
  });
});
