// The Clusters view in real Chromium, a second in-process serve as the other cluster: a connection added in the form
// follows a topic (the copy's count and lag shown), the remote's topics, partitions and newest records are browsed,
// a record produced from the view reaches the remote, and its groups show the follow's own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { CHROMIUM, requireTools } from '../helpers/require-tool.js';
import { startApp, type TestApp } from '../server/helpers.js';
import { launchBrowser, screenshotPath, signedIn } from './browser.js';

const available = requireTools(CHROMIUM);

describe.skipIf(!available)('Clusters view in Chromium', () => {
  let remote: TestApp;
  let local: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    [remote, local, browser] = await Promise.all([startApp(), startApp(), launchBrowser()]);
    await remote.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'shop-orders', partitions: 3 } });
    await remote.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'internal-audit', partitions: 1 } });
    for (let i = 0; i < 30; i++) await remote.call('/api/v1/topics/shop-orders/messages', 201, { method: 'POST', json: { key: `order-${i}`, value: JSON.stringify({ order: i, total: i * 3 }) } });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await local?.stop();
    await remote?.stop();
  });

  it('adds a connection that follows a topic, then browses and produces to the other cluster', async () => {
    const { context, page } = await signedIn(browser, local.base, local.token, { hash: '#/clusters' });
    await page.getByTestId('no-connections').waitFor({ timeout: 10_000 });
    await page.getByTestId('add-connection').click();
    const form = page.getByTestId('connection-form');
    await form.locator('input[name=name]').fill('shop');
    await form.locator('input[name=bootstrap]').fill(remote.kafka);
    await form.locator('input[name=follow]').fill('shop-*');
    await form.getByRole('button', { name: 'Save' }).click();
    const row = page.locator('[data-followed=shop-orders]');
    await row.waitFor({ timeout: 20_000 });
    await page.waitForFunction(() => /\b30\b/.test(document.querySelector('[data-followed=shop-orders] td:nth-child(3)')?.textContent ?? ''), undefined, { timeout: 20_000 });
    expect(await row.getByTestId('topic-lag').textContent()).toBe('0');
    expect(await page.getByTestId('conn-state').textContent()).toBe('following');
    expect((await local.call('/api/v1/topics/shop.shop-orders', 200)).records).toBe(30);
    await page.screenshot({ path: screenshotPath('clusters-follow'), fullPage: true });

    await page.locator('[data-tab=topics]').click();
    await page.locator('[data-remote-topic=internal-audit]').waitFor({ timeout: 10_000 });
    await page.locator('[data-remote-topic=shop-orders] a').click();
    await page.getByTestId('remote-partitions').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('remote-partitions').locator('tbody tr').count()).toBe(3);
    expect(await page.getByTestId('remote-records').locator('tbody tr').count()).toBe(30);
    const produce = page.getByTestId('remote-produce');
    await produce.locator('input').nth(0).fill('order-99');
    await produce.locator('input').nth(1).fill('{"order":99}');
    await produce.getByRole('button').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=remote-records] tbody tr').length === 31, undefined, { timeout: 10_000 });
    expect(await page.getByTestId('remote-records').locator('tbody tr').first().textContent()).toContain('order-99');
    await page.locator('.detail').evaluate((e) => (e.scrollTop = 0));
    await page.screenshot({ path: screenshotPath('clusters-topics') });

    await page.locator('[data-tab=groups]').click();
    await page.locator('[data-remote-group^=tributary-follow-]').waitFor({ timeout: 20_000 });
    await context.close();
  }, 120_000);
});
