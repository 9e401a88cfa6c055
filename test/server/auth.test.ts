// Auth of the API: bearer token, the cookie flow from the printed URL, WebSocket token and Origin checks, the Host
// check on loopback, and the token never in the log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { recordingLogger, startApp, type TestApp } from './helpers.js';

let t: TestApp;
const log = recordingLogger();
beforeAll(async () => {
  t = await startApp({ logger: log });
});
afterAll(async () => {
  await t?.stop();
});

/** Opens a WebSocket; resolves with its first message, or rejects with the HTTP status of a refused upgrade. */
function wsFirstMessage(url: string, headers: Record<string, string> = {}): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error('no WebSocket answer within 10 s'));
    }, 10_000);
    ws.once('unexpected-response', (_req, res) => {
      clearTimeout(timer);
      reject(Object.assign(new Error(`upgrade refused with ${res.statusCode}`), { status: res.statusCode }));
      ws.terminate();
    });
    ws.once('message', (data) => {
      clearTimeout(timer);
      resolve(JSON.parse(data.toString()));
      ws.close();
    });
    ws.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

describe('API auth', () => {
  it('answers 401 JSON without a token and with a wrong one, and 200 with the bearer token', async () => {
    for (const auth of [undefined, 'Bearer nope', `Bearer ${t.token}x`, `Basic ${Buffer.from(`u:${t.token.slice(1)}`).toString('base64')}`]) {
      const res = await fetch(`${t.base}/api/v1/topics`, { headers: auth ? { authorization: auth } : {} });
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/application\/json/);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('UNAUTHORIZED');
      expect(body.error.message).toMatch(/Authorization: Bearer/);
    }
    const ok = await fetch(`${t.base}/api/v1/topics`, { headers: { authorization: `Bearer ${t.token}` } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ topics: [] });
  });

  it('does not accept the token as a query parameter on plain requests', async () => {
    const res = await fetch(`${t.base}/api/v1/topics?token=${t.token}`);
    expect(res.status).toBe(401);
  });

  it('sets an HttpOnly SameSite=Strict cookie from /?token=… and redirects to /, after which the cookie alone works', async () => {
    const res = await fetch(`${t.base}/?token=${t.token}`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/');
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\//);
    const pair = cookie.split(';')[0]!;
    expect(pair).toBe(`tributary_token=${t.token}`);
    const withCookie = await fetch(`${t.base}/api/v1/overview`, { headers: { cookie: pair } });
    expect(withCookie.status).toBe(200);
    expect(((await withCookie.json()) as { version: string }).version).toMatch(/^\d+\.\d+\.\d+/);
    const wrongCookie = await fetch(`${t.base}/api/v1/overview`, { headers: { cookie: 'tributary_token=abc' } });
    expect(wrongCookie.status).toBe(401);
    // The page itself: the GUI when renderer/dist is built (`npm run build` builds it), else the placeholder that
    // links the OpenAPI document (test/server/ui.test.ts checks both with a uiDir of its own).
    const page = await fetch(`${t.base}/`, { headers: { cookie: pair } });
    expect(page.status).toBe(200);
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(await page.text()).toMatch(/<div id="app"><\/div>|href="\/api\/v1\/openapi\.json"/);
  });

  it('refuses a wrong token in the URL without setting a cookie', async () => {
    const res = await fetch(`${t.base}/?token=wrong`, { redirect: 'manual' });
    expect(res.status).toBe(401);
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('refuses requests that name a non-loopback Host (DNS rebinding) while listening on loopback', async () => {
    const { request } = await import('node:http');
    const port = Number(new URL(t.base).port);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/api/v1/topics', headers: { host: `evil.example:${port}`, authorization: `Bearer ${t.token}` } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(403);
  });

  it('WebSocket: refuses a wrong Origin and a missing token; accepts its own Origin, and programs without one', async () => {
    const url = `${t.base.replace('http', 'ws')}/api/v1/overview/live`;
    await expect(wsFirstMessage(`${url}?token=${t.token}`, { origin: 'http://evil.example' })).rejects.toMatchObject({ status: 403 });
    await expect(wsFirstMessage(`${url}?token=${t.token}`, { origin: `http://127.0.0.1:${Number(new URL(t.base).port) + 1}` })).rejects.toMatchObject({ status: 403 });
    await expect(wsFirstMessage(url, { origin: t.base })).rejects.toMatchObject({ status: 401 });
    await expect(wsFirstMessage(`${url}?token=wrong`)).rejects.toMatchObject({ status: 401 });
    const own = (await wsFirstMessage(`${url}?token=${t.token}`, { origin: t.base })) as { version: string; uptimeMs: number };
    expect(own.version).toMatch(/^\d/);
    expect(typeof own.uptimeMs).toBe('number');
    expect(await wsFirstMessage(url, { cookie: `tributary_token=${t.token}`, origin: t.base })).toHaveProperty('rates');
    expect(await wsFirstMessage(url, { authorization: `Bearer ${t.token}` })).toHaveProperty('disk');
  });

  it('never writes the token to the log', async () => {
    // Requests that carry it every way, failing and succeeding, with the request log at debug level.
    await fetch(`${t.base}/?token=${t.token}`, { redirect: 'manual' });
    await fetch(`${t.base}/api/v1/nowhere?token=${t.token}`, { headers: { authorization: `Bearer ${t.token}` } });
    await wsFirstMessage(`${t.base.replace('http', 'ws')}/api/v1/overview/live?token=${t.token}`).catch(() => {});
    expect(log.lines.some((l) => l.includes('/api/v1/nowhere'))).toBe(true);
    expect(log.lines.filter((l) => l.includes(t.token))).toEqual([]);
  });
});
