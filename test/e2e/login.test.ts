// Signing in from the "not signed in" banner in real Chromium, as a Kafka super user: the page then works without
// ever having seen the token.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { addUser } from '../../src/broker/security/user-admin.js';
import { CHROMIUM, requireTools } from '../helpers/require-tool.js';
import { startApp, type TestApp } from '../server/helpers.js';
import { launchBrowser } from './browser.js';

const available = requireTools(CHROMIUM);

describe.skipIf(!available)('sign-in in Chromium', () => {
  let app: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    [app, browser] = await Promise.all([startApp(), launchBrowser()]);
    await addUser(app.dataDir, 'admin', 'admin-password-1');
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('signs in from the 401 banner with a super user, after a refused try', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${app.base}/#/topics`);
    const form = page.getByTestId('signin');
    await form.waitFor({ timeout: 10_000 });
    await form.locator('input[name=username]').fill('admin');
    await form.locator('input[name=password]').fill('not-it');
    await form.getByRole('button', { name: 'Sign in' }).click();
    await form.locator('.error').waitFor({ timeout: 10_000 });
    expect(await form.locator('.error').textContent()).toMatch(/wrong user name or password/);
    await form.locator('input[name=password]').fill('admin-password-1');
    await form.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForFunction(() => !document.querySelector('[data-testid=auth-banner]'), undefined, { timeout: 15_000 });
    expect(await page.evaluate(async () => (await fetch('/api/v1/topics')).status)).toBe(200);
    await context.close();
  }, 60_000);
});
