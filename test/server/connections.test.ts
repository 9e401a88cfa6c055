// Connections to another cluster through the API, with a second in-process serve as the remote: a connection saved
// through the API follows matching topics into <connection>.<topic> and reports its lag; the remote's topics,
// partitions, configs, records, produce and consumer groups (with a reset) are served from it; bad input is a 400,
// an unreachable cluster a 502; saved connections survive a restart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaClient } from '../../src/client/client.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseListeners } from '../../src/broker/listeners.js';
import { addAcls, aclsFilePath } from '../../src/broker/security/acls-file.js';
import { addUser } from '../../src/broker/security/user-admin.js';
import { startApp, type TestApp } from './helpers.js';

let remote: TestApp;
let local: TestApp;
let client: KafkaClient;

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  [remote, local] = await Promise.all([startApp(), startApp()]);
  client = new KafkaClient({ bootstrap: [remote.kafka], clientId: 'connections-test' });
  await remote.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'web-logs', partitions: 2 } });
  await remote.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'billing', partitions: 1 } });
  await client.producer().send('web-logs', Array.from({ length: 60 }, (_, i) => ({ key: `h${i % 3}`, value: JSON.stringify({ i, level: i % 6 ? 'info' : 'error' }), timestamp: Date.now() - 60_000 + i })));
}, 60_000);
afterAll(async () => {
  await client?.close();
  await local?.stop();
  await remote?.stop();
});

describe('/api/v1/connections', () => {
  it('saves a connection that follows matching topics into <connection>.<topic>, with its lag', async () => {
    const put = await local.call('/api/v1/connections/r1', 200, { method: 'PUT', json: { bootstrap: remote.kafka, follow: ['web-*'], group: 'copy-r1' } });
    expect(put).toMatchObject({ name: 'r1', bootstrap: [remote.kafka], follow: ['web-*'], source: 'api' });
    const status = await until('the copy', async () => {
      const c = await local.call('/api/v1/connections/r1', 200);
      return c.topics[0]?.recordsCopied === 60 && c.lag === 0 && c;
    });
    expect(status.state).toBe('following');
    expect(status.topics.map((t: { local: string }) => t.local)).toEqual(['r1.web-logs']);
    const copy = await local.call('/api/v1/topics/r1.web-logs', 200);
    expect(copy.partitions).toHaveLength(2);
    expect(copy.records).toBe(60);
    expect((await local.api('/api/v1/topics/r1.billing')).status).toBe(404);
    // More records reach the copy while it follows.
    await client.producer().send('web-logs', [{ key: 'h9', value: 'late record' }]);
    await until('the late record', async () => (await local.call('/api/v1/topics/r1.web-logs', 200)).records === 61);
  });

  it("serves the remote's topics, partitions, configs, records and produce", async () => {
    const { topics } = await local.call('/api/v1/connections/r1/topics', 200);
    expect(topics.find((t: { name: string }) => t.name === 'web-logs')).toMatchObject({ partitions: 2, records: 61 });
    expect(topics.map((t: { name: string }) => t.name)).toContain('billing');
    const detail = await local.call('/api/v1/connections/r1/topics/web-logs', 200);
    expect(detail.partitions.map((p: { partition: number }) => p.partition)).toEqual([0, 1]);
    expect(detail.partitions.reduce((n: number, p: { startOffset: number; endOffset: number }) => n + p.endOffset - p.startOffset, 0)).toBe(61);
    expect(detail.configs.find((c: { name: string }) => c.name === 'retention.ms')).toBeTruthy();
    const newest = await local.call('/api/v1/connections/r1/topics/web-logs/messages?limit=5', 200);
    expect(newest.records).toHaveLength(5);
    expect(newest.records[0].value).toBe('late record');
    const ts = newest.records.map((r: { timestamp: number }) => r.timestamp);
    expect([...ts].sort((a, b) => b - a)).toEqual(ts);
    const fwd = await local.call('/api/v1/connections/r1/topics/web-logs/messages?partition=0&offset=2&limit=3', 200);
    expect(fwd.records.map((r: { offset: number }) => r.offset)).toEqual([2, 3, 4]);
    await local.call('/api/v1/connections/r1/topics/billing/messages', 201, { method: 'POST', json: { key: 'inv-1', value: 'paid', headers: { source: 'api' } } });
    const billing = await local.call('/api/v1/connections/r1/topics/billing/messages', 200);
    expect(billing.records).toEqual([expect.objectContaining({ key: 'inv-1', value: 'paid', headers: [{ key: 'source', value: 'api' }] })]);
    expect((await local.api('/api/v1/connections/r1/topics/nope')).status).toBe(404);
  });

  it("shows the remote's groups (the follow's own among them) and resets an idle one", async () => {
    await client.groups.commitOffsets('reports', 'web-logs', new Map([[0, 5], [1, 5]]));
    const { groups } = await until('groups', async () => {
      const g = await local.call('/api/v1/connections/r1/groups', 200);
      return g.groups.some((x: { groupId: string }) => x.groupId === 'copy-r1') && g;
    });
    expect(groups.map((g: { groupId: string }) => g.groupId)).toEqual(expect.arrayContaining(['copy-r1', 'reports']));
    const reports = await local.call('/api/v1/connections/r1/groups/reports', 200);
    expect(reports.partitions.map((p: { currentOffset: number }) => p.currentOffset)).toEqual([5, 5]);
    const plan = await local.call('/api/v1/connections/r1/groups/reports/reset-offsets', 200, { method: 'POST', json: { topic: 'web-logs', to: 'earliest', dryRun: false } });
    expect(plan.partitions.map((p: { from: number; to: number }) => [p.from, p.to])).toEqual([[5, 0], [5, 0]]);
    const after = await local.call('/api/v1/connections/r1/groups/reports', 200);
    expect(after.partitions.map((p: { currentOffset: number }) => p.currentOffset)).toEqual([0, 0]);
    expect((await local.api('/api/v1/connections/r1/groups/nobody')).status).toBe(404);
  });

  it('answers bad input with 400, unknown names with 404, an unreachable cluster with 502', async () => {
    expect((await local.api('/api/v1/connections/r2', { method: 'PUT', json: { bootstrap: 'no port here' } })).status).toBe(400);
    expect((await local.api('/api/v1/connections/local', { method: 'PUT', json: { bootstrap: remote.kafka } })).status).toBe(400);
    expect((await local.api('/api/v1/connections/r2', { method: 'PUT', json: { bootstrap: remote.kafka, follow: ['bad topic'] } })).status).toBe(400);
    expect((await local.api('/api/v1/connections/nope')).status).toBe(404);
    expect((await local.api('/api/v1/connections/nope', { method: 'DELETE' })).status).toBe(404);
    await local.call('/api/v1/connections/dead', 200, { method: 'PUT', json: { bootstrap: '127.0.0.1:1' } });
    const r = await local.api('/api/v1/connections/dead/topics');
    expect(r.status).toBe(502);
    expect((await r.json()).error.message).toMatch(/cannot reach dead/);
    expect((await local.api('/api/v1/connections/dead', { method: 'DELETE' })).status).toBe(204);
  }, 60_000);

  it('follows a cluster over SASL_SSL with its CA, as a user with read ACLs', async () => {
    const secure = await startApp({ config: { listeners: parseListeners('PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0') } });
    try {
      const port = secure.app.broker.listenerAddresses().find((l) => l.protocol === 'SASL_SSL')!.port;
      await addUser(secure.dataDir, 'mirror', 'mirror-password-1');
      const readAll = (resourceType: 'TOPIC' | 'GROUP') => ({ resourceType, resourceName: '*', patternType: 'LITERAL' as const, principal: 'User:mirror', host: '*', operation: 'READ' as const, permission: 'ALLOW' as const });
      await addAcls(aclsFilePath(secure.dataDir), [readAll('TOPIC'), readAll('GROUP')]);
      await secure.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'secure-logs', partitions: 1 } });
      for (let i = 0; i < 5; i++) await secure.call('/api/v1/topics/secure-logs/messages', 201, { method: 'POST', json: { value: `secret ${i}` } });
      const passwordFile = join(secure.dataDir, 'mirror.pass');
      writeFileSync(passwordFile, 'mirror-password-1\n', { mode: 0o600 });
      const security = { protocol: 'SASL_SSL', ca: join(secure.dataDir, 'tls', 'ca.pem'), sasl: { mechanism: 'SCRAM-SHA-256', username: 'mirror', passwordFile } };
      await local.call('/api/v1/connections/sec', 200, { method: 'PUT', json: { bootstrap: `127.0.0.1:${port}`, follow: ['secure-*'], group: 'mirror-group', security } });
      // SCRAM over TLS on a loaded machine, and the ACL file re-read once a second: give it time.
      await until('the copy over SASL_SSL', async () => (await local.api('/api/v1/topics/sec.secure-logs')).status === 200 && (await local.call('/api/v1/topics/sec.secure-logs', 200)).records === 5, 90_000);
      // A wrong password is the connection's error, shown with the state.
      writeFileSync(passwordFile, 'wrong\n');
      await local.call('/api/v1/connections/sec', 200, { method: 'PUT', json: { bootstrap: `127.0.0.1:${port}`, follow: ['secure-*'], group: 'mirror-group', security } });
      const bad = await until('the refusal', async () => {
        const c = await local.call('/api/v1/connections/sec', 200);
        return c.state === 'unreachable' && c;
      }, 60_000);
      expect(bad.error).toMatch(/authentication failed for user "mirror"/);
      expect((await local.api('/api/v1/connections/sec', { method: 'PUT', json: { bootstrap: `127.0.0.1:${port}`, security: { protocol: 'SASL_SSL', sasl: { password: 'x' } } } })).status).toBe(400);
      await local.call('/api/v1/connections/sec', 204, { method: 'DELETE' });
    } finally {
      await secure.stop();
    }
  }, 240_000);

  it('keeps saved connections across a restart, and the copy resumes without doubling', async () => {
    const dataDir = local.dataDir;
    await local.app.stop();
    await client.producer().send('web-logs', [{ key: 'h1', value: 'while away' }]);
    local = await startApp({ dataDir });
    const c = await until('the copy after restart', async () => {
      const v = await local.call('/api/v1/connections/r1', 200);
      return v.lag === 0 && v.state === 'following' && v;
    });
    expect(c.follow).toEqual(['web-*']);
    const counts: number[] = [];
    await until(`62 records (saw ${counts.slice(-3).join(', ')})`, async () => { const n = (await local.call('/api/v1/topics/r1.web-logs', 200)).records; counts.push(n); return n === 62; }).catch((e) => { throw new Error(`${e.message}: ${counts.slice(-3).join(', ')} ${JSON.stringify(c)}`); });
  }, 60_000);
});
