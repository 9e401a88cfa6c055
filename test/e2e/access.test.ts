// The Access view in real Chromium against a real `serve`: adding a Kafka user from the UI (with a generated password
// shown once), giving it a new password, and deleting it, each checked against the server's users file via the API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { CHROMIUM, requireTools } from '../helpers/require-tool.js';
import { startApp, type TestApp } from '../server/helpers.js';
import { launchBrowser, screenshotPath, signedIn } from './browser.js';

const available = requireTools(CHROMIUM);

describe.skipIf(!available)('Access view in Chromium', () => {
  let app: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    [app, browser] = await Promise.all([startApp(), launchBrowser()]);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('adds a user with a generated password shown once, renews it, and deletes the user', async () => {
    const { context, page } = await signedIn(browser, app.base, app.token, { hash: '#/access' });
    await page.getByTestId('no-users').waitFor({ timeout: 10_000 });
    const form = page.getByTestId('add-user');
    await form.locator('input[name=name]').fill('web-agent');
    await form.getByRole('button', { name: 'Add user' }).click();
    await page.locator('[data-user=web-agent]').waitFor({ timeout: 10_000 });
    const first = (await page.getByTestId('shown-password').locator('pre').textContent())!.trim();
    expect(first).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(await app.call('/api/v1/users', 200)).toEqual([{ name: 'web-agent', mechanisms: ['SCRAM-SHA-256', 'SCRAM-SHA-512'], iterations: 8192 }]);
    await page.screenshot({ path: screenshotPath('access'), fullPage: true });

    // A duplicate is refused with the server's reason.
    await form.locator('input[name=name]').fill('web-agent');
    await form.getByRole('button', { name: 'Add user' }).click();
    expect(await page.getByTestId('add-user-error').textContent()).toMatch(/already exists/);

    await page.locator('[data-user=web-agent]').getByRole('button', { name: 'new password' }).click();
    await page.waitForFunction((old) => {
      const t = document.querySelector('[data-testid=shown-password] pre')?.textContent?.trim();
      return t && t !== old;
    }, first);

    // An ACL for the user, from the form: read, describe (checked by default) and write on topics starting "orders".
    const aclForm = page.getByTestId('add-acl');
    await aclForm.locator('input[name=principal]').fill('web-agent');
    await aclForm.locator('input[name=resourceName]').fill('orders');
    await aclForm.getByLabel('as a prefix').check();
    await aclForm.locator('[data-op=WRITE]').check();
    await aclForm.getByRole('button', { name: 'Add ACL' }).click();
    await page.locator('[data-acl="User:web-agent WRITE TOPIC orders"]').waitFor({ timeout: 10_000 });
    const mine = (await app.call('/api/v1/acls', 200)).acls.filter((a: { principal: string }) => a.principal === 'User:web-agent');
    expect(mine.map((a: { operation: string }) => a.operation).sort()).toEqual(['DESCRIBE', 'READ', 'WRITE']);
    expect(mine.every((a: { patternType: string; resourceName: string }) => a.patternType === 'PREFIXED' && a.resourceName === 'orders')).toBe(true);
    await page.screenshot({ path: screenshotPath('access-acls'), fullPage: true });
    await page.locator('[data-acl="User:web-agent WRITE TOPIC orders"]').getByRole('button', { name: 'remove' }).click();
    await page.locator('[data-acl="User:web-agent WRITE TOPIC orders"]').waitFor({ state: 'detached', timeout: 10_000 });
    expect((await app.call('/api/v1/acls', 200)).acls.filter((a: { principal: string }) => a.principal === 'User:web-agent')).toHaveLength(2);

    await page.locator('[data-user=web-agent]').getByRole('button', { name: 'delete…' }).click();
    await page.getByTestId('confirm-delete').click();
    await page.getByTestId('no-users').waitFor({ timeout: 10_000 });
    expect(await app.call('/api/v1/users', 200)).toEqual([]);
    await context.close();
  }, 90_000);
});
