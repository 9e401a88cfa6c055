// Import from the GUI in real Chromium: a topic's NDJSON export (as the Messages view downloads it) picked as a file
// in Topics → Import… lands in another topic, record for record.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { CHROMIUM, requireTools } from '../helpers/require-tool.js';
import { startApp, type TestApp } from '../server/helpers.js';
import { launchBrowser, signedIn } from './browser.js';

const available = requireTools(CHROMIUM);

describe.skipIf(!available)('Import in Chromium', () => {
  let app: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    [app, browser] = await Promise.all([startApp(), launchBrowser()]);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('replays an export picked as a file into the selected topic', async () => {
    for (const name of ['captured', 'replayed']) await app.call('/api/v1/topics', 201, { method: 'POST', json: { name, partitions: 2 } });
    for (let i = 0; i < 24; i++) {
      await app.call('/api/v1/topics/captured/messages', 201, { method: 'POST', json: { key: `k${i}`, value: JSON.stringify({ i }), headers: { n: String(i) }, partition: i % 2 } });
    }
    const exported = await (await app.api('/api/v1/topics/captured/messages/export?seek=oldest&format=ndjson')).text();
    expect(exported.trim().split('\n')).toHaveLength(24);

    const { context, page } = await signedIn(browser, app.base, app.token, { hash: '#/topics?sel=replayed' });
    await page.getByTestId('import-topic').click();
    await page.getByTestId('import-form').locator('input[type=file]').setInputFiles({ name: 'captured.ndjson', mimeType: 'application/x-ndjson', buffer: Buffer.from(exported) });
    await page.getByTestId('import-form').getByRole('button', { name: 'Import' }).click();
    expect(await page.getByTestId('import-done').textContent({ timeout: 15_000 })).toBe('Imported 24 records into replayed.');

    const page0 = await app.call('/api/v1/topics/replayed/messages?seek=oldest&partition=0&limit=100', 200);
    const original0 = await app.call('/api/v1/topics/captured/messages?seek=oldest&partition=0&limit=100', 200);
    const strip = (rs: { key: string; value: string; headers: unknown; timestamp: number }[]) => rs.map(({ key, value, headers, timestamp }) => ({ key, value, headers, timestamp }));
    expect(strip(page0.records)).toEqual(strip(original0.records));
    expect(page0.records).toHaveLength(12);
    await context.close();
  }, 90_000);
});
