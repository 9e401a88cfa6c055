// Screenshots of every view, empty (first run) and busy, in light and dark, into test/e2e/screenshots/ (git-ignored),
// for people to look at (`npm run screenshots`). Each view must render without a page error or a failed API call.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { CHROMIUM, KCAT, requireTools } from '../helpers/require-tool.js';
import { startApp, type TestApp } from '../server/helpers.js';
import { kcat, launchBrowser, screenshotPath, signedIn } from './browser.js';

// About a minute on a busy 2-core machine, so not part of every test run: `npm run screenshots` runs it.
const wanted = process.env.TRIBUTARY_SCREENSHOTS === '1';
const available = wanted && requireTools(CHROMIUM, KCAT);

const VIEWS: [string, string, string][] = [
  // name, hash when empty, hash when busy
  ['overview', '#/overview', '#/overview'],
  ['topics', '#/topics', '#/topics?sel=app-logs'],
  ['messages', '#/messages', '#/messages?topic=app-logs&sel=0:2995'],
  ['search', '#/search', '#/search?q=-healthcheck&from=1h&row=3'],
  ['tail', '#/tail', '#/tail?topics=app-logs,syslog&q=error OR warn'],
  ['groups', '#/groups', '#/groups?group=billing'],
  ['metrics', '#/metrics', '#/metrics?d=hosts&from=15m'],
  ['alerts', '#/alerts', '#/alerts'],
  ['clusters', '#/clusters', '#/clusters'],
  ['flows', '#/flows', '#/flows'],
  ['access', '#/access', '#/access'],
  ['settings', '#/settings', '#/settings'],
];

/** What `tributary agent` writes for three hosts (src/agent/host-metrics), every 10 s over the last 15 minutes. */
function hostMetrics(now = Date.now()): string {
  const out: string[] = [];
  ['web-1', 'web-2', 'db-1'].forEach((host, h) => {
    for (let i = 0; i <= 90; i++) {
      const t = (now - (90 - i) * 10_000) * 1e6;
      const wave = Math.sin(i / 9 + h) * 0.5 + 0.5;
      out.push(
        `cpu,host=${host},cpu=total usage_active=${(15 + 30 * h + 25 * wave).toFixed(1)} ${t}`,
        `mem,host=${host} used_percent=${(40 + 12 * h + 3 * wave).toFixed(1)} ${t}`,
        `system,host=${host} load1=${(0.4 + h + wave).toFixed(2)} ${t}`,
        `disk,host=${host},path=/,device=sda1,fstype=ext4 used_percent=${(52 + 8 * h + i * 0.02).toFixed(2)} ${t}`,
        `diskio,host=${host},name=sda read_bytes=${Math.round(2e5 * wave + 1e5 * h)},write_bytes=${Math.round(8e5 * (1 - wave) + 3e5 * h)} ${t}`,
        `net,host=${host},interface=eth0 bytes_recv=${Math.round(1.2e6 * wave + 4e5 * h)},bytes_sent=${Math.round(6e5 * (1 - wave) + 2e5 * h)} ${t}`,
      );
    }
  });
  return `${out.join('\n')}\n`;
}

function busyLines(n: number): string {
  const levels = ['info', 'info', 'info', 'debug', 'warn', 'error'];
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const level = levels[i % levels.length];
    out.push(JSON.stringify({ level, msg: level === 'error' ? `payment ${i} failed: connection refused` : `GET /api/v1/orders/${i} 200`, host: `web-${i % 3}`, ms: i % 97 }));
  }
  return `${out.join('\n')}\n`;
}

describe.skipIf(!available)('screenshots of every view', () => {
  let app: TestApp;
  let browser: Browser;
  beforeAll(async () => {
    [app, browser] = await Promise.all([startApp(), launchBrowser()]);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  async function shoot(state: 'empty' | 'busy') {
    for (const dark of [false, true]) {
      const { context, page } = await signedIn(browser, app.base, app.token, { dark });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('response', (r) => {
        if (r.url().includes('/api/') && r.status() >= 400) errors.push(`${r.status()} ${r.url()}`);
      });
      for (const [name, empty, busy] of VIEWS) {
        await page.goto(`${app.base}/${state === 'empty' ? empty : busy}`);
        await page.waitForTimeout(name === 'overview' || name === 'metrics' ? 1500 : name === 'groups' && state === 'busy' ? 6500 : 500); // groups: two lag samples make a line
        await page.screenshot({ path: screenshotPath(`${name}-${state}-${dark ? 'dark' : 'light'}`) });
      }
      if (state === 'busy') {
        // One timeline: a fixed range (as a drag on a chart sets it) that ended a moment ago, in every time view.
        const to = Date.now() - 6000;
        const range = `from=${to - 10 * 60_000}&to=${to}`;
        for (const [name, hash] of [
          ['metrics-range', `#/metrics?d=hosts&${range}`],
          ['search-range', `#/search?${range}`],
          ['messages-range', `#/messages?topic=app-logs&${range}`],
          ['tail-past-range', `#/tail?topics=app-logs&${range}`],
        ]) {
          await page.goto(`${app.base}/${hash}`);
          await page.waitForTimeout(name === 'metrics-range' ? 1500 : 700);
          await page.screenshot({ path: screenshotPath(`${name}-${dark ? 'dark' : 'light'}`) });
        }
        // The query bar's autocomplete open on a field's values.
        // app-logs: JSON records with a host field (the newest records overall are line protocol, whose fields the sample does not list).
        await page.goto(`${app.base}/#/search?from=1h&topics=app-logs`);
        await page.getByTestId('search-row').first().waitFor({ timeout: 15_000 });
        await page.getByTestId('search-input').fill('level:error ho');
        await page.locator('[data-testid=suggestion]').first().waitFor({ timeout: 10_000 });
        await page.keyboard.press('Tab');
        await page.locator('[data-testid=suggestion][data-kind=value]').first().waitFor({ timeout: 10_000 });
        await page.screenshot({ path: screenshotPath(`search-suggest-${dark ? 'dark' : 'light'}`) });
        // The connection form with its Security section: the most form-heavy screen, in both themes.
        await page.goto(`${app.base}/#/clusters`);
        await page.getByTestId('add-connection').click();
        const form = page.getByTestId('connection-form');
        await form.locator('input[name=name]').fill('ledger');
        await form.locator('input[name=bootstrap]').fill('kafka-1.example.internal:9093');
        await form.locator('select[name=protocol]').selectOption('SASL_SSL');
        await form.getByTestId('security-section').locator('select[name=mechanism]').selectOption('SCRAM-SHA-256');
        await page.screenshot({ path: screenshotPath(`clusters-form-${dark ? 'dark' : 'light'}`) });
      }
      expect(errors).toEqual([]);
      await context.close();
    }
  }

  it('empty', async () => {
    await shoot('empty');
  }, 90_000);

  it('busy', async () => {
    await app.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'app-logs', partitions: 3 } });
    await kcat(['-b', app.kafka, '-t', 'app-logs', '-P', '-k', 'order'], busyLines(3000));
    await kcat(['-b', app.kafka, '-t', 'syslog', '-P'], 'Dec  2 17:00:01 web-1 sshd[42]: error: maximum authentication attempts exceeded\nDec  2 17:00:02 web-1 cron[7]: (root) CMD (run-parts /etc/cron.hourly)\n');
    for (let i = 0; i < 20; i++) {
      // Topic creation is rate-limited (10/s): wait out a 429 as its message says, a bounded number of times.
      const json = { name: `service-${String(i).padStart(2, '0')}.events`, partitions: 1 + (i % 4) };
      for (let attempt = 0; ; attempt++) {
        const res = await app.api('/api/v1/topics', { method: 'POST', json });
        if (res.status === 201) break;
        if (res.status !== 429 || attempt >= 10) throw new Error(`creating ${json.name}: ${res.status} ${await res.text()}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    await kcat(['-b', app.kafka, '-G', 'billing', '-c', '500', '-X', 'auto.offset.reset=earliest', '-q', 'app-logs'], undefined, 30_000);
    // Last, after the topic creations above (at most 10 a second): kcat creates the metrics topic.
    await kcat(['-b', app.kafka, '-t', 'metrics', '-P'], hostMetrics());
    await shoot('busy');
  }, 120_000);
});
