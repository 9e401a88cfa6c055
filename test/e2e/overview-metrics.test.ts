// The metrics store on the Overview in real Chromium against a real `serve`: line protocol produced with kcat beyond a
// per-measurement series cap shows the series kept, the series refused, the measurement near its cap and the line that
// could not be read, and the panel leads to the Metrics view.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { CHROMIUM, KCAT, requireTools } from '../helpers/require-tool.js';
import { startApp, type TestApp } from '../server/helpers.js';
import { kcat, launchBrowser, signedIn } from './browser.js';

const available = requireTools(CHROMIUM, KCAT);

describe.skipIf(!available)('Overview: the metrics store', () => {
  let app: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    [app, browser] = await Promise.all([startApp({ metrics: { maxSeriesPerMeasurement: 4 } }), launchBrowser()]);
    await app.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'metrics', partitions: 1 } });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('shows series kept and refused by the cap, the measurement near it, and unreadable lines', async () => {
    const ns = Date.now() * 1e6;
    // Six hosts of one field against a cap of 4 series per measurement: 4 kept, 2 refused; one line that is not line protocol.
    const lines = [...Array.from({ length: 6 }, (_, i) => `capped,host=h${i} v=${i} ${ns}`), 'this is not line protocol'];
    await kcat(['-b', app.kafka, '-t', 'metrics', '-P'], `${lines.join('\n')}\n`);
    const { context, page } = await signedIn(browser, app.base, app.token, { hash: '#/overview' });
    const panel = page.getByTestId('metrics-store');
    // The overview arrives over its socket every second: wait for the store to have read the records.
    await page.waitForFunction(() => document.querySelector('[data-testid=metrics-refused]')?.textContent === '2', undefined, { timeout: 20_000 });
    expect(await page.getByTestId('metrics-series').textContent()).toBe('4');
    expect(await page.getByTestId('metrics-bad').textContent()).toBe('1');
    expect(await page.getByTestId('metrics-near-cap').textContent()).toContain('capped');
    expect(await panel.textContent()).toMatch(/on disk/);
    await panel.click();
    await page.waitForFunction(() => location.hash.startsWith('#/metrics'));
    await context.close();
  }, 60_000);
});
