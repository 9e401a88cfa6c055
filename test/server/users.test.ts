// Managing the Kafka listeners' SASL users through the API: a user added, re-passworded and deleted there is what a
// real client (kcat / librdkafka) can or cannot log in with on the running broker, with no restart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KCAT, requireTools } from '../helpers/require-tool.js';
import { runTool } from '../helpers/run-tool.js';
import { startSaslApp, type SaslTestApp } from './sasl-app.js';

const kcatAvailable = requireTools(KCAT);
let t: SaslTestApp;

beforeAll(async () => {
  t = await startSaslApp('tributary-users-api-');
}, 60_000);
afterAll(async () => {
  await t?.stop();
});

const api = (method: string, path: string, body?: unknown) => t.api(method, path, body);

/** Whether kcat logs in as NAME with PASSWORD and lists the cluster. */
async function kcatLogsIn(name: string, password: string, mechanism = 'SCRAM-SHA-256'): Promise<boolean> {
  const r = await runTool('kcat', ['-b', `127.0.0.1:${t.saslPort}`, '-m', '15', '-X', 'security.protocol=SASL_PLAINTEXT', '-X', `sasl.mechanisms=${mechanism}`, '-X', `sasl.username=${name}`, '-X', `sasl.password=${password}`, '-L'], { timeoutMs: 60_000 });
  return r.code === 0;
}

describe('/api/v1/users', () => {
  it('adds a user with a given password, lists it without any secret, and refuses a duplicate', async () => {
    const res = await api('POST', '/users', { name: 'alice', password: 'alice-password-1', mechanisms: ['SCRAM-SHA-512'] });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ name: 'alice', mechanisms: ['SCRAM-SHA-512'] });
    const list = await (await api('GET', '/users')).json();
    // Beside the agent user the first start with a SASL listener makes.
    expect(list.filter((u: { name: string }) => u.name !== 'agent')).toEqual([{ name: 'alice', mechanisms: ['SCRAM-SHA-512'], iterations: 8192 }]);
    expect(JSON.stringify(list)).not.toContain('alice-password-1');
    const dup = await api('POST', '/users', { name: 'alice', password: 'x' });
    expect(dup.status).toBe(409);
    expect((await dup.json()).error.message).toMatch(/already exists/);
  });

  it('generates a password when none is given and returns it once', async () => {
    const res = await api('POST', '/users', { name: 'bob' });
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body.mechanisms).toEqual(['SCRAM-SHA-256', 'SCRAM-SHA-512']);
    expect(body.password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(JSON.stringify(await (await api('GET', '/users')).json())).not.toContain(body.password);
  });

  it('answers bad input with a clear 400 and unknown users with 404', async () => {
    expect((await api('POST', '/users', { name: 'no spaces' })).status).toBe(400);
    expect((await api('POST', '/users', { name: 'carol', mechanisms: ['MD5'] })).status).toBe(400);
    expect((await api('POST', '/users', { name: 'carol', iterations: 10 })).status).toBe(400);
    const missing = await api('DELETE', '/users/nobody');
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.message).toMatch(/no user nobody/);
    expect((await api('PUT', '/users/nobody/password', {})).status).toBe(404);
  });

  it('is behind the API token', async () => {
    expect((await fetch(`${t.base}/users`)).status).toBe(401);
    expect((await fetch(`${t.base}/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'mallory' }) })).status).toBe(401);
  });

  it.skipIf(!kcatAvailable)('a user added, re-passworded and deleted through the API is what kcat can log in with, without a restart', async () => {
    expect((await api('POST', '/users', { name: 'dave', password: 'first-password' })).status).toBe(201);
    expect(await kcatLogsIn('dave', 'first-password', 'SCRAM-SHA-512')).toBe(true);
    const changed = await api('PUT', '/users/dave/password', {});
    expect(changed.status).toBe(200);
    const { password } = await changed.json();
    expect(await kcatLogsIn('dave', password, 'PLAIN')).toBe(true);
    expect(await kcatLogsIn('dave', 'first-password')).toBe(false);
    expect((await api('DELETE', '/users/dave')).status).toBe(204);
    expect(await kcatLogsIn('dave', password)).toBe(false);
  }, 240_000);
});
