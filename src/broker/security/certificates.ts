import { randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createSecureContext } from 'node:tls';
import { writeFileAtomicSync } from '../../common/atomic-file.js';
import type { Logger } from '../../common/logger.js';
import { machineNames, type CertNames } from './machine-names.js';
import { principalOfSubject } from './tls-principal.js';

/** What a TLS listener serves: a certificate chain and its key, PEM. */
export interface ServerTls {
  cert: string;
  key: string;
  /** The generated CA clients should trust, or null when the user supplied the certificate. */
  caFile: string | null;
}

export const TLS_DIR = 'tls';
const CA = 'ca.pem';
const CA_KEY = 'ca-key.pem';
const SERVER = 'server.pem';
const SERVER_KEY = 'server-key.pem';
const DAY = 24 * 60 * 60 * 1000;
/** A server certificate this close to expiry is reissued at start. 825 days is the most some TLS clients accept. */
const SERVER_DAYS = 825;
const RENEW_BEFORE_DAYS = 30;
const CA_DAYS = 20 * 365;
// P-256 ECDSA: every TLS 1.2+ client (OpenSSL under librdkafka and Python, Node) speaks it, and keys are made in ms.
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** The user's certificate and key, read once; errors say which file and what to do. */
export function readUserTls(certFile: string, keyFile: string): ServerTls {
  const read = (file: string, what: string) => {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw new Error(`tls.${what}: cannot read ${file}: ${(e as Error).message}`);
    }
  };
  return { cert: read(certFile, 'cert'), key: read(keyFile, 'key'), caFile: null };
}

/** True when the certificate names every host and address in `names` and is not about to expire. */
export function covers(certPem: string, names: CertNames, now = Date.now()): boolean {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    return false;
  }
  if (Date.parse(cert.validTo) - now < RENEW_BEFORE_DAYS * DAY) return false;
  return names.dns.every((n) => cert.checkHost(n, { subject: 'never' }) !== undefined) && names.ips.every((ip) => cert.checkIP(ip) !== undefined);
}

/**
 * The generated certificate in DATA/tls/, made on first start: a CA (ca.pem, which clients are given) and a server
 * certificate signed by it for `names`. The CA is kept across restarts, so clients configured once keep working; the
 * server certificate is reissued from it when this machine gained a name or address, or expiry nears.
 */
export async function generatedTls(dataDir: string, names: CertNames, log: Logger): Promise<ServerTls> {
  const dir = path.join(dataDir, TLS_DIR);
  const file = (f: string) => path.join(dir, f);
  const caFile = file(CA);
  const existing = readIfExists(file(SERVER));
  const existingKey = readIfExists(file(SERVER_KEY));
  if (existing && existingKey && covers(existing, names) && pairMatches(existing, existingKey)) return { cert: existing, key: existingKey, caFile };

  const { x509, caCert, caKeys } = await loadOrCreateCa(dataDir, names, log);
  const serverKeys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const now = Date.now();
  const server = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${names.dns.find((n) => n !== 'localhost') ?? 'localhost'}`,
    issuer: caCert.subject,
    notBefore: new Date(now - DAY),
    notAfter: new Date(Math.min(now + SERVER_DAYS * DAY, caCert.notAfter.getTime())),
    publicKey: serverKeys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([...names.dns.map((value) => ({ type: 'dns' as const, value })), ...names.ips.map((value) => ({ type: 'ip' as const, value }))]),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  const key = pkcs8Pem(x509, await webcrypto.subtle.exportKey('pkcs8', serverKeys.privateKey as webcrypto.CryptoKey));
  const cert = server.toString('pem') + '\n';
  // Key first: a crash between the two leaves a certificate that does not match, which the next start reissues.
  writeFileAtomicSync(file(SERVER_KEY), key, { mode: 0o600 });
  writeFileAtomicSync(file(SERVER), cert, { mode: 0o644 });
  log.info(`issued a server certificate for ${[...names.dns, ...names.ips].join(', ')} in ${file(SERVER)}`);
  return { cert, key, caFile };
}

type X509 = typeof import('@peculiar/x509');

/** The library, loaded on first use: it (and the metadata polyfill it requires) would cost every start otherwise. */
async function loadX509(): Promise<X509> {
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(webcrypto as unknown as Crypto);
  return x509;
}

/** The generated CA in DATA/tls/ (made now, with its key, if there is none yet), ready to sign with. */
export async function loadOrCreateCa(
  dataDir: string,
  names: CertNames,
  log: Logger,
): Promise<{ x509: X509; caCert: InstanceType<X509['X509Certificate']>; caKeys: CryptoKeyPair; caFile: string }> {
  const x509 = await loadX509();
  const dir = path.join(dataDir, TLS_DIR);
  const file = (f: string) => path.join(dir, f);
  const caFile = file(CA);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  let caCert: InstanceType<typeof x509.X509Certificate>;
  let caKeys: CryptoKeyPair;
  const caPem = readIfExists(caFile);
  const caKeyPem = readIfExists(file(CA_KEY));
  if (caPem && caKeyPem) {
    caCert = new x509.X509Certificate(caPem);
    const privateKey = await webcrypto.subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(caKeyPem), ALG, false, ['sign']);
    caKeys = { privateKey: privateKey as CryptoKey, publicKey: (await caCert.publicKey.export(ALG, ['verify'])) as CryptoKey };
  } else {
    caKeys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
    const now = Date.now();
    caCert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serial(),
      name: `CN=Tributary CA ${names.dns.find((n) => n !== 'localhost') ?? ''}`.trim(),
      notBefore: new Date(now - DAY),
      notAfter: new Date(now + CA_DAYS * DAY),
      keys: caKeys,
      signingAlgorithm: ALG,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
      ],
    });
    writeFileAtomicSync(file(CA_KEY), pkcs8Pem(x509, await webcrypto.subtle.exportKey('pkcs8', caKeys.privateKey as webcrypto.CryptoKey)), { mode: 0o600 });
    writeFileAtomicSync(caFile, caCert.toString('pem') + '\n', { mode: 0o644 });
    log.info(`generated a certificate authority in ${caFile}: give this file to clients as their CA (kcat: -X ssl.ca.location=${caFile})`);
  }
  return { x509, caCert, caKeys, caFile };
}

/** A client certificate (mTLS) signed by the generated CA: its subject DN is the connection's principal. */
export interface ClientCertificate {
  cert: string;
  key: string;
  /** RFC 2253, as the broker will name the client: `CN=web-1`. */
  subject: string;
  notAfter: Date;
}

/** Issues a client certificate for `CN=<commonName>` from the generated CA (made first if there is none). */
export async function issueClientCertificate(dataDir: string, commonName: string, days: number, log: Logger): Promise<ClientCertificate> {
  const { x509, caCert, caKeys } = await loadOrCreateCa(dataDir, machineNames(), log);
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const now = Date.now();
  // A Name built from its JSON form: the common name is taken literally (a comma or plus in it is not a separator).
  const subject = new x509.Name([{ CN: [commonName] }]);
  const notAfter = new Date(Math.min(now + days * DAY, caCert.notAfter.getTime()));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject,
    issuer: caCert.subject,
    notBefore: new Date(now - DAY),
    notAfter,
    publicKey: keys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  const pem = cert.toString('pem') + '\n';
  return {
    cert: pem,
    key: pkcs8Pem(x509, await webcrypto.subtle.exportKey('pkcs8', keys.privateKey as webcrypto.CryptoKey)),
    subject: principalOfSubject(new X509Certificate(pem).subject),
    notAfter,
  };
}

function pairMatches(cert: string, key: string): boolean {
  try {
    createSecureContext({ cert, key });
    return true;
  } catch {
    return false;
  }
}

function readIfExists(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** A positive 16-byte serial, as RFC 5280 asks (unique per CA; random is how most CAs ensure it). */
function serial(): string {
  const b = randomBytes(16);
  b[0]! &= 0x7f;
  return b.toString('hex');
}

function pkcs8Pem(x509: typeof import('@peculiar/x509'), der: ArrayBuffer): string {
  return x509.PemConverter.encode(der, 'PRIVATE KEY') + '\n';
}
