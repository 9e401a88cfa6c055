// The Metrics view in real Chromium against a real `serve`: line protocol produced with kcat into the metrics topic
// shows on a chart and keeps streaming (a new host appears without a reload); a chart built in the query editor from
// the autocomplete lists; a dashboard saved on the server comes back after a reload and from the API; a drag on a chart
// re-scopes every chart and the links to Search; one timeline: a drag on a chart scopes Search, Messages and Live tail
// (reached by keyboard), and a drag on the search histogram scopes the charts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM, KCAT, requireTools } from '../helpers/require-tool.js';
import { startApp, type TestApp } from '../server/helpers.js';
import { kcat, launchBrowser, signedIn } from './browser.js';

const available = requireTools(CHROMIUM, KCAT);

describe.skipIf(!available)('Metrics view in Chromium', () => {
  let app: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    [app, browser] = await Promise.all([startApp(), launchBrowser()]);
    await app.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'metrics', partitions: 1 } });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  const paramsOf = (page: Page) => new URLSearchParams(new URL(page.url()).hash.split('?')[1] ?? '');
  const chartAttr = (page: Page, attr: string) => page.getByTestId('metric-chart').first().getAttribute(attr);

  /** Line protocol for `host`, one point every 10 s over the last `minutes`, value = 10 × minute index + host number. */
  function points(measurement: string, host: string, minutes: number, now = Date.now()): string {
    const out: string[] = [];
    for (let t = now - minutes * 60_000; t <= now; t += 10_000) out.push(`${measurement},host=${host} value=${Math.round((now - t) / 1000)} ${t * 1e6}`);
    return `${out.join('\n')}\n`;
  }

  it('draws metrics produced with kcat and streams new series into the open chart', async () => {
    await kcat(['-b', app.kafka, '-t', 'metrics', '-P'], points('e2etemp', 'alpha', 5));
    const charts = JSON.stringify([{ kind: 'metric', measurement: 'e2etemp', field: 'value', agg: 'avg', by: 'host' }]);
    const { context, page } = await signedIn(browser, app.base, app.token, { hash: `#/metrics?c=${encodeURIComponent(charts)}&from=15m` });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    // The store reads the topic asynchronously: the first answer may come before the points; then they stream in.
    await page.waitForFunction(() => document.querySelector('[data-testid=metric-chart]')?.getAttribute('data-series') === '1', undefined, { timeout: 20_000 });
    expect(await chartAttr(page, 'data-status')).toBe('live');
    expect(await page.locator('.u-legend').first().textContent()).toContain('alpha');
    expect(Number(await chartAttr(page, 'data-points'))).toBeGreaterThan(0);

    // A new host, written now, arrives over the live socket: no reload.
    await kcat(['-b', app.kafka, '-t', 'metrics', '-P'], `e2etemp,host=beta value=7 ${Date.now() * 1e6}\n`);
    await page.waitForFunction(() => document.querySelector('[data-testid=metric-chart]')?.getAttribute('data-series') === '2', undefined, { timeout: 15_000 });
    expect(await page.locator('.u-legend').first().textContent()).toContain('beta');

    // The legend hides a series by keyboard.
    const row = page.locator('.u-legend .u-series', { hasText: 'beta' }).first();
    await row.focus();
    await page.keyboard.press('Enter');
    expect(await row.getAttribute('class')).toContain('u-off');
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);

  it('builds a chart in the query editor from autocomplete, saves the dashboard on the server and finds it after a reload', async () => {
    await kcat(['-b', app.kafka, '-t', 'metrics', '-P'], points('e2edisk', 'gamma', 3));
    const { context, page } = await signedIn(browser, app.base, app.token, { hash: '#/metrics' });
    await page.getByTestId('metrics-empty').waitFor({ timeout: 10_000 });
    await page.getByTestId('add-chart').click();
    await page.getByTestId('query-editor').waitFor();
    // The measurement list comes from /metrics/measurements, the fields from /metrics/fields of the one picked.
    await page.waitForFunction(() => [...document.querySelectorAll('datalist option')].some((o) => (o as HTMLOptionElement).value === 'e2edisk'), undefined, { timeout: 15_000 });
    await page.getByTestId('qe-measurement').fill('e2edisk');
    await page.waitForFunction(() => [...document.querySelectorAll('datalist option')].some((o) => (o as HTMLOptionElement).value === 'value'), undefined, { timeout: 10_000 });
    await page.getByTestId('qe-field').fill('value');
    await page.getByTestId('qe-where').fill('host=');
    await page.waitForFunction(() => [...document.querySelectorAll('datalist option')].some((o) => (o as HTMLOptionElement).value === 'host=gamma'), undefined, { timeout: 10_000 });
    await page.getByTestId('qe-where').fill('host=gamma');
    await page.getByTestId('qe-agg').selectOption('max');
    await page.getByTestId('qe-apply').click();
    await page.waitForFunction(() => document.querySelector('[data-testid=metric-chart]')?.getAttribute('data-series') === '1', undefined, { timeout: 15_000 });
    expect(JSON.parse(paramsOf(page).get('c')!)).toEqual([{ kind: 'metric', measurement: 'e2edisk', field: 'value', where: 'host=gamma', agg: 'max' }]);

    await page.getByTestId('dashboard-save').click();
    await page.getByTestId('dashboard-title').fill('Disk e2e');
    await page.getByTestId('dashboard-save-confirm').click();
    await page.waitForFunction(() => new URLSearchParams(location.hash.split('?')[1]).get('d') === 'disk-e2e', undefined, { timeout: 10_000 });
    expect(paramsOf(page).get('c')).toBeNull(); // saved: the URL names the dashboard only
    const saved = await app.call('/api/v1/dashboards/disk-e2e', 200);
    expect(saved).toMatchObject({ title: 'Disk e2e', charts: [{ kind: 'metric', measurement: 'e2edisk', field: 'value', where: 'host=gamma', agg: 'max' }] });

    await page.reload();
    await page.waitForFunction(() => document.querySelector('[data-testid=metric-chart]')?.getAttribute('data-series') === '1', undefined, { timeout: 15_000 });
    expect(await page.getByTestId('dashboard-select').inputValue()).toBe('disk-e2e');
    expect(await page.locator('[data-testid=metric-chart] .title').first().textContent()).toContain('max(e2edisk.value)');
    await context.close();

    // Another browser (another window of the app) sees the same dashboard.
    const other = await signedIn(browser, app.base, app.token, { hash: '#/metrics?d=disk-e2e' });
    await other.page.getByTestId('metric-chart').waitFor({ timeout: 10_000 });
    await other.page.getByTestId('dashboard-delete').click();
    await other.page.getByTestId('dashboard-delete-confirm').click();
    await other.page.getByTestId('metrics-message').waitFor({ timeout: 10_000 });
    await app.call('/api/v1/dashboards/disk-e2e', 404);
    await other.context.close();
  }, 90_000);

  it('a drag on one chart narrows the range of every chart and of the Search link', async () => {
    await kcat(['-b', app.kafka, '-t', 'metrics', '-P'], points('e2edrag', 'delta', 10));
    const charts = JSON.stringify([
      { kind: 'metric', measurement: 'e2edrag', field: 'value' },
      { kind: 'logs', q: 'error', topic: 'metrics' },
    ]);
    const { context, page } = await signedIn(browser, app.base, app.token, { hash: `#/metrics?c=${encodeURIComponent(charts)}&from=15m` });
    await page.waitForFunction(() => document.querySelector('[data-testid=metric-chart]')?.getAttribute('data-series') === '1', undefined, { timeout: 20_000 });
    const over = page.locator('[data-testid=metric-chart] .u-over').first();
    const box = (await over.boundingBox())!;
    const before = Date.now();
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2, { steps: 5 });
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await page.waitForFunction(() => !!new URLSearchParams(location.hash.split('?')[1]).get('to'), undefined, { timeout: 5000 });
    const from = Number(paramsOf(page).get('from'));
    const to = Number(paramsOf(page).get('to'));
    // About 30 %–60 % of the last 15 minutes: 10.5 to 6 minutes ago (loose: the window slides while we drag).
    expect(to - from).toBeGreaterThan(3 * 60_000);
    expect(to - from).toBeLessThan(6 * 60_000);
    expect(from).toBeGreaterThan(before - 12 * 60_000);
    expect(to).toBeLessThan(before - 4 * 60_000);
    // Both charts now query that range once (no live badge), and the timeline links carry it.
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=metric-chart]')].every((c) => c.getAttribute('data-status') === 'done'), undefined, { timeout: 15_000 });
    const search = new URLSearchParams((await page.getByTestId('timeline-search').getAttribute('href'))!.split('?')[1]);
    expect([search.get('from'), search.get('to'), search.get('q')]).toEqual([String(from), String(to), 'error']);
    const messages = new URLSearchParams((await page.getByTestId('timeline-messages').getAttribute('href'))!.split('?')[1]);
    expect([messages.get('topic'), messages.get('from'), messages.get('to')]).toEqual(['metrics', String(from), String(to)]);
    // Reload keeps the zoomed range; Live returns to a sliding window.
    await page.reload();
    await page.waitForFunction(() => document.querySelector('[data-testid=metric-chart]')?.getAttribute('data-status') === 'done', undefined, { timeout: 15_000 });
    await page.getByTestId('back-to-live').click();
    await page.waitForFunction(() => document.querySelector('[data-testid=metric-chart]')?.getAttribute('data-status') === 'live', undefined, { timeout: 15_000 });
    expect(paramsOf(page).get('to')).toBeNull();
    await context.close();
  }, 60_000);

  /** Drags across the middle of a uPlot chart, from `a` to `b` (fractions of its width). */
  async function drag(page: Page, over: ReturnType<Page['locator']>, a: number, b: number) {
    const box = (await over.boundingBox())!;
    await page.mouse.move(box.x + box.width * a, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * ((a + b) / 2), box.y + box.height / 2, { steps: 5 });
    await page.mouse.move(box.x + box.width * b, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
  }
  async function keys(page: Page, ...k: string[]) {
    for (const key of k) await page.keyboard.press(key);
  }

  it('one timeline: a drag on a chart scopes Search, Messages and Live tail; a drag on the histogram scopes the charts', async () => {
    // Log records one a minute over the last 15 minutes (timestamps set through the API), and a metric beside them.
    const topic = 'e2e-timeline';
    await app.call('/api/v1/topics', 201, { method: 'POST', json: { name: topic, partitions: 2 } });
    const now = Date.now();
    const stamps = Array.from({ length: 15 }, (_, i) => now - (i + 1) * 60_000 + 500);
    // Oldest first, as producers write (a partition's timestamps grow with its offsets; seeking by time relies on it).
    for (const [i, ts] of [...stamps.entries()].reverse()) {
      await app.call(`/api/v1/topics/${topic}/messages`, 201, { method: 'POST', json: { value: `{"level":"warn","msg":"timeline tlrec${i}"}`, timestamp: ts, partition: i % 2 } });
    }
    await kcat(['-b', app.kafka, '-t', 'metrics', '-P'], points('e2etl', 'eta', 15, now));
    const charts = JSON.stringify([
      { kind: 'metric', measurement: 'e2etl', field: 'value' },
      { kind: 'logs', topic },
    ]);
    const { context, page } = await signedIn(browser, app.base, app.token, { hash: `#/metrics?c=${encodeURIComponent(charts)}&from=15m` });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.waitForFunction(() => document.querySelector('[data-testid=metric-chart]')?.getAttribute('data-series') === '1', undefined, { timeout: 20_000 });

    // 1. A drag on the metric chart sets the range.
    await drag(page, page.locator('[data-testid=metric-chart] .u-over').first(), 0.2, 0.7);
    await page.waitForFunction(() => /[?&]to=\d+/.test(location.hash), undefined, { timeout: 5000 });
    const from = Number(paramsOf(page).get('from'));
    const to = Number(paramsOf(page).get('to'));
    expect(to - from).toBeGreaterThan(4 * 60_000); // about half of 15 minutes
    const inRange = stamps.filter((t) => t >= from && t < to).sort((x, y) => y - x);
    expect(inRange.length).toBeGreaterThan(3);
    expect(inRange.length).toBeLessThan(stamps.length);

    // 2. g s: Search is on that range, its histogram drawn over exactly it, bucketed as the metrics API buckets it.
    await page.locator('h1').first().click(); // focus off the chart, on the page
    await keys(page, 'g', 's');
    await page.waitForFunction(() => location.hash.startsWith('#/search'));
    expect([paramsOf(page).get('from'), paramsOf(page).get('to')]).toEqual([String(from), String(to)]);
    expect(await page.getByTestId('time-range').textContent()).toContain('→');
    await page.getByTestId('search-input').fill(`_topic:${topic}`);
    await page.keyboard.press('Enter');
    const hist = page.getByTestId('histogram');
    await page.waitForFunction((n) => document.querySelector('[data-testid=histogram]')?.getAttribute('data-total') === String(n), inRange.length, { timeout: 15_000 });
    expect([Number(await hist.getAttribute('data-from')), Number(await hist.getAttribute('data-to'))]).toEqual([from, to]);
    const step = Number(await hist.getAttribute('data-step'));
    const first = Number(await hist.getAttribute('data-first'));
    // The metrics API's log series over the same range with as many points picks the same step and the same buckets.
    const series = (await app.call(`/api/v1/metrics/logs?topic=${topic}&from=${from}&to=${to}&points=120`, 200)) as { timestamps: number[]; stats: { step: number } };
    expect(step).toBe(series.stats.step);
    expect(first).toBe(series.timestamps[0]);
    expect(first % step).toBe(0);

    // 3. g m: Messages shows the range, newest first from its end, and stops at its start.
    await keys(page, 'Escape', 'g', 'm');
    await page.waitForFunction(() => location.hash.startsWith('#/messages'));
    expect([paramsOf(page).get('from'), paramsOf(page).get('to')]).toEqual([String(from), String(to)]);
    await page.getByTestId('messages-topic').selectOption(topic);
    const bar = page.getByTestId('messages-range');
    await bar.waitFor({ timeout: 10_000 });
    expect([Number(await bar.getAttribute('data-from')), Number(await bar.getAttribute('data-to'))]).toEqual([from, to]);
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=message-row]').length === n && /end of the range/.test(document.querySelector('[data-testid=messages-range]')?.textContent ?? ''), inRange.length, {
      timeout: 15_000,
    });
    const shown = await page.getByTestId('message-row').allTextContents();
    expect(shown.map((t) => /tlrec(\d+)/.exec(t)?.[1]).map(Number)).toEqual(inRange.map((t) => stamps.indexOf(t)));
    // Oldest: the same records from the range's start on.
    await page.getByRole('button', { name: 'Oldest' }).click();
    await page.waitForFunction(() => new URLSearchParams(location.hash.split('?')[1]).get('seek') === 'oldest');
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=message-row]').length === n && /oldest first · end of the range/.test(document.querySelector('[data-testid=messages-range]')?.textContent ?? ''), inRange.length, { timeout: 15_000 });
    const oldest = await page.getByTestId('message-row').allTextContents();
    expect(oldest.map((t) => /tlrec(\d+)/.exec(t)?.[1]).map(Number)).toEqual(inRange.map((t) => stamps.indexOf(t)).reverse());
    expect([paramsOf(page).get('from'), paramsOf(page).get('to')]).toEqual([String(from), String(to)]);

    // 4. g l: a range in the past cannot be tailed; the view says so and links to Search on it.
    await page.getByTestId('messages-topic').blur();
    await keys(page, 'Escape', 'g', 'l');
    await page.waitForFunction(() => location.hash.startsWith('#/tail'));
    await page.getByTestId('tail-past-range').waitFor({ timeout: 5000 });
    const link = new URLSearchParams((await page.getByTestId('tail-search-range').getAttribute('href'))!.split('?')[1]);
    expect([link.get('from'), link.get('to')]).toEqual([String(from), String(to)]);

    // 5. Back in Search (the nav link carries the range too), a drag on the histogram narrows it; g x: the charts follow.
    await page.locator('[data-nav=search]').click();
    await page.waitForFunction(() => location.hash.startsWith('#/search'));
    expect([paramsOf(page).get('from'), paramsOf(page).get('to')]).toEqual([String(from), String(to)]);
    await hist.waitFor({ timeout: 15_000 });
    await drag(page, hist.locator('.u-over'), 0.25, 0.75);
    await page.waitForFunction((f) => new URLSearchParams(location.hash.split('?')[1]).get('from') !== f, String(from), { timeout: 5000 });
    const from2 = Number(paramsOf(page).get('from'));
    const to2 = Number(paramsOf(page).get('to'));
    expect(from2).toBeGreaterThan(from);
    expect(to2).toBeLessThan(to);
    await page.locator('h2').first().click();
    await keys(page, 'g', 'x');
    await page.waitForFunction(() => location.hash.startsWith('#/metrics'));
    expect([paramsOf(page).get('from'), paramsOf(page).get('to')]).toEqual([String(from2), String(to2)]);
    await page.waitForFunction(() => {
      const c = [...document.querySelectorAll('[data-testid=metric-chart]')];
      return c.length === 2 && c.every((x) => x.getAttribute('data-status') === 'done');
    }, undefined, { timeout: 15_000 });
    for (const c of await page.getByTestId('metric-chart').all()) expect([Number(await c.getAttribute('data-from')), Number(await c.getAttribute('data-to'))]).toEqual([from2, to2]);

    // 6. Live: a sliding range again, everywhere.
    await page.getByTestId('back-to-live').click();
    await page.waitForFunction(() => document.querySelector('[data-testid=metric-chart]')?.getAttribute('data-status') === 'live', undefined, { timeout: 15_000 });
    expect(paramsOf(page).get('to')).toBeNull();
    await page.locator('h1').first().click();
    await keys(page, 'g', 's');
    await page.waitForFunction(() => location.hash.startsWith('#/search'));
    expect(paramsOf(page).get('to')).toBeNull();
    expect(paramsOf(page).get('from')).toMatch(/^\d+m$/);
    expect(errors).toEqual([]);
    await context.close();
  }, 90_000);

  it('the ready-made host dashboard charts the agent\'s measurements, filtered to one host', async () => {
    const now = Date.now();
    const lines: string[] = [];
    for (const host of ['web-8', 'web-9']) {
      for (let t = now - 120_000; t <= now; t += 10_000) lines.push(`cpu,host=${host},cpu=total usage_active=${host === 'web-9' ? 90 : 10} ${t * 1e6}`, `mem,host=${host} used_percent=50 ${t * 1e6}`);
    }
    await kcat(['-b', app.kafka, '-t', 'metrics', '-P'], `${lines.join('\n')}\n`);
    const { context, page } = await signedIn(browser, app.base, app.token, { hash: '#/metrics?d=hosts&host=web-9' });
    const cpu = page.getByTestId('metric-chart').first();
    await page.waitForFunction(() => document.querySelector('[data-testid=metric-chart]')?.getAttribute('data-series') === '1', undefined, { timeout: 20_000 });
    expect(await cpu.locator('.title').textContent()).toBe('CPU busy %');
    const legend = await cpu.locator('.u-legend').textContent();
    expect(legend).toContain('web-9');
    expect(legend).not.toContain('web-8');
    expect(legend).toContain('90'); // the latest value at rest
    // A measurement nobody wrote here (diskio) waits for data instead of failing.
    await page.getByTestId('chart-waiting').first().waitFor({ timeout: 10_000 });
    // Saving the read-only host dashboard saves a copy.
    await page.getByTestId('dashboard-save').click();
    expect(await page.getByTestId('dashboard-title').inputValue()).toBe('My hosts');
    await context.close();
  }, 60_000);
});
