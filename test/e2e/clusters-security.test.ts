// The connection form's Security section in real Chromium, against a second in-process serve with a SASL_SSL listener
// (its generated CA, a SCRAM user with read ACLs): a wrong password is named as the SASL step by "Test connection",
// the right one answers the cluster id, the saved connection browses the remote's topics over SASL_SSL, an edit
// keeps the stored (never shown) password, and a config-file connection opens read-only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { parseListeners } from '../../src/broker/listeners.js';
import { addAcls, aclsFilePath } from '../../src/broker/security/acls-file.js';
import { addUser } from '../../src/broker/security/user-admin.js';
import { CHROMIUM, requireTools } from '../helpers/require-tool.js';
import { startApp, type TestApp } from '../server/helpers.js';
import { launchBrowser, screenshotPath, signedIn } from './browser.js';

const available = requireTools(CHROMIUM);
const PASSWORD = 'ledger-pass-91c2';

describe.skipIf(!available)('Clusters view: connection security in Chromium', () => {
  let secure: TestApp;
  let local: TestApp;
  let browser: Browser;
  let bootstrap: string;

  beforeAll(async () => {
    [secure, browser] = await Promise.all([startApp({ config: { listeners: parseListeners('PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0') } }), launchBrowser()]);
    bootstrap = `127.0.0.1:${secure.app.broker.listenerAddresses().find((l) => l.protocol === 'SASL_SSL')!.port}`;
    await addUser(secure.dataDir, 'ledger', PASSWORD);
    const allow = (resourceType: 'TOPIC' | 'GROUP') => ({ resourceType, resourceName: '*', patternType: 'LITERAL' as const, principal: 'User:ledger', host: '*', operation: 'READ' as const, permission: 'ALLOW' as const });
    await addAcls(aclsFilePath(secure.dataDir), [allow('TOPIC'), allow('GROUP')]);
    await secure.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'ledger-events', partitions: 2 } });
    for (let i = 0; i < 12; i++) await secure.call('/api/v1/topics/ledger-events/messages', 201, { method: 'POST', json: { key: `acct-${i}`, value: JSON.stringify({ entry: i }) } });
    // One connection from the config file (the remote's plaintext listener): shown read-only.
    local = await startApp({ connections: { audit: { bootstrap: secure.kafka } } });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await local?.stop();
    await secure?.stop();
  });

  it('tests, saves and browses a SASL_SSL cluster; an edit keeps the stored password', async () => {
    const { context, page } = await signedIn(browser, local.base, local.token, { hash: '#/clusters' });
    await page.locator('[data-conn=audit]').waitFor({ timeout: 10_000 });
    await page.getByTestId('add-connection').click();
    const form = page.getByTestId('connection-form');
    await form.locator('input[name=name]').fill('ledger');
    await form.locator('input[name=bootstrap]').fill(bootstrap);
    await form.locator('select[name=protocol]').selectOption('SASL_SSL');
    const security = form.getByTestId('security-section');
    await security.locator('select[name=mechanism]').selectOption('SCRAM-SHA-256');
    await security.locator('input[name=username]').fill('ledger');
    expect(await security.locator('input[name=password]').getAttribute('type')).toBe('password');
    await security.locator('input[name=password]').fill('not-it');
    // A CA file the core cannot read: the API's 400 is shown beside the CA field.
    await security.locator('input[name=ca]').fill('/nonexistent/kafka-ca.pem');
    await form.getByTestId('test-connection').click();
    const caError = form.locator('[data-field-error=ca]');
    await caError.waitFor({ timeout: 10_000 });
    expect(await caError.textContent()).toMatch(/security\.ca: cannot read \/nonexistent\/kafka-ca\.pem \(ENOENT\)/);
    expect(await security.locator('input[name=ca]').getAttribute('class')).toMatch(/\bbad\b/);
    await page.screenshot({ path: screenshotPath('clusters-security-validation') });

    await security.locator('input[name=ca]').fill(join(secure.dataDir, 'tls', 'ca.pem'));
    await form.getByTestId('test-connection').click();
    const result = form.getByTestId('test-result');
    await result.waitFor({ timeout: 30_000 });
    expect(await result.getAttribute('data-stage')).toBe('sasl');
    expect(await result.textContent()).toMatch(/SASL authentication failed.*authentication failed for user "ledger"/);
    expect(await security.locator('input[name=password]').getAttribute('class')).toMatch(/\bbad\b/);
    expect(await form.locator('[data-field-error=ca]').count()).toBe(0);
    await page.screenshot({ path: screenshotPath('clusters-security-sasl-error') });

    await security.locator('input[name=password]').fill(PASSWORD);
    // The ACL file is re-read once a second: until then the user sees no topics; retry the test until it lists one.
    for (let i = 0; ; i++) {
      await form.getByTestId('test-connection').click();
      await page.waitForFunction(() => document.querySelector('[data-testid=test-connection]')?.textContent === 'Test connection', undefined, { timeout: 30_000 });
      const text = (await result.textContent()) ?? '';
      if ((await result.getAttribute('data-ok')) === 'true' && !/\b0 topics\b/.test(text)) break;
      if (i >= 20) throw new Error(`the test never passed with a topic: ${text}`);
      await page.waitForTimeout(500);
    }
    expect(await result.textContent()).toContain(secure.app.broker.clusterId);
    expect(await result.textContent()).toMatch(/1 broker\b/);
    await page.screenshot({ path: screenshotPath('clusters-security-test-ok') });

    await form.getByRole('button', { name: 'Save' }).click();
    await form.waitFor({ state: 'detached', timeout: 10_000 });
    await page.getByTestId('conn-security').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('conn-security').textContent()).toBe('SASL_SSL · SCRAM-SHA-256 as ledger');
    // What the page was sent holds no password.
    const listed = await page.evaluate(async () => (await fetch('/api/v1/connections')).text());
    expect(listed).not.toContain(PASSWORD);
    expect(listed).toContain('"password":"stored"');

    await page.locator('[data-tab=topics]').click();
    await page.locator('[data-remote-topic=ledger-events] a').click({ timeout: 20_000 });
    await page.getByTestId('remote-partitions').waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('remote-partitions').locator('tbody tr').count()).toBe(2);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=remote-records] tbody tr').length === 12, undefined, { timeout: 20_000 });
    await page.screenshot({ path: screenshotPath('clusters-security-topics') });

    // Edit: the password field is empty (never filled from the API) and the stored password is used.
    await page.getByTestId('edit-connection').click();
    const edit = page.getByTestId('connection-form');
    await edit.getByTestId('password-stored').waitFor({ timeout: 5_000 });
    expect(await edit.locator('input[name=password]').inputValue()).toBe('');
    expect(await edit.locator('select[name=protocol]').inputValue()).toBe('SASL_SSL');
    expect(await edit.locator('input[name=username]').inputValue()).toBe('ledger');
    // The stored password goes only where it was saved for: another mechanism asks for it again, beside the field.
    await edit.locator('select[name=mechanism]').selectOption('PLAIN');
    await edit.getByTestId('test-connection').click();
    await edit.locator('[data-field-error=password]').waitFor({ timeout: 10_000 });
    expect(await edit.locator('[data-field-error=password]').textContent()).toMatch(/^security\.sasl\.password: the stored password is only sent where it was saved for; the SASL mechanism changed/);
    await edit.locator('select[name=mechanism]').selectOption('SCRAM-SHA-256');
    await edit.locator('input[name=follow]').fill('ledger-*');
    await edit.getByTestId('test-connection').click();
    await page.waitForFunction(() => document.querySelector('[data-testid=test-result]')?.getAttribute('data-ok') === 'true', undefined, { timeout: 30_000 });
    await page.screenshot({ path: screenshotPath('clusters-security-edit') });
    await edit.getByRole('button', { name: 'Save' }).click();
    await edit.waitFor({ state: 'detached', timeout: 10_000 });
    await page.locator('[data-tab=follow]').click();
    await page.waitForFunction(() => /\b12\b/.test(document.querySelector('[data-followed=ledger-events] td:nth-child(3)')?.textContent ?? ''), undefined, { timeout: 60_000 });
    expect((await local.call('/api/v1/topics/ledger.ledger-events', 200)).records).toBe(12);
    await context.close();
  }, 180_000);

  it('shows a config-file connection read-only, and can still test it', async () => {
    const { context, page } = await signedIn(browser, local.base, local.token, { hash: '#/clusters?c=audit' });
    await page.getByTestId('config-source').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('edit-connection').count()).toBe(0);
    await page.getByTestId('view-connection').click();
    const form = page.getByTestId('connection-form');
    expect(await form.getByTestId('readonly-note').textContent()).toMatch(/set in the config file/);
    expect(await form.locator('input[name=bootstrap]').isDisabled()).toBe(true);
    expect(await form.locator('input[name=bootstrap]').inputValue()).toBe(secure.kafka);
    expect(await form.getByRole('button', { name: 'Save' }).count()).toBe(0);
    await form.getByTestId('test-connection').click();
    await page.waitForFunction(() => document.querySelector('[data-testid=test-result]')?.getAttribute('data-ok') === 'true', undefined, { timeout: 30_000 });
    await page.screenshot({ path: screenshotPath('clusters-config-readonly') });
    await context.close();
  }, 60_000);
});
