// Our client over TLS and SASL against a real broker on port 0 with a SASL_SSL, an SSL and a plaintext listener and
// the CA it generated: PLAIN and both SCRAMs produce, fetch and join a group (the coordinator's connection logs in
// too); a wrong password, an unknown mechanism, a wrong CA, a wrong host name and a protocol mismatch each fail with
// an error that says what went wrong.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Broker } from '../../src/broker/broker.js';
import { loadBrokerConfig } from '../../src/broker/config.js';
import { generatedTls } from '../../src/broker/security/certificates.js';
import { machineNames } from '../../src/broker/security/machine-names.js';
import { scramCredential } from '../../src/broker/security/scram.js';
import { readUsers, usersFilePath, writeUsers } from '../../src/broker/security/users-file.js';
import { KafkaClient } from '../../src/client/client.js';
import type { FetchedRecord } from '../../src/client/fetcher.js';
import type { ClientSecurity, SaslMechanism } from '../../src/client/security.js';
import { silentLogger } from '../../src/common/logger.js';

const PASSWORD = 'client-secret-42';
let dir: string;
let broker: Broker;
let ca: string;
const clients: KafkaClient[] = [];

const port = (protocol: string) => broker.listenerAddresses().find((l) => l.protocol === protocol)!.port;
function client(protocol: string, security: ClientSecurity | undefined, host = '127.0.0.1') {
  const c = new KafkaClient({ bootstrap: [`${host}:${port(protocol)}`], clientId: 'security-test', connectTimeoutMs: 5_000, requestTimeoutMs: 15_000, security });
  clients.push(c);
  return c;
}
const saslSsl = (mechanism: SaslMechanism, password = PASSWORD): ClientSecurity => ({ protocol: 'SASL_SSL', ca, sasl: { mechanism, username: 'agent', password } });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tributary-client-security-'));
  const users = readUsers(usersFilePath(dir));
  users.set('agent', { 'SCRAM-SHA-256': await scramCredential('SCRAM-SHA-256', PASSWORD, 4096), 'SCRAM-SHA-512': await scramCredential('SCRAM-SHA-512', PASSWORD, 4096) });
  writeUsers(usersFilePath(dir), users);
  // agent is a super user here: these tests are about logging in and TLS, not what ACLs grant (test/broker/security has those).
  broker = await Broker.start(loadBrokerConfig({ dataDir: dir, listeners: 'PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0,SSL://127.0.0.1:0', file: { superUsers: ['User:agent'] } }), silentLogger);
  ca = join(dir, 'tls', 'ca.pem');
}, 60_000);
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function readBack(c: KafkaClient, topic: string, count: number): Promise<string[]> {
  const seen: FetchedRecord[] = [];
  let offset = 0;
  for (let round = 0; round < 200 && seen.length < count; round++) {
    for (const f of await c.fetcher(topic).fetch(new Map([[0, offset]]), 200)) {
      seen.push(...f.records);
      offset = f.nextOffset;
    }
  }
  return seen.map((r) => r.value!.toString());
}

describe('SASL_SSL with the generated CA', () => {
  it.each(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const)('%s: produces, fetches back, and joins a group through the coordinator', async (mechanism) => {
    const c = client('SASL_SSL', saslSsl(mechanism));
    const topic = `sec-${mechanism.toLowerCase()}`;
    await c.admin.createTopic({ name: topic, partitions: 1 });
    const values = Array.from({ length: 300 }, (_, i) => `${mechanism} record ${i}`);
    await c.producer({ acks: -1 }).send(topic, values.map((value) => ({ key: null, value })));
    expect(await readBack(c, topic, values.length)).toEqual(values);
    // Metadata advertises the SASL_SSL listener itself, so the leader connection is TLS and logged in as well.
    const md = await c.cluster.metadata([topic]);
    expect(md.brokers.map((b) => b.port)).toEqual([port('SASL_SSL')]);
    const member = c.groupMember({ groupId: `sec-group-${mechanism}`, topics: [topic], sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, heartbeatIntervalMs: 500 });
    expect((await member.join()).get(topic)).toEqual([0]);
    await member.commit(topic, new Map([[0, values.length]]));
    expect((await member.committed()).get(topic)?.get(0)).toBe(values.length);
    await member.leave();
  }, 60_000);

  it('a wrong password is refused: authentication failed for the user with the mechanism (SASL_AUTHENTICATION_FAILED)', async () => {
    for (const mechanism of ['SCRAM-SHA-512', 'PLAIN'] as const) {
      const err = await client('SASL_SSL', saslSsl(mechanism, 'not-the-password')).admin.listTopics().then(() => null, (e: Error) => e);
      expect(err?.name).toBe('AuthenticationError');
      expect(err?.message).toMatch(new RegExp(`^broker 127\\.0\\.0\\.1:\\d+: authentication failed for user "agent" with mechanism ${mechanism}: .*\\(SASL_AUTHENTICATION_FAILED\\)$`));
    }
  }, 60_000);

  it('an unknown user is refused the same way', async () => {
    const err = await client('SASL_SSL', { protocol: 'SASL_SSL', ca, sasl: { mechanism: 'SCRAM-SHA-256', username: 'mallory', password: PASSWORD } })
      .admin.listTopics().then(() => null, (e: Error) => e);
    expect(err?.message).toMatch(/authentication failed for user "mallory" with mechanism SCRAM-SHA-256: .*SASL_AUTHENTICATION_FAILED/);
  }, 30_000);

  it('a broker signed by another CA is refused, naming the CA file that was trusted', async () => {
    // Another installation's CA: the same names, a different key.
    const otherDir = join(dir, 'other');
    const other = (await generatedTls(otherDir, machineNames(), silentLogger)).caFile!;
    const err = await client('SASL_SSL', { ...saslSsl('SCRAM-SHA-512'), ca: other }).admin.listTopics().then(() => null, (e: Error) => e);
    expect(err?.name).toBe('ConnectionError');
    expect(err?.message).toContain("TLS: the broker's certificate is not signed by a CA we trust");
    expect(err?.message).toContain(other);
  }, 30_000);

  it('the host name is checked against the certificate', async () => {
    const err = await client('SASL_SSL', { ...saslSsl('PLAIN'), servername: 'not-this-broker.example' }).admin.listTopics().then(() => null, (e: Error) => e);
    expect(err?.message).toMatch(/TLS: the broker's certificate does not name "not-this-broker\.example"/);
  }, 30_000);

  it('a mechanism given as an unknown name is refused before connecting', () => {
    expect(() => client('SASL_SSL', { protocol: 'SASL_SSL', ca, sasl: { mechanism: 'GSSAPI' as SaslMechanism, username: 'a', password: 'b' } })).toThrow(/unknown SASL mechanism "GSSAPI"/);
    expect(() => client('SASL_SSL', { protocol: 'SSL', ca, sasl: { mechanism: 'PLAIN', username: 'a', password: 'b' } })).toThrow(/protocol is SSL; use SASL_SSL/);
    expect(() => client('SASL_SSL', { protocol: 'SASL_SSL', ca })).toThrow(/needs SASL credentials/);
  });
});

describe('protocol mismatches', () => {
  it('SSL without login works on the SSL listener', async () => {
    const c = client('SSL', { protocol: 'SSL', ca: readFileSync(ca, 'utf8') });
    await c.admin.createTopic({ name: 'ssl-only' });
    expect(await c.admin.listTopics()).toContain('ssl-only');
  }, 30_000);

  it('plaintext to the TLS port fails with a hint to use TLS', async () => {
    const err = await client('SASL_SSL', undefined).admin.listTopics().then(() => null, (e: Error) => e);
    expect(err?.message).toMatch(/before answering ApiVersions — if this is a TLS listener \(SSL or SASL_SSL\), connect with that security protocol/);
  }, 60_000);

  it('TLS to the plaintext port fails with a hint that it is not a TLS listener', async () => {
    const err = await client('PLAINTEXT', { protocol: 'SSL', ca }).admin.listTopics().then(() => null, (e: Error) => e);
    expect(err?.message).toMatch(/closed during the TLS handshake — is this a TLS listener \(SSL or SASL_SSL\)\?|did not answer in TLS/);
  }, 30_000);

  it('SASL to a listener without SASL is told the listener does not expect a login', async () => {
    const err = await client('SSL', saslSsl('PLAIN')).admin.listTopics().then(() => null, (e: Error) => e);
    expect(err?.message).toMatch(/this listener does not expect a SASL login; use security protocol SSL or PLAINTEXT for it/);
  }, 30_000);

  it('no login on a SASL listener: the close is explained', async () => {
    const err = await client('SASL_SSL', { protocol: 'SSL', ca }).admin.listTopics().then(() => null, (e: Error) => e);
    expect(err?.message).toMatch(/closed by the broker at the first request — if this listener requires a SASL login \(SASL_PLAINTEXT or SASL_SSL\)/);
  }, 30_000);
});
