// The Settings view's ingest endpoints in real Chromium against a real app with TLS and plain listeners: each row says
// whether senders connect with TLS, and the HTTP token is shown only on request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { CHROMIUM, requireTools } from '../helpers/require-tool.js';
import { startApp, type TestApp } from '../server/helpers.js';
import { launchBrowser, signedIn } from './browser.js';

const available = requireTools(CHROMIUM);

describe.skipIf(!available)('Settings: ingest endpoints and TLS in Chromium', () => {
  let app: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    const ingest = { syslog: { udp: '127.0.0.1:0', tls: '127.0.0.1:0', topic: 'sys' }, http: { listen: '127.0.0.1:0', token: 'e2e-token', tls: true } };
    [app, browser] = await Promise.all([startApp({ ingest }), launchBrowser()]);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('shows TLS per endpoint with its bound address', async () => {
    const { context, page } = await signedIn(browser, app.base, app.token, { hash: '#/settings' });
    const rows = page.locator('[data-testid=settings-ingest] tbody tr');
    await rows.first().waitFor({ timeout: 10_000 });
    const cells = await rows.evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent!.trim())));
    const byKind = Object.fromEntries(cells.map((c) => [c[0], c]));
    const bound = Object.fromEntries(app.app.listeners().map((l) => [l.name, `${l.host}:${l.port}`]));
    expect(Object.keys(byKind).sort()).toEqual(['http ingest', 'syslog tls', 'syslog udp']);
    expect(byKind['syslog udp']!.slice(1, 3)).toEqual([bound['syslog udp'], 'plain']);
    expect(byKind['syslog tls']!.slice(1, 3)).toEqual([bound['syslog tls'], 'TLS']);
    expect(byKind['http ingest']!.slice(1, 3)).toEqual([bound['http ingest'], 'TLS']);
    expect(byKind['http ingest']![4]).not.toContain('e2e-token'); // hidden until asked for
    await context.close();
  }, 60_000);
});
