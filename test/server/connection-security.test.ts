// Connection security through the API, against a second in-process serve with a SASL_SSL listener (its generated CA,
// a SCRAM user with read ACLs): "test connection" names the step that failed (TCP, TLS, SASL) or answers the
// cluster's id and brokers; a typed password is stored apart, never sent back, kept on edit and dropped on delete.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseListeners } from '../../src/broker/listeners.js';
import { addAcls, aclsFilePath } from '../../src/broker/security/acls-file.js';
import { loadOrCreateCa } from '../../src/broker/security/certificates.js';
import { addUser } from '../../src/broker/security/user-admin.js';
import { silentLogger } from '../../src/common/logger.js';
import { startApp, type TestApp } from './helpers.js';

const PASSWORD = 'mirror-password-7f3a';
let secure: TestApp;
let local: TestApp;
let bootstrap: string;
let ca: string;
let otherCaDir: string;
let otherCa: string;

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const sasl = (password: string | undefined, mechanism = 'SCRAM-SHA-256') => ({ protocol: 'SASL_SSL', ca, sasl: { mechanism, username: 'mirror', ...(password === undefined ? {} : { password }) } });

beforeAll(async () => {
  [secure, local] = await Promise.all([startApp({ config: { listeners: parseListeners('PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0') } }), startApp()]);
  bootstrap = `127.0.0.1:${secure.app.broker.listenerAddresses().find((l) => l.protocol === 'SASL_SSL')!.port}`;
  ca = join(secure.dataDir, 'tls', 'ca.pem');
  await addUser(secure.dataDir, 'mirror', PASSWORD);
  const allow = (resourceType: 'TOPIC' | 'GROUP') => ({ resourceType, resourceName: '*', patternType: 'LITERAL' as const, principal: 'User:mirror', host: '*', operation: 'READ' as const, permission: 'ALLOW' as const });
  await addAcls(aclsFilePath(secure.dataDir), [allow('TOPIC'), allow('GROUP')]);
  await secure.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'vault-logs', partitions: 2 } });
  for (let i = 0; i < 4; i++) await secure.call('/api/v1/topics/vault-logs/messages', 201, { method: 'POST', json: { value: `entry ${i}` } });
  // A CA that never signed the broker's certificate.
  otherCaDir = mkdtempSync(join(tmpdir(), 'tributary-other-ca-'));
  otherCa = (await loadOrCreateCa(otherCaDir, { dns: ['localhost'], ips: ['127.0.0.1'] }, silentLogger)).caFile;
}, 60_000);
afterAll(async () => {
  await local?.stop();
  // Restarted on its own data directory, which its stop() then leaves.
  if (local) rmSync(local.dataDir, { recursive: true, force: true });
  await secure?.stop();
  if (otherCaDir) rmSync(otherCaDir, { recursive: true, force: true });
});

describe('POST /api/v1/connections/test', () => {
  it('answers the cluster id, brokers and topics over SASL_SSL with the right CA and password', async () => {
    const r = await until('the SASL_SSL test to pass (the ACL file is re-read once a second)', async () => {
      const v = await local.call('/api/v1/connections/test', 200, { method: 'POST', json: { bootstrap, security: sasl(PASSWORD) } });
      return v.ok && v.topics >= 1 && v;
    });
    expect(r.clusterId).toBe(secure.app.broker.clusterId);
    expect(r.brokers).toEqual([{ nodeId: expect.any(Number), address: bootstrap, reachable: true, error: null }]);
    expect(r.warnings).toEqual([]);
    expect(r.address).toBe(bootstrap);
    expect(r.steps.join(' | ')).toMatch(/TCP .*\| TLS \| SASL SCRAM-SHA-256 as mirror \| Metadata/);
  }, 90_000);

  it('names the SASL login when the password is wrong', async () => {
    const r = await local.call('/api/v1/connections/test', 200, { method: 'POST', json: { bootstrap, security: sasl('not-the-password') } });
    expect(r).toMatchObject({ ok: false, stage: 'sasl', address: bootstrap });
    expect(r.error).toMatch(/^SASL: authentication failed for user "mirror" with mechanism SCRAM-SHA-256/);
    expect(r.steps).toEqual([`TCP ${bootstrap}`, 'TLS']);
  }, 60_000);

  it('names the TLS handshake when the CA is not the one that signed the broker', async () => {
    const r = await local.call('/api/v1/connections/test', 200, { method: 'POST', json: { bootstrap, security: { ...sasl(PASSWORD), ca: otherCa } } });
    expect(r).toMatchObject({ ok: false, stage: 'tls', address: bootstrap });
    expect(r.error).toMatch(/^TLS: the broker's certificate is not signed by a CA we trust/);
    expect(r.error).toContain(otherCa);
  }, 60_000);

  it('names the TCP connection when nothing listens; a plaintext client on a TLS listener and a TLS client on a plaintext one', async () => {
    const dead = await local.call('/api/v1/connections/test', 200, { method: 'POST', json: { bootstrap: '127.0.0.1:1' } });
    expect(dead).toMatchObject({ ok: false, stage: 'tcp', steps: [] });
    expect(dead.error).toMatch(/TCP connection failed: 127\.0\.0\.1:1: connection refused/);
    const plain = await local.call('/api/v1/connections/test', 200, { method: 'POST', json: { bootstrap, security: { protocol: 'PLAINTEXT' } } });
    expect(plain).toMatchObject({ ok: false, stage: 'kafka' });
    expect(plain.error).toMatch(/TLS listener/);
    const tlsOnPlain = await local.call('/api/v1/connections/test', 200, { method: 'POST', json: { bootstrap: secure.kafka, security: { protocol: 'SSL', ca } } });
    expect(tlsOnPlain).toMatchObject({ ok: false, stage: 'tls', steps: [`TCP ${secure.kafka}`] });
    expect(tlsOnPlain.error).toMatch(/PLAINTEXT or SASL_PLAINTEXT listener/);
  }, 60_000);

  it('warns when a broker advertises an address that cannot be reached from here', async () => {
    const hidden = await startApp({ config: { advertisedHost: 'broker.invalid' } });
    try {
      const r = await local.call('/api/v1/connections/test', 200, { method: 'POST', json: { bootstrap: hidden.kafka } });
      const port = hidden.kafka.split(':')[1];
      expect(r.ok).toBe(true);
      expect(r.brokers).toEqual([{ nodeId: expect.any(Number), address: `broker.invalid:${port}`, reachable: false, error: expect.any(String) }]);
      expect(r.warnings).toHaveLength(1);
      expect(r.warnings[0]).toMatch(new RegExp(`advertises broker\\.invalid:${port}, which cannot be reached from here`));
    } finally {
      await hidden.stop();
    }
  }, 60_000);

  it('refuses settings that cannot work with a 400 naming the setting', async () => {
    const bad = async (security: unknown, re: RegExp) => {
      const res = await local.api('/api/v1/connections/test', { method: 'POST', json: { bootstrap, security } });
      expect(res.status).toBe(400);
      expect((await res.json()).error.message).toMatch(re);
    };
    await bad({ ...sasl(PASSWORD), ca: '/nonexistent/ca.pem' }, /security\.ca: cannot read \/nonexistent\/ca\.pem/);
    await bad({ protocol: 'SASL_SSL', ca, sasl: { mechanism: 'PLAIN', password: 'x' } }, /SASL_SSL needs a user name/);
    await bad({ protocol: 'SASL_SSL', ca, sasl: { username: 'u', password: 'x', passwordFile: '/etc/hostname' } }, /a password or a passwordFile, not both/);
    await bad({ protocol: 'SSL', ca, sasl: { password: 'x' } }, /password needs protocol SASL_SSL or SASL_PLAINTEXT/);
    await bad({ protocol: 'SSL', cert: ca }, /cert and .*key go together/);
  });
});

describe('a connection saved with a typed password', () => {
  it('stores the password apart, never returns it, keeps it on edit and drops it on delete', async () => {
    const put = await local.call('/api/v1/connections/vault', 200, { method: 'PUT', json: { bootstrap, follow: [], security: sasl(PASSWORD, 'SCRAM-SHA-512') } });
    expect(put.security).toEqual({ protocol: 'SASL_SSL', ca: [ca], cert: null, key: null, servername: null, rejectUnauthorized: true, sasl: { mechanism: 'SCRAM-SHA-512', username: 'mirror', passwordFile: null, password: 'stored' } });
    for (const body of [JSON.stringify(put), await (await local.api('/api/v1/connections')).text(), await (await local.api('/api/v1/connections/vault')).text()]) {
      expect(body).not.toContain(PASSWORD);
      expect(body).not.toContain('__meta');
    }
    const saved = readFileSync(join(local.dataDir, '__meta', 'connections.json'), 'utf8');
    expect(saved).not.toContain(PASSWORD);
    const secretFile = join(local.dataDir, '__meta', 'secrets', 'connection-vault.password');
    expect(readFileSync(secretFile, 'utf8')).toBe(PASSWORD);
    if (process.platform !== 'win32') expect(statSync(secretFile).mode & 0o777).toBe(0o600);

    // The remote, browsed with the stored password.
    const topics = await until('the remote topics', async () => {
      const res = await local.api('/api/v1/connections/vault/topics');
      return res.status === 200 && (await res.json());
    });
    expect(topics.topics.map((t: { name: string }) => t.name)).toContain('vault-logs');

    // Edited without retyping the password: the stored one is used, by the test and by the saved connection.
    const again = await local.call('/api/v1/connections/test', 200, { method: 'POST', json: { name: 'vault', bootstrap, security: sasl(undefined, 'SCRAM-SHA-512') } });
    expect(again).toMatchObject({ ok: true, clusterId: secure.app.broker.clusterId });
    // ...but only where it was saved for: other servers or a weaker mechanism need it typed again.
    for (const [settings, what] of [
      [{ bootstrap: secure.kafka, security: sasl(undefined, 'SCRAM-SHA-512') }, 'the bootstrap servers'],
      [{ bootstrap, security: sasl(undefined, 'PLAIN') }, 'the SASL mechanism'],
      [{ bootstrap, security: { ...sasl(undefined, 'SCRAM-SHA-512'), rejectUnauthorized: false } }, 'the TLS trust'],
    ] as const) {
      for (const [path, method, json] of [['/api/v1/connections/test', 'POST', { name: 'vault', ...settings }], ['/api/v1/connections/vault', 'PUT', settings]] as const) {
        const res = await local.api(path, { method, json });
        expect(res.status).toBe(400);
        expect((await res.json()).error.message).toMatch(new RegExp(`stored password is only sent where it was saved for; ${what}`));
      }
    }
    expect(readFileSync(secretFile, 'utf8')).toBe(PASSWORD);
    const edited = await local.call('/api/v1/connections/vault', 200, { method: 'PUT', json: { bootstrap, follow: ['vault-*'], security: sasl('', 'SCRAM-SHA-512') } });
    expect(edited.security.sasl.password).toBe('stored');
    await until('the copy with the kept password', async () => (await local.api('/api/v1/topics/vault.vault-logs')).status === 200 && (await local.call('/api/v1/topics/vault.vault-logs', 200)).records === 4, 90_000);

    // After a restart the saved connection logs in with the stored password again.
    const dataDir = local.dataDir;
    await local.app.stop();
    local = await startApp({ dataDir });
    expect((await local.call('/api/v1/connections/vault', 200)).security.sasl.password).toBe('stored');
    expect(JSON.stringify((await local.call('/api/v1/connections/test', 200, { method: 'POST', json: { name: 'vault', bootstrap, security: sasl(undefined, 'SCRAM-SHA-512') } })))).toMatch(/"ok":true/);

    // A new password replaces the stored one; a test of another name does not borrow it.
    await local.call('/api/v1/connections/vault', 200, { method: 'PUT', json: { bootstrap, follow: [], security: sasl('wrong-now', 'SCRAM-SHA-512') } });
    expect(readFileSync(secretFile, 'utf8')).toBe('wrong-now');
    expect(await local.call('/api/v1/connections/test', 200, { method: 'POST', json: { name: 'vault', bootstrap, security: sasl(undefined, 'SCRAM-SHA-512') } })).toMatchObject({ ok: false, stage: 'sasl' });
    expect((await local.api('/api/v1/connections/test', { method: 'POST', json: { name: 'other', bootstrap, security: sasl(undefined) } })).status).toBe(400);

    // Switching to a password file forgets the stored password (the file's path is shown: it is no secret).
    const own = join(local.dataDir, 'own.pass');
    writeFileSync(own, `${PASSWORD}\n`, { mode: 0o600 });
    const withFile = await local.call('/api/v1/connections/vault', 200, { method: 'PUT', json: { bootstrap, security: { ...sasl(undefined), sasl: { username: 'mirror', passwordFile: own } } } });
    expect(withFile.security.sasl).toMatchObject({ passwordFile: own, password: 'file' });
    expect(existsSync(secretFile)).toBe(false);
    // Removing the connection forgets a stored password too.
    await local.call('/api/v1/connections/vault', 200, { method: 'PUT', json: { bootstrap, security: sasl(PASSWORD) } });
    expect(existsSync(secretFile)).toBe(true);
    await local.call('/api/v1/connections/vault', 204, { method: 'DELETE' });
    expect(existsSync(secretFile)).toBe(false);
  }, 240_000);
});
