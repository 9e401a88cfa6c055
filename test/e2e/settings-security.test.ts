// The desktop app has no console: Settings is where a newcomer finds how to connect an agent. A real app with the
// default kind of listeners (plaintext on loopback, SASL_SSL), real Chromium: the listeners with their protocols, the
// CA path, the generated password, and copy buttons that put the exact commands on the clipboard.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, screenshotPath, signedIn } from './browser.js';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { App } from '../../src/app/app.js';
import { loadServeConfig } from '../../src/app/serve-config.js';
import { silentLogger } from '../../src/common/logger.js';

let app: App;
let browser: Browser;
let base: string;
const dataDir = mkdtempSync(join(tmpdir(), 'tributary-settings-security-'));

beforeAll(async () => {
  [app, browser] = await Promise.all([
    App.start(loadServeConfig({ dataDir, listeners: 'PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0', http: '127.0.0.1:0' }), silentLogger),
    launchBrowser(),
  ]);
  const { host, port } = app.api!.address();
  base = `http://${host}:${port}`;
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

describe('Settings: connecting from another machine', () => {
  it('shows the listeners, the CA and the agent password, and copies the exact kcat command', async () => {
    const { context, page } = await signedIn(browser, base, app.api!.token, { hash: '#/settings' });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    const panel = page.getByTestId('settings-security');
    await panel.waitFor({ timeout: 15_000 });
    const [plain, secure] = app.broker.listenerAddresses();
    const listeners = await page.getByTestId('security-listeners').textContent();
    expect(listeners).toContain(`127.0.0.1:${plain!.port}PLAINTEXT`);
    expect(listeners).toMatch(/this machine only/);
    expect(listeners).toContain(`127.0.0.1:${secure!.port}SASL_SSL`);
    expect(listeners).toMatch(/users who log in, encrypted \(TLS\)/);
    expect(await panel.textContent()).toContain(join(dataDir, 'tls', 'ca.pem'));

    const password = app.agentCreated!.password;
    expect(await page.getByTestId('agent-password').textContent()).toContain(password);

    const commands = page.getByTestId('connect-commands');
    const kcatBox = commands.locator('.copybox').first();
    await kcatBox.getByRole('button', { name: 'Copy' }).click();
    await kcatBox.getByRole('button', { name: 'Copied' }).waitFor({ timeout: 5_000 });
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toMatch(new RegExp(`^kcat -b 127\\.0\\.0\\.1:${secure!.port} -X security\\.protocol=SASL_SSL -X sasl\\.mechanisms=SCRAM-SHA-512`));
    expect(copied).toContain(`-X sasl.password=${password}`);
    expect(await commands.textContent()).toContain('--sasl-password-file agent.password');
    await panel.screenshot({ path: screenshotPath('settings-security') });
    await context.close();
  }, 60_000);
});
