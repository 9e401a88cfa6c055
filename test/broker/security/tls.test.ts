// TLS listeners against real node:tls clients: the generated CA and server certificate, TLS 1.2+ only, a user's own
// certificate, and a plaintext client on the TLS port failing alone.
import { X509Certificate } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { hostname, networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import tls, { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Broker } from '../../../src/broker/broker.js';
import { loadBrokerConfig } from '../../../src/broker/config.js';
import { silentLogger } from '../../../src/common/logger.js';
import { ApiVersionsRequest, ApiVersionsResponse } from '../../../src/protocol/schemas/api-versions.js';
import { MetadataRequest, MetadataResponse } from '../../../src/protocol/schemas/metadata.js';
import { WireClient } from '../../helpers/wire-client.js';

let dir: string;
let broker: Broker;
const sockets: { close(): void }[] = [];

const start = (extra: Record<string, unknown> = {}) =>
  Broker.start(loadBrokerConfig({ dataDir: dir, listeners: 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0', file: extra }), silentLogger);
const port = (protocol: string) => broker.listenerAddresses().find((l) => l.protocol === protocol)!.port;

function openTls(p: number, options: ConnectionOptions): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port: p, ...options }, () => resolve(s));
    s.once('error', reject);
    sockets.push({ close: () => s.destroy() });
  });
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tributary-tls-'));
  broker = await start();
});
afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('TLS listener with the generated certificate', () => {
  it('generates DATA/tls/ca.pem and a server certificate for this machine, keys readable by the owner only', () => {
    const tlsDir = join(dir, 'tls');
    expect(broker.caFile()).toBe(join(tlsDir, 'ca.pem'));
    const ca = new X509Certificate(readFileSync(join(tlsDir, 'ca.pem')));
    const server = new X509Certificate(readFileSync(join(tlsDir, 'server.pem')));
    expect(ca.ca).toBe(true);
    expect(server.ca).toBe(false);
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(server.checkIssued(ca)).toBe(true);
    for (const name of ['localhost', hostname()]) expect(server.checkHost(name, { subject: 'never' })).toBe(name.toLowerCase());
    for (const ip of ['127.0.0.1', '::1']) expect(server.checkIP(ip)).toBe(ip);
    // Every address of every interface, as the OS reports them now: whichever one an agent was told, it verifies.
    const addresses = Object.values(networkInterfaces()).flatMap((l) => (l ?? []).map((a) => a.address.replace(/%.*$/, '')));
    expect(addresses.length).toBeGreaterThan(0);
    for (const ip of addresses) expect(server.checkIP(ip), ip).toBe(ip);
    expect(server.checkHost('not-this-machine.example', { subject: 'never' })).toBeUndefined();
    for (const key of ['ca-key.pem', 'server-key.pem']) expect(statSync(join(tlsDir, key)).mode & 0o777).toBe(0o600);
  });

  it('serves Kafka over TLS to a client trusting ca.pem, and advertises the TLS listener to it', async () => {
    const s = await openTls(port('SSL'), { ca: readFileSync(broker.caFile()!) });
    expect(s.authorized).toBe(true);
    const c = WireClient.over(s);
    const md = await c.send(MetadataRequest, MetadataResponse, 9, { topics: null });
    expect(md.brokers).toEqual([{ nodeId: 1, host: '127.0.0.1', port: port('SSL'), rack: null }]);
  });

  it('is refused by a client that does not trust the CA', async () => {
    await expect(openTls(port('SSL'), {})).rejects.toThrow(/self.signed|unable to (get|verify)/i);
  });

  it('refuses TLS 1.1 and older, even when this process would allow them', async () => {
    // Node's own default is 1.2 already; lower the process-wide defaults so only the broker's setting keeps 1.1 out.
    const saved = [tls.DEFAULT_MIN_VERSION, tls.DEFAULT_CIPHERS] as const;
    tls.DEFAULT_MIN_VERSION = 'TLSv1';
    (tls as { DEFAULT_CIPHERS: string }).DEFAULT_CIPHERS = `${saved[1]}:@SECLEVEL=0`;
    await broker.stop();
    try {
      broker = await start();
    } finally {
      tls.DEFAULT_MIN_VERSION = saved[0];
      (tls as { DEFAULT_CIPHERS: string }).DEFAULT_CIPHERS = saved[1];
    }
    const old = openTls(port('SSL'), { ca: readFileSync(broker.caFile()!), minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' });
    await expect(old).rejects.toThrow();
    const modern = await openTls(port('SSL'), { ca: readFileSync(broker.caFile()!) });
    expect(['TLSv1.2', 'TLSv1.3']).toContain(modern.getProtocol());
  });

  it('closes a plaintext client on the TLS port while a TLS client and a plaintext-port client keep working', async () => {
    const good = WireClient.over(await openTls(port('SSL'), { ca: readFileSync(broker.caFile()!) }));
    const plainPort = await WireClient.connect(port('PLAINTEXT'));
    sockets.push(good, plainPort);
    const wrong = await WireClient.connect(port('SSL'));
    sockets.push(wrong);
    const answer = wrong.send(ApiVersionsRequest, ApiVersionsResponse, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' });
    await expect(answer).rejects.toThrow(/closed/);
    await wrong.closed;
    expect((await good.send(ApiVersionsRequest, ApiVersionsResponse, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' })).errorCode).toBe(0);
    expect((await plainPort.send(MetadataRequest, MetadataResponse, 9, { topics: null })).brokers[0]!.port).toBe(port('PLAINTEXT'));
  });

  it('keeps the CA and server certificate across restarts', async () => {
    const before = ['ca.pem', 'server.pem'].map((f) => readFileSync(join(dir, 'tls', f), 'utf8'));
    await broker.stop();
    broker = await start();
    expect(['ca.pem', 'server.pem'].map((f) => readFileSync(join(dir, 'tls', f), 'utf8'))).toEqual(before);
  });

  it('reissues the server certificate from the same CA when it no longer matches its key', async () => {
    const ca = readFileSync(join(dir, 'tls', 'ca.pem'), 'utf8');
    const server = readFileSync(join(dir, 'tls', 'server.pem'), 'utf8');
    await broker.stop();
    copyFileSync(join(dir, 'tls', 'ca-key.pem'), join(dir, 'tls', 'server-key.pem')); // a torn write, say
    broker = await start();
    expect(readFileSync(join(dir, 'tls', 'ca.pem'), 'utf8')).toBe(ca);
    expect(readFileSync(join(dir, 'tls', 'server.pem'), 'utf8')).not.toBe(server);
    const s = await openTls(port('SSL'), { ca });
    expect(s.authorized).toBe(true);
  });
});

describe('TLS listener with the user\'s certificate', () => {
  it('serves the configured certificate and generates nothing', async () => {
    const own = mkdtempSync(join(tmpdir(), 'tributary-own-cert-'));
    try {
      for (const f of ['ca.pem', 'server.pem', 'server-key.pem']) copyFileSync(join(dir, 'tls', f), join(own, f));
      await broker.stop();
      rmSync(join(dir, 'tls'), { recursive: true });
      broker = await start({ tls: { cert: join(own, 'server.pem'), key: join(own, 'server-key.pem') } });
      expect(broker.caFile()).toBeNull();
      expect(() => statSync(join(dir, 'tls'))).toThrow(/ENOENT/);
      const s = await openTls(port('SSL'), { ca: readFileSync(join(own, 'ca.pem')) });
      expect(s.getPeerX509Certificate()!.raw.equals(new X509Certificate(readFileSync(join(own, 'server.pem'))).raw)).toBe(true);
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  });

  it('refuses to start with a missing file, naming it', async () => {
    await broker.stop();
    await expect(start({ tls: { cert: join(dir, 'nope.pem'), key: join(dir, 'nope-key.pem') } })).rejects.toThrow(/tls.cert: cannot read .*nope.pem/);
    broker = await start();
  });
});
