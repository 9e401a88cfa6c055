// ACLs from the API, checked by a real client: a user the API made is refused a write until an ACL from the API
// grants it, then refused again once the API removes it (the running broker re-reads DATA/acls.json within a second).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KCAT, requireTools } from '../helpers/require-tool.js';
import { runTool } from '../helpers/run-tool.js';
import { startSaslApp, type SaslTestApp } from './sasl-app.js';

const kcatAvailable = requireTools(KCAT);
let t: SaslTestApp;

beforeAll(async () => {
  t = await startSaslApp('tributary-acls-api-');
}, 60_000);
afterAll(async () => {
  await t?.stop();
});

const api = (method: string, path: string, body?: unknown) => t.api(method, path, body);

async function kcatProduces(user: string, password: string, topic: string): Promise<{ ok: boolean; stderr: string }> {
  const r = await runTool('kcat', ['-P', '-b', `127.0.0.1:${t.saslPort}`, '-t', topic, '-m', '15', '-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanisms=SCRAM-SHA-256', '-X', `sasl.username=${user}`, '-X', `sasl.password=${password}`, '-X', 'message.timeout.ms=8000'], { input: 'hello\n', timeoutMs: 60_000 });
  return { ok: r.code === 0 && !/authoriz/i.test(r.stderr), stderr: r.stderr };
}

async function waitFor(what: string, fn: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('/api/v1/acls', () => {
  it('lists the defaults for the agent user and the super users before any change', async () => {
    const r = await (await api('GET', '/acls')).json();
    expect(r.superUsers).toEqual(['User:admin']);
    expect(r.acls).toContainEqual({ principal: 'User:agent', resourceType: 'TOPIC', resourceName: '', patternType: 'PREFIXED', host: '*', operation: 'WRITE', permission: 'ALLOW' });
  });

  it('answers bad input with a clear 400 and an unknown ACL with 404', async () => {
    expect((await api('POST', '/acls', { principal: 'alice', resourceType: 'TOPIC', resourceName: 'x', operations: ['READ'] })).status).toBe(400);
    expect((await api('POST', '/acls', { principal: 'User:alice', resourceType: 'TOPIC', resourceName: 'x', operations: ['FLY'] })).status).toBe(400);
    const noName = await api('POST', '/acls', { principal: 'User:alice', resourceType: 'TOPIC', operations: ['READ'] });
    expect(noName.status).toBe(400);
    expect((await noName.json()).error.message).toMatch(/name the resource/);
    expect((await api('DELETE', '/acls?principal=User:nobody&resourceType=TOPIC&resourceName=x&operation=READ')).status).toBe(404);
    expect((await fetch(`${t.base}/acls`)).status).toBe(401);
  });

  it.skipIf(!kcatAvailable)('an ACL added through the API lets a user write; removed, it does not', async () => {
    expect((await api('POST', '/topics', { name: 'orders', partitions: 1 })).status).toBe(201);
    expect((await api('POST', '/users', { name: 'writer', password: 'writer-password-1' })).status).toBe(201);
    const refused = await kcatProduces('writer', 'writer-password-1', 'orders');
    expect(refused.ok).toBe(false);
    expect(refused.stderr).toMatch(/Topic authorization failed|TOPIC_AUTHORIZATION_FAILED/i);

    const add = await api('POST', '/acls', { principal: 'User:writer', resourceType: 'TOPIC', resourceName: 'orders', operations: ['WRITE', 'DESCRIBE'] });
    expect(add.status).toBe(201);
    expect(await add.json()).toEqual({ added: 2 });
    const listed = await (await api('GET', '/acls')).json();
    expect(listed.acls).toContainEqual({ principal: 'User:writer', resourceType: 'TOPIC', resourceName: 'orders', patternType: 'LITERAL', host: '*', operation: 'WRITE', permission: 'ALLOW' });
    await waitFor('the write to be allowed', async () => (await kcatProduces('writer', 'writer-password-1', 'orders')).ok);

    const del = await api('DELETE', '/acls?principal=User:writer&resourceType=TOPIC&resourceName=orders&patternType=LITERAL&host=*&operation=WRITE&permission=ALLOW');
    expect(del.status).toBe(204);
    await waitFor('the write to be refused again', async () => !(await kcatProduces('writer', 'writer-password-1', 'orders')).ok);
  }, 180_000);
});
