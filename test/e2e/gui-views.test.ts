// The GUI's insight features in real Chromium against a real `serve`, kcat as the outside client: errors per minute
// on the Overview, the search bar's autocomplete and history, a group's lag in time and over time, Messages over a
// whole partition (random access by offset), and the keyboard across views.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM, KCAT, requireTools } from '../helpers/require-tool.js';
import { startApp, type TestApp } from '../server/helpers.js';
import { kcat, launchBrowser, signedIn } from './browser.js';

const available = requireTools(CHROMIUM, KCAT);

describe.skipIf(!available)('GUI views in Chromium', () => {
  let app: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    [app, browser] = await Promise.all([startApp(), launchBrowser()]);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  const paramsOf = (page: Page) => new URLSearchParams(new URL(page.url()).hash.split('?')[1] ?? '');

  // First: the errors counted are only this test's records.
  it('Overview counts errors per minute and clicks through to Search for them', async () => {
    await app.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'e2e-errs', partitions: 2 } });
    const lines = [
      ...Array.from({ length: 7 }, (_, i) => JSON.stringify({ level: 'error', msg: `db down ${i}` })),
      ...Array.from({ length: 3 }, (_, i) => JSON.stringify({ level: 'fatal', msg: `crash ${i}` })),
      ...Array.from({ length: 25 }, (_, i) => JSON.stringify({ level: 'info', msg: `fine ${i}` })),
      ...Array.from({ length: 5 }, (_, i) => JSON.stringify({ level: 'warn', msg: `slow ${i}` })),
    ];
    await kcat(['-b', app.kafka, '-t', 'e2e-errs', '-P'], `${lines.join('\n')}\n`);
    const { context, page } = await signedIn(browser, app.base, app.token, { hash: '#/overview' });
    // The server's own health is on the page too: its event loop's delay and busy share.
    expect(await page.getByTestId('event-loop').textContent()).toMatch(/^\d+ ms.*delay p99 · \d+ % busy/);
    const stat = page.getByTestId('errors-per-minute');
    // Polled every 10 s: the first poll may predate the records' arrival by a little.
    await page.waitForFunction(() => /^10\b/.test(document.querySelector('[data-testid=errors-per-minute] .v')?.textContent ?? ''), undefined, { timeout: 25_000 });
    await page.getByTestId('errors-chart').waitFor();
    await stat.click();
    await page.waitForFunction(() => location.hash.startsWith('#/search'));
    expect(paramsOf(page).get('q')).toMatch(/level:error/);
    await page.waitForFunction(() => document.querySelector('[data-testid=histogram]')?.getAttribute('data-total') === '10', undefined, { timeout: 15_000 });
    await context.close();
  }, 60_000);

  it('Overview opens with the last minutes of rates already in its charts (the server keeps them), not empty', async () => {
    await app.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'e2e-rates', partitions: 1 } });
    const produced = Date.now();
    await kcat(['-b', app.kafka, '-t', 'e2e-rates', '-P'], `${Array.from({ length: 500 }, (_, i) => `rate line ${i}`).join('\n')}\n`);
    // The server samples once a second: wait until its history has the produce and reaches 5 s or more into the past.
    let h = { timestamps: [] as number[], recordsInPerSec: [] as number[] };
    const ready = () => h.timestamps.some((t, i) => t > produced && h.recordsInPerSec[i]! > 0) && h.timestamps[0]! < Date.now() - 5000;
    for (const deadline = Date.now() + 20_000; !ready(); await new Promise((r) => setTimeout(r, 250))) {
      if (Date.now() > deadline) throw new Error(`no history with the produce in 20 s: ${JSON.stringify(h)}`);
      h = await app.call('/api/v1/overview/history', 200);
    }
    const opened = Date.now();
    const { context, page } = await signedIn(browser, app.base, app.token, { hash: '#/overview' });
    // Every point the server had when the page opened is on the chart, the first from well before the page existed
    // (live points alone would take as many seconds to come, the first from the sample just before the page opened).
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid=rates-chart]')?.getAttribute('data-points') ?? 0) >= n, h.timestamps.length, { timeout: 15_000 });
    const first = Number(await page.getByTestId('rates-chart').getAttribute('data-first'));
    expect(first).toBeLessThan(opened - 3000);
    expect(first).toBeLessThanOrEqual(h.timestamps[0]!);
    await context.close();
  }, 60_000);

  it('Search autocompletes field names and values from the keyboard, and keeps a history across reloads', async () => {
    await app.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'e2e-ac', partitions: 1 } });
    const hosts = ['web-1', 'web-1', 'web-1', 'web-2', 'web-2', 'db-9'];
    const lines = Array.from({ length: 60 }, (_, i) => JSON.stringify({ level: 'info', hostname: hosts[i % hosts.length], msg: `request ${i}` }));
    await kcat(['-b', app.kafka, '-t', 'e2e-ac', '-P'], `${lines.join('\n')}\n`);
    const { context, page } = await signedIn(browser, app.base, app.token, { hash: '#/search?topics=e2e-ac&from=1h' });
    await page.getByTestId('search-row').first().waitFor({ timeout: 15_000 });
    const input = page.getByTestId('search-input');
    await page.keyboard.press('/');
    await page.keyboard.type('hostn');
    const fields = page.locator('[data-testid=suggestion][data-kind=field]');
    await fields.first().waitFor({ timeout: 5000 });
    expect(await fields.allTextContents()).toEqual([expect.stringContaining('hostname:')]);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    expect(await input.inputValue()).toBe('hostname:');
    // The field's values, most frequent first, with their counts (30 web-1, 20 web-2, 10 db-9 in the 60 records).
    const values = page.locator('[data-testid=suggestion][data-kind=value]');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=suggestion][data-kind=value]').length === 3, undefined, { timeout: 10_000 });
    const texts = await values.allTextContents();
    expect(texts[0]).toMatch(/web-1\s*30/);
    expect(texts[1]).toMatch(/web-2\s*20/);
    expect(texts[2]).toMatch(/db-9\s*10/);
    await page.keyboard.type('web-2'.slice(0, 5));
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=suggestion]').length === 0 || document.querySelector('[data-testid=suggestions]') === null);
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => new URLSearchParams(location.hash.split('?')[1]).get('q') === 'hostname:web-2');
    await page.waitForFunction(() => document.querySelector('[data-testid=histogram]')?.getAttribute('data-total') === '20', undefined, { timeout: 15_000 });

    // Tab takes the first suggestion without arrowing to it.
    await input.fill('');
    await page.keyboard.type('level:error hostname:d');
    await page.locator('[data-testid=suggestion][data-kind=value]').first().waitFor({ timeout: 10_000 });
    await page.keyboard.press('Tab');
    expect(await input.inputValue()).toBe('level:error hostname:db-9 ');
    await page.keyboard.press('Escape');

    // History: kept in localStorage, offered on ↓ in an empty box, and a picked entry runs at once.
    await page.reload();
    await page.getByTestId('search-input').waitFor();
    await input.fill('');
    await input.focus();
    await page.keyboard.press('ArrowDown');
    const hist = page.locator('[data-testid=suggestion][data-kind=history]');
    await hist.first().waitFor({ timeout: 5000 });
    expect(await hist.allTextContents()).toEqual([expect.stringContaining('hostname:web-2')]);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    expect(await input.inputValue()).toBe('hostname:web-2');
    // Esc closes the list first, and only then leaves the box.
    await input.fill('');
    await page.keyboard.press('ArrowDown');
    await hist.first().waitFor();
    await page.keyboard.press('Escape');
    await page.getByTestId('suggestions').waitFor({ state: 'detached' });
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('search-input');
    await page.keyboard.press('Escape');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).not.toBe('search-input');
    await context.close();
  }, 90_000);

  it('Groups show lag in time (age of the committed record) and lag sampled over time', async () => {
    await app.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'e2e-lagt', partitions: 1 } });
    const producedFrom = Date.now();
    await kcat(['-b', app.kafka, '-t', 'e2e-lagt', '-P'], `${Array.from({ length: 10 }, (_, i) => `m${i}`).join('\n')}\n`);
    const producedTo = Date.now();
    await kcat(['-b', app.kafka, '-G', 'e2e-lag-g', '-c', '4', '-X', 'auto.offset.reset=earliest', '-q', 'e2e-lagt'], undefined, 30_000);
    await new Promise((r) => setTimeout(r, 2000)); // the committed record ages
    const { context, page } = await signedIn(browser, app.base, app.token, { hash: '#/groups?group=e2e-lag-g' });
    await page.waitForFunction(() => /^\d+s$|^\d+m/.test(document.querySelector('[data-testid=group-lag-time]')?.textContent ?? ''), undefined, { timeout: 15_000 });
    const seen = Date.now();
    const text = (await page.getByTestId('group-lag-time').textContent())!;
    const seconds = Number(/^(\d+)s$/.exec(text)?.[1] ?? NaN);
    // The record at the committed offset (4) was produced between producedFrom and producedTo; the view recomputes
    // its age every 3 s (so it may be up to a poll old when read).
    expect(seconds).toBeGreaterThanOrEqual(Math.max(1, Math.floor((seen - 4000 - producedTo) / 1000)));
    expect(seconds).toBeLessThanOrEqual(Math.ceil((Date.now() - producedFrom) / 1000) + 1);
    expect(await page.getByTestId('partition-lag-time').first().textContent()).toBe(text);
    // Samples every 3 s while the view is open: a line once there are two.
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=partition-lag-spark]')?.getAttribute('data-points') ?? 0) >= 2, undefined, { timeout: 15_000 });
    expect(await page.locator('[data-testid=partition-lag-spark] polyline').count()).toBe(1);
    await page.getByTestId('lag-chart').waitFor();
    await context.close();
  }, 60_000);

  it('Messages over one partition: the scrollbar reaches the oldest of 20,000 records directly, DOM rows bounded, j/k select', async () => {
    await app.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'e2e-part', partitions: 1 } });
    const n = 20_000;
    await kcat(['-b', app.kafka, '-t', 'e2e-part', '-P'], `${Array.from({ length: n }, (_, i) => `partrec ${i}`).join('\n')}\n`, 60_000);
    const { context, page } = await signedIn(browser, app.base, app.token, { hash: '#/messages?topic=e2e-part' });
    await page.getByTestId('message-row').first().waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('messages-count').textContent()).toContain('20,000 records');
    expect(await page.getByTestId('message-row').first().textContent()).toContain(`partrec ${n - 1}`); // newest first
    const list = page.getByTestId('messages-list');
    await list.evaluate((el) => (el.scrollTop = el.scrollHeight));
    const rowWith = (text: string) =>
      page.waitForFunction((t) => [...document.querySelectorAll('[data-testid=message-row]')].some((r) => r.textContent?.trimEnd().endsWith(t)), text, { timeout: 15_000 });
    await rowWith('partrec 0');
    expect(await page.getByTestId('message-row').count()).toBeLessThan(100);
    // The middle of the scrollbar is the middle of the partition.
    await list.evaluate((el) => (el.scrollTop = (el.scrollHeight - el.clientHeight) / 2));
    await page.waitForFunction(() => {
      const offs = [...document.querySelectorAll('[data-testid=message-row] .po')].map((e) => Number(e.textContent!.split('@')[1]));
      return offs.length > 0 && offs.every((o) => o > 9000 && o < 11000);
    }, undefined, { timeout: 15_000 });
    // j selects a row (its partition:offset in the URL), k goes back up by one.
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('j');
    await page.waitForFunction(() => /sel=0(%3A|:)\d+/.test(location.hash));
    const first = Number(paramsOf(page).get('sel')!.split(':')[1]);
    await page.keyboard.press('j');
    await page.waitForFunction((f) => new URLSearchParams(location.hash.split('?')[1]).get('sel') === `0:${f - 1}`, first);
    // As a reader would: the record shows, then k (on a loaded machine its page may still be on its way).
    await page.waitForFunction((t) => document.querySelector('[data-testid=record-detail]')?.textContent?.includes(t) ?? false, `partrec ${first - 1}`, { timeout: 15_000 });
    await page.keyboard.press('k');
    await page.waitForFunction((f) => new URLSearchParams(location.hash.split('?')[1]).get('sel') === `0:${f}`, first);
    await page.getByTestId('record-detail').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('record-detail').textContent()).toContain(`partrec ${first}`);
    // Oldest first: the top row is offset 0.
    await page.getByRole('button', { name: 'Oldest' }).click();
    await page.waitForFunction(() => document.querySelector('[data-testid=message-row] .po')?.textContent === '0@0', undefined, { timeout: 15_000 });
    await context.close();
  }, 90_000);

  it('Messages over merged partitions load as you scroll and let go of the rows far above (memory bounded)', async () => {
    await app.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'e2e-merged', partitions: 3 } });
    const n = 60_000;
    await kcat(['-b', app.kafka, '-t', 'e2e-merged', '-P'], `${Array.from({ length: n }, (_, i) => `mergedrec ${i}`).join('\n')}\n`, 60_000);
    const { context, page } = await signedIn(browser, app.base, app.token, { hash: '#/messages?topic=e2e-merged' });
    await page.getByTestId('message-row').first().waitFor({ timeout: 15_000 });
    // Scrolling on to the bottom loads page after page until the list lets go of its first rows.
    await page.waitForFunction(
      () => {
        const el = document.querySelector('[data-testid=messages-list]')!;
        el.scrollTop = el.scrollHeight;
        return /dropped/.test(document.querySelector('[data-testid=messages-count]')?.textContent ?? '');
      },
      undefined,
      { timeout: 90_000, polling: 100 },
    );
    const text = (await page.getByTestId('messages-count').textContent())!;
    const loaded = Number(/^([\d,]+) loaded/.exec(text)![1]!.replace(/,/g, ''));
    const dropped = Number(/([\d,]+) rows above dropped/.exec(text)![1]!.replace(/,/g, ''));
    expect(loaded).toBeLessThanOrEqual(50_000);
    expect(loaded + dropped).toBeLessThanOrEqual(n);
    expect(dropped).toBeGreaterThan(0);
    // The view still shows records, not empty rows, after the list was cut above it.
    await page.getByTestId('message-row').first().waitFor();
    expect(await page.getByTestId('message-row').first().textContent()).toMatch(/mergedrec \d+/);
    await context.close();
  }, 120_000);

  it('Settings show the data directory and what new topics get', async () => {
    const { context, page } = await signedIn(browser, app.base, app.token, { hash: '#/settings' });
    await page.getByTestId('settings-data').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('settings-data').textContent()).toContain(app.dataDir);
    const retention = await page.getByTestId('settings-retention').textContent();
    expect(retention).toMatch(/retention\.ms\s*7d/); // Kafka's default, read as a person says it
    expect(await page.getByTestId('settings-ingest').textContent()).toMatch(/No direct ingest is configured/);
    await context.close();
  });

  it('keyboard from any view: / opens Search focused, ? toggles help, g t / g s / g l navigate, t z widens', async () => {
    const { context, page } = await signedIn(browser, app.base, app.token, { hash: '#/groups' });
    await page.getByText('Consumer groups').first().waitFor();
    await page.keyboard.press('/');
    await page.waitForFunction(() => location.hash.startsWith('#/search'));
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'search-input');
    await page.keyboard.press('Escape');
    await page.keyboard.press('?');
    await page.getByTestId('shortcuts').waitFor();
    await page.keyboard.press('?');
    await page.getByTestId('shortcuts').waitFor({ state: 'detached' });
    await page.keyboard.press('t');
    await page.keyboard.press('z');
    await page.waitForFunction(() => new URLSearchParams(location.hash.split('?')[1]).get('from') === '2h'); // twice the default hour (the one range of every time view)
    for (const [keys, view] of [['gt', 'topics'], ['gl', 'tail'], ['gs', 'search']] as const) {
      await page.keyboard.press(keys[0]);
      await page.keyboard.press(keys[1]);
      await page.waitForFunction((v) => location.hash.startsWith(`#/${v}`), view);
    }
    // Typing in a text box is not a shortcut.
    await page.getByTestId('search-input').focus();
    await page.keyboard.type('gt');
    expect(new URL(page.url()).hash.startsWith('#/search')).toBe(true);
    expect(await page.getByTestId('search-input').inputValue()).toBe('gt');
    await context.close();
  }, 60_000);
});
