#!/usr/bin/env node
// The Metrics view's live chart in real Chromium: 20 series × 3,600 points (one hour at a 1 s step) updated each second
// over WS /api/v1/metrics/live, as a user sees it. `npm run build`, then `node bench/ui-chart.js`.
//
// A real `tributary serve` (temp data dir) gets an hour of points for 20 series, then 20 new points each second while
// the page shows the chart. The page measures each update with performance marks (MetricChart.svelte: from the merge
// of the update through uPlot's setData and its drawing, which uPlot runs in a microtask before ours): the figure is
// the time one update keeps the main thread. Target: < 16 ms (a frame). Env: BENCH_UI_SECONDS (updates to watch,
// default 30), BENCH_UI_SERIES (20), BENCH_UI_POINTS (3600).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { loadAverage, startBroker } from './broker.js';
import { sleep } from './child.js';
import { apiOf } from './metrics-tributary.js';

const SECONDS = Number(process.env.BENCH_UI_SECONDS ?? 30);
const SERIES = Number(process.env.BENCH_UI_SERIES ?? 20);
const POINTS = Number(process.env.BENCH_UI_POINTS ?? 3600);
const TARGET_MS = 16;
const UI = new URL('../renderer/dist/index.html', import.meta.url);

if (!existsSync(UI)) throw new Error('the UI is not built: run `npm run build` first');

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
};
const r2 = (x) => Math.round(x * 100) / 100;

async function call(api, method, path, body) {
  const res = await fetch(`${api.base}${path}`, {
    method,
    headers: { authorization: `Bearer ${api.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}

/** One record of line protocol: every series' point at each of `times` (ms). */
const lines = (times) => times.flatMap((t) => Array.from({ length: SERIES }, (_, s) => `uibench,s=s${String(s).padStart(2, '0')} v=${(Math.sin(t / 60_000 + s) * 50 + 50 + s).toFixed(2)} ${t * 1e6}`)).join('\n');

const dataDir = mkdtempSync(join(tmpdir(), 'tributary-bench-ui-'));
const broker = await startBroker({ dataDir: join(dataDir, 'data'), config: {} });
let browser;
try {
  const api = await apiOf(broker);
  await call(api, 'POST', '/api/v1/topics', { name: 'metrics', partitions: 1 });
  // An hour of history, a second apart, up to a few seconds ago: 50 seconds (1,000 points) per record.
  const now = Math.floor(Date.now() / 1000) * 1000;
  const first = now - (POINTS - 1) * 1000;
  for (let t = first; t < now; t += 50_000) {
    const times = [];
    for (let u = t; u < Math.min(now, t + 50_000); u += 1000) times.push(u);
    await call(api, 'POST', '/api/v1/topics/metrics/messages', { value: lines(times) });
  }
  const q = new URLSearchParams({ measurement: 'uibench', field: 'v', by: 's', step: '1s', from: '1h' });
  const deadline = Date.now() + 60_000;
  for (;;) {
    // 404 until the store has read the first record.
    const a = await call(api, 'GET', `/api/v1/metrics/query?${q}`).catch(() => ({ series: [] }));
    const filled = a.series.length === SERIES && a.series.every((s) => s.values.filter((v) => v !== null).length >= POINTS - 10);
    if (filled) break;
    if (Date.now() > deadline) throw new Error(`the store did not show ${SERIES} × ${POINTS} points within 60 s`);
    await sleep(500);
  }

  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-dev-shm-usage'] });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${api.base}/?token=${api.token}`);
  const charts = JSON.stringify([{ kind: 'metric', measurement: 'uibench', field: 'v', by: 's', agg: 'avg', step: '1s' }]);
  await page.goto(`${api.base}/#/metrics?c=${encodeURIComponent(charts)}&from=1h`);
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid=metric-chart]')?.getAttribute('data-points')) >= n, SERIES * (POINTS - 10), { timeout: 30_000 });
  await page.evaluate(() => performance.clearMeasures('metric-chart-update'));

  // 20 new points each second while the page follows them.
  const load = loadAverage();
  const started = Date.now();
  for (let i = 0; i < SECONDS; i++) {
    const t = Math.floor(Date.now() / 1000) * 1000;
    await call(api, 'POST', '/api/v1/topics/metrics/messages', { value: lines([t]) });
    await sleep(Math.max(0, started + (i + 1) * 1000 - Date.now()));
  }
  await sleep(1500);
  const result = await page.evaluate(() => ({
    updates: performance.getEntriesByName('metric-chart-update', 'measure').map((m) => m.duration),
    points: Number(document.querySelector('[data-testid=metric-chart]')?.getAttribute('data-points')),
    series: Number(document.querySelector('[data-testid=metric-chart]')?.getAttribute('data-series')),
  }));
  const u = result.updates;
  const out = {
    scenario: 'ui-chart',
    series: result.series,
    pointsDrawn: result.points,
    updates: u.length,
    seconds: SECONDS,
    msPerUpdate: { p50: r2(pct(u, 50)), p95: r2(pct(u, 95)), max: r2(Math.max(...u)) },
    targetMs: TARGET_MS,
    met: u.length > 0 && pct(u, 95) < TARGET_MS,
    loadAverage: load,
    cpuModel: /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown',
  };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  if (u.length < SECONDS / 2) process.stdout.write(`warning: only ${u.length} updates in ${SECONDS} s\n`);
} finally {
  await browser?.close().catch(() => {});
  await broker.stop().catch(() => {});
  rmSync(dataDir, { recursive: true, force: true });
}
