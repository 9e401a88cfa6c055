// The Flows view in real Chromium: reached with `g f`, a derived-topic flow created in the form (query and reshape)
// runs and shows its records out and lag; a bad flow shows the server's 400 message in the form; removal asks first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { CHROMIUM, requireTools } from '../helpers/require-tool.js';
import { startApp, type TestApp } from '../server/helpers.js';
import { produce, readTopic } from '../flows/flow-helpers.js';
import { launchBrowser, screenshotPath, signedIn } from './browser.js';

const available = requireTools(CHROMIUM);

describe.skipIf(!available)('Flows view in Chromium', () => {
  let app: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    [app, browser] = await Promise.all([startApp(), launchBrowser()]);
    await app.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'web', partitions: 2 } });
    await produce(app.kafka, 'web', Array.from({ length: 40 }, (_, i) => ({ value: JSON.stringify({ level: i % 4 === 0 ? 'error' : 'info', msg: `req ${i}`, host: `web-${i % 2}`, ua: 'curl' }) })));
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('creates a derived-topic flow in the form and shows it running', async () => {
    const { context, page } = await signedIn(browser, app.base, app.token, { hash: '#/overview' });
    await page.locator('nav').waitFor();
    await page.keyboard.press('g');
    await page.keyboard.press('f');
    await page.getByTestId('no-flows').waitFor({ timeout: 10_000 });

    await page.getByTestId('add-flow').click();
    let form = page.getByTestId('flow-form');
    await form.locator('input[name=name]').fill('bad');
    await form.locator('input[name=topic]').fill('web');
    await form.locator('input[name=targetTopic]').fill('web');
    await form.getByRole('button', { name: 'Save' }).click();
    expect(await page.getByTestId('flow-form-error').textContent()).toMatch(/differ from the source/);
    await form.getByRole('button', { name: 'Cancel' }).click();

    await page.getByTestId('add-flow').click();
    form = page.getByTestId('flow-form');
    await form.locator('input[name=name]').fill('web-errors');
    await form.locator('input[name=topic]').fill('web');
    await form.locator('input[name=query]').fill('level:error');
    await form.locator('select[name=kind]').selectOption('topic');
    await form.locator('input[name=targetTopic]').fill('web-errors');
    await form.locator('input[name=fields]').fill('msg, host');
    await form.getByRole('button', { name: 'Save' }).click();
    const row = page.locator('[data-flow=web-errors]');
    await row.waitFor({ timeout: 10_000 });
    await page.waitForFunction(() => document.querySelector('[data-flow=web-errors] [data-testid=flow-out]')?.textContent === '10', undefined, { timeout: 20_000 });
    expect(await row.getByTestId('flow-state').textContent()).toBe('running');
    expect(await row.getByTestId('flow-lag').textContent()).toBe('0');
    const derived = await readTopic(app.kafka, 'web-errors');
    expect(derived.map((r) => JSON.parse(r.value!.toString())).sort((a, b) => a.msg.localeCompare(b.msg))).toEqual(
      Array.from({ length: 10 }, (_, k) => ({ msg: `req ${k * 4}`, host: `web-${(k * 4) % 2}` })).sort((a, b) => a.msg.localeCompare(b.msg)),
    );
    await page.screenshot({ path: screenshotPath('flows'), fullPage: true });

    // The form switches its fields with the kind.
    await page.getByTestId('add-flow').click();
    form = page.getByTestId('flow-form');
    await form.locator('select[name=kind]').selectOption('http');
    await form.locator('input[name=deadLetterTopic]').waitFor();
    expect(await form.locator('input[name=targetTopic]').count()).toBe(0);
    await form.getByRole('button', { name: 'Cancel' }).click();

    await row.getByRole('button', { name: 'Remove…' }).click();
    await page.getByTestId('confirm-remove-flow').click();
    await page.getByTestId('no-flows').waitFor({ timeout: 10_000 });
    await context.close();
  }, 120_000);
});
