// The Alerts view in real Chromium against a real `serve` evaluating rules every 200 ms: reached with `g !`, a bad
// rule refused with the server's reason, a log-count rule created in the form, error records written with our Kafka
// client, and the rule seen firing in the view, in the nav badge, and in the history with the records that fired it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { KafkaClient } from '../../src/client/index.js';
import { CHROMIUM, requireTools } from '../helpers/require-tool.js';
import { startApp, type TestApp } from '../server/helpers.js';
import { launchBrowser, screenshotPath, signedIn } from './browser.js';

const available = requireTools(CHROMIUM);

describe.skipIf(!available)('Alerts view in Chromium', () => {
  let app: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    [app, browser] = await Promise.all([startApp({ alerts: { interval: '200ms' } }), launchBrowser()]);
    await app.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'app', partitions: 1 } });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('creates a log-count rule in the form and shows it firing, with a badge and the records in the history', async () => {
    const { context, page } = await signedIn(browser, app.base, app.token, { hash: '#/overview' });
    await page.locator('[data-nav=overview]').waitFor({ timeout: 10_000 });
    await page.keyboard.press('g');
    await page.keyboard.press('!');
    await page.getByTestId('no-rules').waitFor({ timeout: 10_000 });

    const form = page.getByTestId('rule-form');
    await form.locator('input[name=id]').fill('errors');
    await form.locator('input[name=name]').fill('Errors per host');
    await form.locator('input[name=query]').fill('level:error');
    await form.locator('input[name=by]').fill('host');
    await form.locator('input[name=threshold]').fill('3');
    await form.locator('input[name=window]').fill('soon');
    await form.getByRole('button', { name: 'Add rule' }).click();
    expect(await page.getByTestId('rule-form-error').textContent()).toMatch(/window: "soon" is not a duration/);

    await form.locator('input[name=window]').fill('1m');
    await form.getByRole('button', { name: 'Add rule' }).click();
    const row = page.locator('[data-rule=errors]');
    await row.waitFor({ timeout: 10_000 });
    expect((await app.call('/api/v1/alerts/rules/errors', 200)).rule).toMatchObject({ kind: 'log-count', query: 'level:error', by: 'host', threshold: 3, window: '1m' });

    const client = new KafkaClient({ bootstrap: [app.kafka], clientId: 'e2e-alerts' });
    try {
      await client.producer().send('app', Array.from({ length: 5 }, (_, i) => ({ value: `level=error host=db1 msg="disk full ${i}"` })));
    } finally {
      await client.close();
    }

    await page.waitForFunction(() => document.querySelector('[data-rule=errors] [data-testid=rule-state]')?.textContent === 'firing', undefined, { timeout: 20_000 });
    await page.getByTestId('firing-badge').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('firing-badge').textContent()).toBe('1');
    expect(await page.locator('[data-alert=errors]').textContent()).toContain('host=db1');

    await page.locator('[data-history=errors]').first().click();
    await page.getByTestId('samples').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('samples').textContent()).toContain('disk full');
    await page.screenshot({ path: screenshotPath('alerts'), fullPage: true });
    await context.close();
  }, 90_000);
});
