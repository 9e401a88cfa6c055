// Signing in to the API as a Kafka super user instead of with the token: the right password of a super user gets
// the token's cookie; a wrong password, an unknown user and a user who is not a super user all get the same 401.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser } from '../../src/broker/security/user-admin.js';
import { startApp, type TestApp } from './helpers.js';

let t: TestApp;

beforeAll(async () => {
  t = await startApp({ config: { superUsers: ['User:admin'] } });
  await addUser(t.dataDir, 'admin', 'admin-password-1');
  await addUser(t.dataDir, 'bob', 'bob-password-1');
}, 60_000);
afterAll(async () => {
  await t?.stop();
});

const login = (username: string, password: string) => t.api('/api/v1/login', { method: 'POST', auth: false, json: { username, password } });

describe('POST /api/v1/login', () => {
  it('gives a super user the cookie the printed URL gives, which then opens the API', async () => {
    const res = await login('admin', 'admin-password-1');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ user: 'admin' });
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^tributary_token=[^;]+; HttpOnly; SameSite=Strict; Path=\//);
    const overview = await t.api('/api/v1/overview', { auth: false, headers: { cookie: cookie.split(';')[0]! } });
    expect(overview.status).toBe(200);
  });

  it('refuses a wrong password, an unknown user and a user who is not a super user alike', async () => {
    const answers = await Promise.all([login('admin', 'nope'), login('nobody', 'x'), login('bob', 'bob-password-1')]);
    for (const r of answers) {
      expect(r.status).toBe(401);
      expect(r.headers.get('set-cookie')).toBeNull();
      expect((await r.json()).error.message).toMatch(/wrong user name or password, or the user is not a super user/);
    }
    expect((await t.api('/api/v1/login', { method: 'POST', auth: false, json: { username: 'admin' } })).status).toBe(400);
  });

  it('slows repeated failures from one address', async () => {
    const started = Date.now();
    for (let i = 0; i < 3; i++) expect((await login('admin', `wrong-${i}`)).status).toBe(401);
    // 200 ms, then 400, then 800 (earlier failures from this address count too): well over half a second.
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
  }, 60_000);
});
