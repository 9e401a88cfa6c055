// SASL on a real broker over TCP: SaslHandshake/SaslAuthenticate with PLAIN and both SCRAMs, the v0 handshake with
// bare token frames (kafka-python's way), nothing else allowed before login, failures answered with
// SASL_AUTHENTICATION_FAILED then a close, and users file changes seen without a restart.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Broker } from '../../../src/broker/broker.js';
import { loadBrokerConfig } from '../../../src/broker/config.js';
import { scramCredential } from '../../../src/broker/security/scram.js';
import { readUsers, usersFilePath, writeUsers } from '../../../src/broker/security/users-file.js';
import { silentLogger } from '../../../src/common/logger.js';
import { FrameParser } from '../../../src/protocol/framing.js';
import { ApiVersionsRequest, ApiVersionsResponse } from '../../../src/protocol/schemas/api-versions.js';
import { MetadataRequest, MetadataResponse } from '../../../src/protocol/schemas/metadata.js';
import { SaslHandshakeRequest, SaslHandshakeResponse } from '../../../src/protocol/schemas/sasl-handshake.js';
import { saslLogin } from '../../helpers/sasl-client.js';
import { WireClient } from '../../helpers/wire-client.js';

let dir: string;
let broker: Broker;
const clients: WireClient[] = [];
const SASL_ERROR = 58;

async function addUser(name: string, password: string) {
  const file = usersFilePath(dir);
  const users = readUsers(file);
  users.set(name, { 'SCRAM-SHA-256': await scramCredential('SCRAM-SHA-256', password, 4096), 'SCRAM-SHA-512': await scramCredential('SCRAM-SHA-512', password, 4096) });
  writeUsers(file, users);
}

const port = (protocol: string) => broker.listenerAddresses().find((l) => l.protocol === protocol)!.port;
async function client(protocol = 'SASL_PLAINTEXT') {
  const c = await WireClient.connect(port(protocol));
  clients.push(c);
  return c;
}
const metadata = (c: WireClient) => c.send(MetadataRequest, MetadataResponse, 9, { topics: null });

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tributary-sasl-'));
  await addUser('alice', 'alice-secret');
  broker = await Broker.start(loadBrokerConfig({ dataDir: dir, listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0' }), silentLogger);
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('SASL listener', () => {
  it('advertises SaslHandshake 0-1 and SaslAuthenticate 0-2 in ApiVersions, before login', async () => {
    const c = await client();
    const v = await c.send(ApiVersionsRequest, ApiVersionsResponse, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' });
    expect(v.apiKeys).toContainEqual({ apiKey: 17, minVersion: 0, maxVersion: 1 });
    expect(v.apiKeys).toContainEqual({ apiKey: 36, minVersion: 0, maxVersion: 2 });
  });

  it('closes a connection that asks for anything else before logging in', async () => {
    const c = await client();
    await expect(metadata(c)).rejects.toThrow(/closed/);
  });

  it.each(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'])('logs in with %s, then serves requests and advertises the SASL listener', async (mechanism) => {
    const c = await client();
    const r = await saslLogin(c, mechanism, 'alice', 'alice-secret');
    expect(r).toMatchObject({ handshakeError: 0, errorCode: 0, errorMessage: null });
    if (mechanism !== 'PLAIN') expect(r.serverVerified).toBe(true);
    expect((await metadata(c)).brokers).toEqual([{ nodeId: 1, host: '127.0.0.1', port: port('SASL_PLAINTEXT'), rack: null }]);
    expect(broker.clients().find((x) => x.principal === 'alice')).toBeDefined();
  });

  it.each(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'])('refuses a wrong password with %s: SASL_AUTHENTICATION_FAILED, then closes', async (mechanism) => {
    const c = await client();
    const r = await saslLogin(c, mechanism, 'alice', 'wrong', 1);
    expect(r.errorCode).toBe(SASL_ERROR);
    expect(r.errorMessage).toMatch(new RegExp(`invalid credentials with SASL mechanism ${mechanism}`));
    await c.closed;
  });

  it('answers an unknown user exactly as a wrong password', async () => {
    const a = await saslLogin(await client(), 'SCRAM-SHA-256', 'mallory', 'x');
    const b = await saslLogin(await client(), 'SCRAM-SHA-256', 'alice', 'x');
    expect(a.errorCode).toBe(SASL_ERROR);
    expect(a.errorMessage).toBe(b.errorMessage);
  });

  it('refuses an unknown mechanism with the enabled ones listed', async () => {
    const c = await client();
    const hs = await c.send(SaslHandshakeRequest, SaslHandshakeResponse, 1, { mechanism: 'GSSAPI' });
    expect(hs.errorCode).toBe(33);
    expect(hs.mechanisms).toEqual(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']);
  });

  it('takes bare token frames after a v0 handshake (kafka-python), answering PLAIN with an empty frame', async () => {
    const c = await client();
    const hs = await c.send(SaslHandshakeRequest, SaslHandshakeResponse, 0, { mechanism: 'PLAIN' });
    expect(hs.errorCode).toBe(0);
    // The bare answer has no correlation id: read it here, with the client's own reader set aside meanwhile.
    const own = c.socket.listeners('data') as ((d: Buffer) => void)[];
    c.socket.removeAllListeners('data');
    const answer = new Promise<Buffer>((resolve) => {
      const parser = new FrameParser(1 << 20);
      c.socket.on('data', function onData(d: Buffer) {
        const frames = parser.push(d);
        if (frames.length > 0) {
          c.socket.off('data', onData);
          for (const l of own) c.socket.on('data', l);
          resolve(frames[0]!);
        }
      });
    });
    const token = Buffer.from('\0alice\0alice-secret');
    const frame = Buffer.alloc(4 + token.length);
    frame.writeInt32BE(token.length, 0);
    token.copy(frame, 4);
    c.writeRaw(frame);
    expect((await answer).length).toBe(0);
    expect((await metadata(c)).brokers[0]!.port).toBe(port('SASL_PLAINTEXT'));
  });

  it('closes a bare-token login with a wrong password without an answer', async () => {
    const c = await client();
    await c.send(SaslHandshakeRequest, SaslHandshakeResponse, 0, { mechanism: 'PLAIN' });
    const token = Buffer.from('\0alice\0nope');
    const frame = Buffer.alloc(4 + token.length);
    frame.writeInt32BE(token.length, 0);
    token.copy(frame, 4);
    c.writeRaw(frame);
    await c.closed;
  });

  it('keeps answering other connections while a failed login waits out its delay', async () => {
    const bad = await client();
    const pending = saslLogin(bad, 'PLAIN', 'alice', 'wrong');
    const good = await client();
    expect((await saslLogin(good, 'SCRAM-SHA-512', 'alice', 'alice-secret')).errorCode).toBe(0);
    expect((await metadata(good)).brokers).toHaveLength(1);
    expect((await pending).errorCode).toBe(SASL_ERROR);
  });

  it('makes parallel guesses from one address wait in turn, each longer, while another address logs in at once', async () => {
    const from = async (local: string) => {
      const c = await WireClient.connect(port('SASL_PLAINTEXT'), '127.0.0.1', local);
      clients.push(c);
      return c;
    };
    expect((await saslLogin(await from('127.0.0.77'), 'PLAIN', 'alice', 'guess-0')).errorCode).toBe(SASL_ERROR); // 200 ms
    const started = Date.now();
    const finished: number[] = [];
    const guesses = ['guess-1', 'guess-2', 'guess-3'].map(async (pw) => {
      const r = await saslLogin(await from('127.0.0.77'), 'PLAIN', 'alice', pw);
      finished.push(Date.now() - started);
      return r.errorCode;
    });
    const good = await saslLogin(await from('127.0.0.78'), 'SCRAM-SHA-256', 'alice', 'alice-secret');
    const goodAt = Date.now() - started;
    expect(good.errorCode).toBe(0);
    expect(await Promise.all(guesses)).toEqual([SASL_ERROR, SASL_ERROR, SASL_ERROR]);
    // One at a time, waiting 400, 800 and 1600 ms: no faster than that however busy the machine is.
    expect(Math.max(...finished)).toBeGreaterThanOrEqual(2800 - 50);
    expect(goodAt).toBeLessThan(Math.max(...finished));
  }, 20_000);

  it('sees users added, changed and removed in the users file without a restart', async () => {
    expect((await saslLogin(await client(), 'PLAIN', 'bob', 'bob-pw')).errorCode).toBe(SASL_ERROR);
    await addUser('bob', 'bob-pw');
    expect((await saslLogin(await client(), 'SCRAM-SHA-256', 'bob', 'bob-pw')).errorCode).toBe(0);
    await addUser('bob', 'bob-new');
    expect((await saslLogin(await client(), 'PLAIN', 'bob', 'bob-pw')).errorCode).toBe(SASL_ERROR);
    expect((await saslLogin(await client(), 'PLAIN', 'bob', 'bob-new')).errorCode).toBe(0);
    const users = readUsers(usersFilePath(dir));
    users.delete('bob');
    writeUsers(usersFilePath(dir), users);
    expect((await saslLogin(await client(), 'SCRAM-SHA-512', 'bob', 'bob-new')).errorCode).toBe(SASL_ERROR);
  });

  it('lets a logged-in connection re-authenticate as the same user (KIP-368), not as another', async () => {
    await addUser('bob', 'bob-pw');
    const c = await client();
    expect((await saslLogin(c, 'SCRAM-SHA-256', 'alice', 'alice-secret')).errorCode).toBe(0);
    expect((await saslLogin(c, 'PLAIN', 'alice', 'alice-secret')).errorCode).toBe(0);
    expect((await metadata(c)).brokers).toHaveLength(1);
    const other = await saslLogin(c, 'SCRAM-SHA-512', 'bob', 'bob-pw');
    expect(other.errorCode).toBe(SASL_ERROR);
    await c.closed;
  });

  it('keeps its users across a restart', async () => {
    await broker.stop();
    broker = await Broker.start(loadBrokerConfig({ dataDir: dir, listeners: 'SASL_PLAINTEXT://127.0.0.1:0' }), silentLogger);
    expect((await saslLogin(await client(), 'SCRAM-SHA-512', 'alice', 'alice-secret')).errorCode).toBe(0);
  });

  it('answers SaslHandshake on a plaintext listener with ILLEGAL_SASL_STATE and needs no login there', async () => {
    const c = await client('PLAINTEXT');
    expect((await c.send(SaslHandshakeRequest, SaslHandshakeResponse, 1, { mechanism: 'PLAIN' })).errorCode).toBe(34);
    expect((await metadata(c)).brokers[0]!.port).toBe(port('PLAINTEXT'));
  });
});
