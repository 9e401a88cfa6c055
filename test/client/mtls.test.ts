// The client's certificate (mTLS): a TLS server that requires client certificates from its CA (node:tls, speaking
// enough Kafka to answer ApiVersions and Metadata) sees ours when --cert/--key are given; without one, or with one
// from another CA, the client says the broker wants (or may have refused) a client certificate.
import { webcrypto } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatedTls } from '../../src/broker/security/certificates.js';
import { machineNames } from '../../src/broker/security/machine-names.js';
import { KafkaClient } from '../../src/client/client.js';
import type { ClientSecurity } from '../../src/client/security.js';
import { silentLogger } from '../../src/common/logger.js';
import { startFakeKafka, type FakeKafka } from '../helpers/fake-kafka-server.js';

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const tmp = mkdtempSync(join(tmpdir(), 'tributary-client-mtls-'));
let kafka: FakeKafka;
let ca: string;
const clients: KafkaClient[] = [];

/** A client certificate (EKU clientAuth) for `cn`, signed by the CA in `dir`/tls; returns the cert and key files. */
async function issueClientCert(dir: string, cn: string): Promise<{ cert: string; key: string }> {
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(webcrypto as unknown as Crypto);
  const caCert = new x509.X509Certificate(readFileSync(join(dir, 'tls', 'ca.pem'), 'utf8'));
  const caKey = await webcrypto.subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(readFileSync(join(dir, 'tls', 'ca-key.pem'), 'utf8')), ALG, false, ['sign']);
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: '0a1b2c',
    subject: `CN=${cn}`,
    issuer: caCert.subject,
    notBefore: new Date(Date.now() - 86_400_000),
    notAfter: new Date(Date.now() + 86_400_000),
    publicKey: keys.publicKey,
    signingKey: caKey as CryptoKey,
    signingAlgorithm: ALG,
    extensions: [new x509.BasicConstraintsExtension(false), new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth])],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey as webcrypto.CryptoKey)).toString('base64');
  const certFile = join(tmp, `${cn}.pem`);
  const keyFile = join(tmp, `${cn}-key.pem`);
  writeFileSync(certFile, cert.toString('pem'));
  writeFileSync(keyFile, `-----BEGIN PRIVATE KEY-----\n${pkcs8.match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`);
  return { cert: certFile, key: keyFile };
}

beforeAll(async () => {
  const server = await generatedTls(join(tmp, 'broker'), machineNames(), silentLogger);
  ca = server.caFile!;
  kafka = await startFakeKafka({ requireLogin: false, tls: { cert: server.cert, key: server.key, ca: readFileSync(ca), requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' } });
}, 60_000);
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await kafka?.close();
  rmSync(tmp, { recursive: true, force: true });
});

function client(security: ClientSecurity) {
  const c = new KafkaClient({ bootstrap: [`127.0.0.1:${kafka.port}`], clientId: 'mtls-test', connectTimeoutMs: 5_000, requestTimeoutMs: 10_000, security });
  clients.push(c);
  return c;
}

describe('client certificates', () => {
  it('presents the certificate given with cert/key, and the broker sees its subject', async () => {
    const mine = await issueClientCert(join(tmp, 'broker'), 'agent-7');
    const md = await client({ protocol: 'SSL', ca, cert: mine.cert, key: mine.key }).cluster.metadata(null);
    expect(md.brokers.map((b) => b.port)).toEqual([kafka.port]);
    expect(kafka.clientNames.at(-1)).toBe('agent-7');
  }, 30_000);

  it('without a certificate: says the broker requires one', async () => {
    const err = await client({ protocol: 'SSL', ca }).cluster.metadata(null).then(() => null, (e: Error) => e);
    expect(err?.message).toMatch(/TLS: the broker (requires a client certificate|refused our client certificate)/);
  }, 30_000);

  it('with a certificate from another CA: says the broker refused it', async () => {
    await generatedTls(join(tmp, 'other'), machineNames(), silentLogger);
    const foreign = await issueClientCert(join(tmp, 'other'), 'mallory');
    const err = await client({ protocol: 'SSL', ca, cert: foreign.cert, key: foreign.key }).cluster.metadata(null).then(() => null, (e: Error) => e);
    // Node's TLS servers refuse it by closing without an alert (Kafka's send one): either way the message says why.
    expect(err?.message).toMatch(/TLS: the broker refused our client certificate \(ERR_SSL_\w+\); it must be signed by a CA the broker trusts|closed by the broker right after the TLS handshake — if it checks client certificates \(mTLS\), ours may be signed by a CA it does not trust/);
  }, 30_000);
});
