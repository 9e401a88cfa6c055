// Hostile bytes during the SASL and TLS handshakes: every such connection ends (answered with an error or closed),
// the broker stays up, and a legitimate client logging in at the same time is served throughout.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Broker } from '../../../src/broker/broker.js';
import { loadBrokerConfig } from '../../../src/broker/config.js';
import { scramCredential } from '../../../src/broker/security/scram.js';
import { usersFilePath, writeUsers } from '../../../src/broker/security/users-file.js';
import { silentLogger } from '../../../src/common/logger.js';
import { MetadataRequest, MetadataResponse } from '../../../src/protocol/schemas/metadata.js';
import { ProduceRequest, ProduceResponse } from '../../../src/protocol/schemas/produce.js';
import { SaslAuthenticateRequest, SaslAuthenticateResponse } from '../../../src/protocol/schemas/sasl-authenticate.js';
import { SaslHandshakeRequest, SaslHandshakeResponse } from '../../../src/protocol/schemas/sasl-handshake.js';
import { buildRecordBatch } from '../../../src/protocol/record-batch-builder.js';
import { saslLogin } from '../../helpers/sasl-client.js';
import { WireClient } from '../../helpers/wire-client.js';
import { waitUntil } from '../../helpers/wait-until.js';

const LOGIN_TIMEOUT_MS = 3000;
let dir: string;
let broker: Broker;
const port = (p: string) => broker.listenerAddresses().find((l) => l.protocol === p)!.port;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tributary-hostile-sasl-'));
  writeUsers(usersFilePath(dir), new Map([['alice', { 'SCRAM-SHA-256': await scramCredential('SCRAM-SHA-256', 'pw', 4096) }]]));
  // alice is a super user: these tests are about the handshakes, not about what ACLs grant.
  // A short login deadline, so stalled clients are closed within the test's time (the default is 30 s).
  broker = await Broker.start(loadBrokerConfig({ dataDir: dir, listeners: 'SASL_PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0', file: { saslLoginTimeoutMs: LOGIN_TIMEOUT_MS, superUsers: ['User:alice'] } }), silentLogger);
});
afterAll(async () => {
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A logged-in client on the SASL_PLAINTEXT listener: must keep working while the hostile ones run. */
async function goodClient(): Promise<WireClient> {
  const c = await WireClient.connect(port('SASL_PLAINTEXT'));
  expect((await saslLogin(c, 'SCRAM-SHA-256', 'alice', 'pw')).errorCode).toBe(0);
  return c;
}

function closedWithin(socket: { once(e: 'close', f: () => void): unknown }, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    socket.once('close', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

describe('hostile SASL exchanges', () => {
  it('answers random SaslAuthenticate bytes with SASL_AUTHENTICATION_FAILED and closes, for each mechanism', async () => {
    const good = await goodClient();
    const results = await Promise.all(
      Array.from({ length: 24 }, async (_, i) => {
        const mechanism = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'][i % 3]!;
        const c = await WireClient.connect(port('SASL_PLAINTEXT'), '127.0.0.1', `127.0.0.${10 + i}`);
        expect((await c.send(SaslHandshakeRequest, SaslHandshakeResponse, 1, { mechanism })).errorCode).toBe(0);
        const junk = i % 2 === 0 ? randomBytes(1 + (i * 37) % 300) : Buffer.from(`n,,n=alice,r=${'x'.repeat(i)},p=${randomBytes(8).toString('base64')}\0\xff`);
        const r = await c.send(SaslAuthenticateRequest, SaslAuthenticateResponse, 2, { authBytes: junk }).catch(() => null);
        // A SCRAM client-first that parses gets a server-first; its junk final message then fails.
        if (r && r.errorCode === 0) {
          const f = await c.send(SaslAuthenticateRequest, SaslAuthenticateResponse, 2, { authBytes: randomBytes(64) }).catch(() => null);
          expect(f?.errorCode ?? 58).toBe(58);
        } else if (r) expect(r.errorCode).toBe(58);
        await c.closed;
        return true;
      }),
    );
    expect(results.every(Boolean)).toBe(true);
    expect((await good.send(MetadataRequest, MetadataResponse, 9, { topics: null })).brokers).toHaveLength(1);
    good.close();
  }, 60_000);

  it('closes bare-token connections sending junk after a v0 handshake', async () => {
    const c = await WireClient.connect(port('SASL_PLAINTEXT'), '127.0.0.1', '127.0.0.40');
    await c.send(SaslHandshakeRequest, SaslHandshakeResponse, 0, { mechanism: 'SCRAM-SHA-512' });
    const junk = randomBytes(100);
    const frame = Buffer.concat([Buffer.from([0, 0, 0, junk.length]), junk]);
    c.writeRaw(frame);
    expect(await closedWithin(c.socket, 20_000)).toBe(true);
  }, 30_000);

  it('refuses frames over 512 KiB before login, and takes them after', async () => {
    const c = await WireClient.connect(port('SASL_PLAINTEXT'), '127.0.0.1', '127.0.0.41');
    const head = Buffer.alloc(4);
    head.writeInt32BE(600 * 1024, 0);
    c.writeRaw(head);
    expect(await closedWithin(c.socket, 10_000)).toBe(true);

    const good = await goodClient();
    const records = buildRecordBatch(Array.from({ length: 6 }, (_, i) => ({ key: `k${i}`, value: 'v'.repeat(100 * 1024) })));
    expect(records.length).toBeGreaterThan(512 * 1024);
    const r = await good.send(ProduceRequest, ProduceResponse, 9, {
      transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: 'big-after-login', partitionData: [{ index: 0, records }] }],
    });
    expect(r.responses[0]!.partitionResponses[0]!.errorCode).toBe(0);
    good.close();
  }, 30_000);
});

describe('hostile TLS handshakes', () => {
  const ca = () => readFileSync(broker.caFile()!);

  it('closes connections sending junk, a truncated ClientHello or a Kafka request to the TLS port; TLS clients still log in', async () => {
    const payloads = [
      randomBytes(2000),
      Buffer.from('160301020001', 'hex'), // a record header promising a ClientHello that never comes whole
      Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0xff]),
      Buffer.from('000000120012000300000001000477697265', 'hex'), // an ApiVersions request in plaintext
    ];
    const closes = payloads.map(
      (p, i) =>
        new Promise<boolean>((resolve) => {
          const s = netConnect({ port: port('SASL_SSL'), host: '127.0.0.1', localAddress: `127.0.0.${50 + i}` }, () => s.write(p));
          s.on('error', () => {});
          s.resume(); // read the TLS alert, so the broker's close is seen
          // The truncated ones are closed by the handshake timeout at the latest.
          void closedWithin(s, 20_000).then(resolve);
        }),
    );
    const tls = await new Promise<TLSSocket>((resolve, reject) => {
      const s = tlsConnect({ host: '127.0.0.1', port: port('SASL_SSL'), ca: ca() }, () => resolve(s));
      s.once('error', reject);
    });
    const c = WireClient.over(tls);
    expect((await saslLogin(c, 'PLAIN', 'alice', 'pw')).errorCode).toBe(0);
    expect((await c.send(MetadataRequest, MetadataResponse, 9, { topics: null })).brokers[0]!.port).toBe(port('SASL_SSL'));
    expect(await Promise.all(closes)).toEqual(payloads.map(() => true));
    c.close();
  }, 40_000);
});

/** True when `p` settles within `ms`. */
function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  return Promise.race([p.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms))]);
}

/** A SCRAM exchange that stops after the server's first message: the client never sends its proof. */
async function stallMidScram(c: WireClient): Promise<void> {
  expect((await c.send(SaslHandshakeRequest, SaslHandshakeResponse, 1, { mechanism: 'SCRAM-SHA-256' })).errorCode).toBe(0);
  const first = await c.send(SaslAuthenticateRequest, SaslAuthenticateResponse, 2, { authBytes: Buffer.from(`n,,n=alice,r=${randomBytes(12).toString('base64')}`) });
  expect(first.errorCode).toBe(0);
  expect(first.authBytes.toString()).toMatch(/^r=.*,s=.*,i=4096$/);
}

const produceOne = (c: WireClient, i: number) =>
  c.send(ProduceRequest, ProduceResponse, 9, {
    transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: 'good-during-hostile', partitionData: [{ index: 0, records: buildRecordBatch([{ key: `k${i}`, value: `v${i}` }]) }] }],
  });

describe('stalled logins', () => {
  it('closes a client that stops mid-SCRAM once the login deadline passes, on the plaintext and the TLS listener', async () => {
    const plain = await WireClient.connect(port('SASL_PLAINTEXT'), '127.0.0.1', '127.0.0.60');
    await stallMidScram(plain);
    const tls = await new Promise<TLSSocket>((resolve, reject) => {
      const tcp = netConnect({ host: '127.0.0.1', port: port('SASL_SSL'), localAddress: '127.0.0.61' });
      const s = tlsConnect({ socket: tcp, servername: 'localhost', ca: readFileSync(broker.caFile()!) }, () => resolve(s));
      s.once('error', reject);
    });
    const overTls = WireClient.over(tls);
    await stallMidScram(overTls);
    // Both closed: WireClient.closed resolves on the socket's close, whenever it came.
    expect(await within(Promise.all([plain.closed, overTls.closed]), LOGIN_TIMEOUT_MS + 15_000)).toBe(true);
  }, 40_000);

  it('many hostile handshakes at once each close alone, in bounded time and memory, while a logged-in client keeps producing', async () => {
    const good = await goodClient();
    const before = process.memoryUsage().heapUsed;
    const baseline = broker.clients().length;
    const started = Date.now();
    const hostile: Promise<boolean>[] = [];
    const raw = (listener: string, i: number, bytes: Buffer | null) =>
      new Promise<boolean>((resolve) => {
        const s = netConnect({ port: port(listener), host: '127.0.0.1', localAddress: `127.0.1.${i}` }, () => {
          if (bytes) s.write(bytes);
        });
        s.on('error', () => {});
        s.resume();
        void closedWithin(s, LOGIN_TIMEOUT_MS + 20_000).then(resolve);
      });
    const oversized = Buffer.alloc(4);
    oversized.writeInt32BE(8 * 1024 * 1024, 0);
    for (let i = 1; i <= 80; i++) {
      const kind = i % 4;
      if (kind === 0) {
        // Mid-SCRAM stall on the plaintext SASL listener.
        hostile.push(
          WireClient.connect(port('SASL_PLAINTEXT'), '127.0.0.1', `127.0.1.${i}`).then(async (c) => {
            await stallMidScram(c);
            return within(c.closed, LOGIN_TIMEOUT_MS + 20_000);
          }),
        );
      } else if (kind === 1) hostile.push(raw('SASL_SSL', i, Buffer.from('160301020001', 'hex'))); // a ClientHello that never comes whole
      else if (kind === 2) hostile.push(raw('SASL_SSL', i, null)); // connects, says nothing
      else hostile.push(raw('SASL_PLAINTEXT', i, i % 8 === 3 ? oversized : randomBytes(4096))); // an 8 MiB SASL frame, or garbage
    }
    // The good client produces the whole time: bounded by count and by time.
    let produced = 0;
    let allClosed = false;
    const done = Promise.all(hostile).then((r) => {
      allClosed = true;
      return r;
    });
    for (let i = 0; i < 2000 && !allClosed && Date.now() - started < 40_000; i++) {
      const r = await produceOne(good, i);
      expect(r.responses[0]!.partitionResponses[0]!.errorCode).toBe(0);
      produced++;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await done).toEqual(hostile.map(() => true));
    // Every hostile connection closed by the login deadline at the latest (not TLS's 10 s handshake timeout, not never).
    expect(Date.now() - started).toBeLessThan(LOGIN_TIMEOUT_MS + 25_000);
    expect(produced).toBeGreaterThan(5);
    await waitUntil('the hostile connections to be forgotten', () => broker.clients().length === baseline, { timeoutMs: 10_000 });
    // Nothing they sent was kept: the oversized frames were refused from their 4-byte prefix, not buffered.
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(64 * 1024 * 1024);
    expect((await produceOne(good, -1)).responses[0]!.partitionResponses[0]!.errorCode).toBe(0);
    good.close();
  }, 90_000);
});
