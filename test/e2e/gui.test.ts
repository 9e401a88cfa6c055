// The GUI in real Chromium against a real `serve` (broker + API + built UI on 127.0.0.1 port 0), with kcat as the
// outside producer and consumer: auth, live tail, search and its histogram, topics, consumer groups, the keyboard.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM, KCAT, requireTools } from '../helpers/require-tool.js';
import { startApp, type TestApp } from '../server/helpers.js';
import { kcat, launchBrowser, signedIn } from './browser.js';

const available = requireTools(CHROMIUM, KCAT);

describe.skipIf(!available)('GUI in Chromium', () => {
  let app: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    [app, browser] = await Promise.all([startApp(), launchBrowser()]);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  const hashOf = (page: Page) => new URL(page.url()).hash;
  const paramsOf = (page: Page) => new URLSearchParams(hashOf(page).split('?')[1] ?? '');

  it('needs the token: without the cookie the page says it is not signed in (401); the printed URL signs it in', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${app.base}/#/topics`);
    await page.getByTestId('auth-banner').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('auth-banner').textContent()).toContain('401');
    const status = await page.evaluate(async () => (await fetch('/api/v1/topics')).status);
    expect(status).toBe(401);

    await page.goto(`${app.base}/?token=${app.token}`);
    expect(new URL(page.url()).search).toBe(''); // the token left the address bar
    await page.getByTestId('getting-started').waitFor({ timeout: 10_000 }); // first run: nothing produced yet
    expect(await page.getByTestId('auth-banner').count()).toBe(0);
    const port = app.kafka.split(':').pop()!;
    expect(await page.getByTestId('getting-started').textContent()).toContain(`kcat -b 127.0.0.1:${port} -t logs -P`);
    await context.close();
  });

  it('shows records produced with kcat in Live tail within a second, matches highlighted', async () => {
    await app.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'e2e-tail', partitions: 2 } });
    const { context, page } = await signedIn(browser, app.base, app.token, { hash: '#/tail?topics=e2e-tail&q=tailword' });
    await page.locator('.badge', { hasText: 'open' }).waitFor({ timeout: 10_000 });
    await page.getByTestId('tail-waiting').waitFor();
    const lines = Array.from({ length: 20 }, (_, i) => (i % 5 === 0 ? `ERROR tailword number ${i}` : `INFO other line ${i}`)).join('\n');
    await kcat(['-b', app.kafka, '-t', 'e2e-tail', '-P'], `${lines}\n`);
    const produced = Date.now();
    await page.getByTestId('tail-row').first().waitFor({ timeout: 10_000 });
    const elapsed = Date.now() - produced;
    expect(elapsed, `records showed ${elapsed} ms after kcat finished`).toBeLessThan(1000);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=tail-row]').length === 4, undefined, { timeout: 5000 });
    const rows = await page.getByTestId('tail-row').allTextContents();
    expect(rows.every((r) => r.includes('tailword') && r.includes('error'))).toBe(true); // only the filter's matches, level shown
    expect(await page.locator('[data-testid=tail-row] mark').first().textContent()).toBe('tailword');
    await context.close();
  });

  it('Live tail under a burst of 20,000 records: every record received or counted as skipped, DOM rows bounded', async () => {
    await app.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'e2e-burst', partitions: 2 } });
    const { context, page } = await signedIn(browser, app.base, app.token, { hash: '#/tail?topics=e2e-burst' });
    await page.locator('.badge', { hasText: 'open' }).waitFor({ timeout: 10_000 });
    await page.evaluate(() => {
      const w = window as unknown as { gaps: number[] };
      w.gaps = [];
      let last = performance.now();
      const tick = (t: number) => {
        w.gaps.push(t - last);
        last = t;
        requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    const n = 20_000;
    await kcat(['-b', app.kafka, '-t', 'e2e-burst', '-P', '-X', 'linger.ms=20'], `${Array.from({ length: n }, (_, i) => `INFO burst record ${i} ${'x'.repeat(60)}`).join('\n')}\n`, 60_000);
    // The stats line says "R received" and, when the view fell behind, "S skipped": together exactly what was produced.
    await page.waitForFunction((n) => {
      const t = document.querySelector('[data-testid=tail-stats]')?.textContent ?? '';
      const num = (re: RegExp) => Number((re.exec(t)?.[1] ?? '0').replace(/,/g, ''));
      return num(/([\d,]+) received/) + num(/([\d,]+) skipped/) === n;
    }, n, { timeout: 30_000 }).catch(async (e: Error) => {
      throw new Error(`${e.message}; the tail says: ${await page.getByTestId('tail-stats').textContent()}`);
    });
    const rows = await page.getByTestId('tail-row').count();
    expect(rows).toBeGreaterThan(0);
    expect(rows).toBeLessThan(100); // a screenful, whatever arrived
    const gaps = await page.evaluate(() => (window as unknown as { gaps: number[] }).gaps.slice().sort((a, b) => a - b));
    const p95 = gaps[Math.floor(gaps.length * 0.95)] ?? 0;
    console.log(`live tail burst of ${n}: ${gaps.length} frames, frame gap p95 ${p95.toFixed(1)} ms, max ${gaps[gaps.length - 1]?.toFixed(1)} ms`);
    await context.close();
  }, 60_000);

  it('search finds a rare term, the histogram has a bar, and dragging on it narrows the range', async () => {
    await app.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'e2e-search', partitions: 3 } });
    const lines = Array.from({ length: 300 }, (_, i) => (i === 150 ? '{"level":"error","msg":"payment zqxrare failed"}' : `{"level":"info","msg":"request ${i} ok"}`));
    await kcat(['-b', app.kafka, '-t', 'e2e-search', '-P'], `${lines.join('\n')}\n`);
    const { context, page } = await signedIn(browser, app.base, app.token, { hash: '#/search?q=zqxrare&from=1h' });
    await page.getByTestId('search-row').first().waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('search-row').count()).toBe(1);
    expect(await page.getByTestId('search-row').first().textContent()).toContain('payment zqxrare failed');
    const hist = page.getByTestId('histogram');
    await hist.waitFor();
    expect(await hist.getAttribute('data-total')).toBe('1');
    expect(Number(await hist.getAttribute('data-bars'))).toBeGreaterThanOrEqual(1);

    const before = paramsOf(page);
    expect(before.get('from')).toBe('1h');
    const box = (await hist.locator('.u-over').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.7, box.y + box.height / 2, { steps: 5 });
    // Past the right edge: uPlot clamps the selection to the plot, so the range ends at the histogram's end (now).
    await page.mouse.move(box.x + box.width + 30, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await page.waitForFunction(() => /[?&]to=\d+/.test(location.hash), undefined, { timeout: 5000 });
    const after = paramsOf(page);
    const from = Number(after.get('from'));
    const to = Number(after.get('to'));
    expect(to - from).toBeGreaterThan(0);
    expect(to - from).toBeLessThan(0.6 * 3_600_000); // about half of the hour: narrower than before
    expect(to).toBeGreaterThan(Date.now() - 3_600_000);
    // The narrowed range still holds the record (it was produced just now, at the right end).
    await page.getByTestId('search-row').first().waitFor({ timeout: 15_000 });
    await context.close();
  });

  it('search results scroll end to end: the bottom row of 30,000 matches is the oldest record', async () => {
    await app.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'e2e-many', partitions: 1 } });
    const n = 30_000;
    await kcat(['-b', app.kafka, '-t', 'e2e-many', '-P'], `${Array.from({ length: n }, (_, i) => `manyrec line ${i}`).join('\n')}\n`, 60_000);
    const { context, page } = await signedIn(browser, app.base, app.token, { hash: '#/search?q=manyrec&topics=e2e-many&from=1h' });
    await page.getByTestId('search-row').first().waitFor({ timeout: 15_000 });
    await page.waitForFunction((n) => document.querySelector('[data-testid=histogram]')?.getAttribute('data-total') === String(n), n, { timeout: 15_000 });
    expect(await page.getByTestId('search-row').first().textContent()).toContain(`manyrec line ${n - 1}`);
    // Jump to the end with the scrollbar: far past the loaded pages, the rows there come from a search anchored by the histogram.
    await page.getByTestId('search-results').evaluate((el) => (el.scrollTop = el.scrollHeight));
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[data-testid=search-row]')];
      return rows.some((r) => r.textContent?.includes('manyrec line 0') && !r.textContent.includes('line 0 ') && /line 0$/.test(r.textContent.trim()));
    }, undefined, { timeout: 20_000 });
    expect(await page.getByTestId('search-row').count()).toBeLessThan(100); // only the visible rows are in the DOM
    await context.close();
  });

  it('Messages: a 5 MB value is cut in the list, fetched whole on demand, and only its first 100,000 characters are put on the page', async () => {
    await app.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'e2e-big', partitions: 1, configs: { 'max.message.bytes': '8388608' } } });
    const big = JSON.stringify({ level: 'info', blob: 'y'.repeat(5 * 1024 * 1024) });
    const at = await app.call('/api/v1/topics/e2e-big/messages', 201, { method: 'POST', json: { value: big, key: 'k1' } });
    const { context, page } = await signedIn(browser, app.base, app.token, { hash: `#/messages?topic=e2e-big&sel=${at.partition}:${at.offset}` });
    await page.getByTestId('record-detail').waitFor({ timeout: 15_000 });
    await page.getByRole('button', { name: 'Load the whole value' }).click();
    await page.getByText(`of ${big.length.toLocaleString('en-US')} characters`).waitFor({ timeout: 15_000 });
    const shown = await page.getByTestId('value').evaluate((el) => el.textContent!.length);
    expect(shown).toBe(100_000);
    // The tab still answers at once: the keyboard help opens.
    await page.keyboard.press('?');
    await page.getByTestId('shortcuts').waitFor({ timeout: 5000 });
    await context.close();
  });

  it('Messages: export downloads every record from the seek point, not only the loaded rows', async () => {
    await app.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'e2e-export', partitions: 2 } });
    for (let i = 0; i < 5; i++) await app.call('/api/v1/topics/e2e-export/messages', 201, { method: 'POST', json: { value: `export line ${i}`, partition: i % 2 } });
    const { context, page } = await signedIn(browser, app.base, app.token, { hash: '#/messages?topic=e2e-export&seek=oldest' });
    await page.getByTestId('messages-list').getByText('export line 4').waitFor({ timeout: 15_000 });
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 15_000 }), page.getByTestId('messages-export').click()]);
    expect(download.suggestedFilename()).toBe('e2e-export.ndjson');
    const text = fs.readFileSync((await download.path())!, 'utf8');
    const values = text.trimEnd().split('\n').map((l) => JSON.parse(l).value);
    expect(values.sort()).toEqual([0, 1, 2, 3, 4].map((i) => `export line ${i}`));
    await context.close();
  });

  it('creates and deletes a topic in the UI, as kcat sees it', async () => {
    const { context, page } = await signedIn(browser, app.base, app.token, { hash: '#/topics' });
    await page.getByTestId('create-topic').click();
    const form = page.getByTestId('create-form');
    await form.locator('input[name=name]').fill('e2e-created');
    await form.locator('input[name=partitions]').fill('3');
    await form.locator('button[type=submit]').click();
    await page.locator('[data-topic="e2e-created"]').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('topic-title').textContent()).toBe('e2e-created');
    const listed = await kcat(['-b', app.kafka, '-L', '-t', 'e2e-created']);
    expect(listed).toMatch(/topic "e2e-created" with 3 partitions/);

    await page.getByTestId('delete-topic').click();
    const del = page.getByTestId('delete-form');
    expect(await del.locator('button[type=submit]').isDisabled()).toBe(true); // until the name is typed
    await del.locator('input[name=confirm]').fill('e2e-created');
    await del.locator('button[type=submit]').click();
    await page.locator('[data-topic="e2e-created"]').waitFor({ state: 'detached', timeout: 10_000 });
    const all = await kcat(['-b', app.kafka, '-L']);
    expect(all).not.toContain('"e2e-created"');
    await context.close();
  });

  it('shows a group\'s lag after a kcat group consumer stops, and resets its offsets with a preview', async () => {
    await app.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'e2e-group', partitions: 1 } });
    await kcat(['-b', app.kafka, '-t', 'e2e-group', '-P'], `${Array.from({ length: 10 }, (_, i) => `m${i}`).join('\n')}\n`);
    // A balanced consumer that reads 4 records and exits, committing on close.
    await kcat(['-b', app.kafka, '-G', 'e2e-g', '-c', '4', '-X', 'auto.offset.reset=earliest', '-q', 'e2e-group'], undefined, 30_000);
    const g = await app.call('/api/v1/groups/e2e-g', 200);
    expect(g.state).toBe('Empty');
    expect(g.totalLag).toBeGreaterThan(0);

    const { context, page } = await signedIn(browser, app.base, app.token, { hash: '#/groups?group=e2e-g' });
    await page.getByTestId('group-lag').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('group-lag').textContent()).toBe(String(g.totalLag));
    expect(await page.getByTestId('group-state').textContent()).toBe('Empty');

    await page.getByTestId('reset-to').selectOption('earliest');
    await page.getByTestId('reset-preview').click();
    await page.getByTestId('reset-plan').waitFor();
    expect(await page.getByTestId('reset-plan').locator('tbody td').allTextContents()).toEqual(['e2e-group', '0', String(g.partitions[0].committedOffset), '0']);
    expect((await app.call('/api/v1/groups/e2e-g', 200)).totalLag).toBe(g.totalLag); // a preview changes nothing
    await page.getByTestId('reset-apply').click();
    await page.waitForFunction(() => document.querySelector('[data-testid=group-lag]')?.textContent === '10', undefined, { timeout: 10_000 });
    expect((await app.call('/api/v1/groups/e2e-g', 200)).partitions[0].committedOffset).toBe(0);
    await context.close();
  });

  it('keyboard: g t, g s, g l, /, ?, j/k and t z', async () => {
    for (const name of ['e2e-k1', 'e2e-k2']) await app.call('/api/v1/topics', 201, { method: 'POST', json: { name } });
    const { context, page } = await signedIn(browser, app.base, app.token, { hash: '#/overview' });
    await page.getByTestId('overview').waitFor();
    await page.keyboard.press('g');
    await page.keyboard.press('t');
    await page.waitForFunction(() => location.hash.startsWith('#/topics'));
    await page.getByTestId('topic-filter').fill('e2e-k');
    await page.keyboard.press('Escape'); // leave the text box
    await page.keyboard.press('j');
    await page.waitForFunction(() => location.hash.includes('sel=e2e-k1'));
    await page.keyboard.press('j');
    await page.waitForFunction(() => location.hash.includes('sel=e2e-k2'));
    await page.keyboard.press('k');
    await page.waitForFunction(() => location.hash.includes('sel=e2e-k1'));

    await page.keyboard.press('?');
    await page.getByTestId('shortcuts').waitFor();
    expect(await page.getByTestId('shortcuts').textContent()).toContain('widen the time range');
    await page.keyboard.press('Escape');
    await page.getByTestId('shortcuts').waitFor({ state: 'detached' });

    await page.keyboard.press('g');
    await page.keyboard.press('s');
    await page.waitForFunction(() => location.hash.startsWith('#/search'));
    await page.getByTestId('search-input').waitFor();
    await page.keyboard.press('/');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('search-input');
    await page.keyboard.press('Escape');
    await page.goto(`${app.base}/#/search?from=15m`);
    await page.getByTestId('search-input').waitFor();
    await page.keyboard.press('t');
    await page.keyboard.press('z');
    await page.waitForFunction(() => location.hash.includes('from=30m'));

    await page.keyboard.press('g');
    await page.keyboard.press('l');
    await page.waitForFunction(() => location.hash.startsWith('#/tail'));
    await context.close();
  });
});
