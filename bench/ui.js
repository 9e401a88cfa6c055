// UI performance in Chromium (issue 10): the built UI (renderer/dist, `npm run build`) served by `tributary serve`,
// driven by Debian's Chromium through playwright-core. Three measurements:
//  (a) Live tail while kcat produces BENCH_UI_TAIL_RATE records/s (default 20,000) for BENCH_UI_TAIL_SECONDS (10):
//      frame gaps (requestAnimationFrame deltas), long tasks, renderer main-thread busy time, the most tail rows in the
//      DOM, and what arrived (received + skipped);
//  (b) Messages over a one-partition topic of BENCH_UI_MESSAGES records (default 1,000,000): open it, then move the
//      scrollbar from top to bottom in BENCH_UI_SCROLL_STEPS positions, each counted once its rows are on screen, and
//      hold it at the end until the oldest record shows; total time, frame gaps, DOM rows, JS heap;
//  (c) a fresh `serve` on an empty data dir: time to its "ui on" line, to the page's first contentful paint and to a
//      usable Overview.
// `node bench/ui.js [tail] [messages] [startup]` runs it alone (own broker); `node bench/run.js ui` runs it in the harness.
// Environment: CHROMIUM (default /usr/bin/chromium), BENCH_UI_SCROLL_STEPS (scrollbar positions visited, default 200),
// BENCH_UI_MESSAGES_PARTITIONS (default 1; more browses the partitions merged by time, paged by cursor).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { costMetrics, startBroker } from './broker.js';
import { findKcat, killAllChildren, runCommand, sleep, spawnTracked, tail } from './child.js';
import { createTopic } from './kafka.js';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const TAIL_RATE = Number(process.env.BENCH_UI_TAIL_RATE ?? 20_000);
const TAIL_SECONDS = Number(process.env.BENCH_UI_TAIL_SECONDS ?? 10);
const MESSAGES = Number(process.env.BENCH_UI_MESSAGES ?? 1_000_000);
const SCROLL_STEPS = Number(process.env.BENCH_UI_SCROLL_STEPS ?? 200);
/** Partitions of the Messages topic: 1 is random access by offset; more are merged by time and paged by cursor. */
const MESSAGES_PARTITIONS = Number(process.env.BENCH_UI_MESSAGES_PARTITIONS ?? 1);
const UI_LINE = /ui on (http:\/\/\S+?)\/\?token=(\S+)/;
const FRAME_TARGET_MS = 50; // p95 frame gap: below this the view still reads as smooth while records pour in
const VIEWPORT = { width: 1280, height: 800 };

const pct = (xs, p) => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor(s.length * p))] * 10) / 10;
};

async function launch() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-dev-shm-usage'],
    timeout: 30_000,
  });
}

async function signedIn(browser, base, token) {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  await page.goto(`${base}/?token=${token}`);
  return { context, page };
}

/** Starts recording frame gaps, long tasks and the most rows matching `rowSelector` in the page. */
async function startFrameProbe(page, rowSelector) {
  await page.evaluate((sel) => {
    const w = window;
    w.__probe = { gaps: [], longTasks: [], maxRows: 0, maxNodes: 0, stop: false };
    let last = performance.now();
    const tick = (t) => {
      if (w.__probe.stop) return;
      w.__probe.gaps.push(t - last);
      last = t;
      const rows = document.querySelectorAll(sel).length;
      if (rows > w.__probe.maxRows) w.__probe.maxRows = rows;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    w.__probe.nodeTimer = setInterval(() => {
      const n = document.getElementsByTagName('*').length;
      if (n > w.__probe.maxNodes) w.__probe.maxNodes = n;
    }, 500);
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) w.__probe.longTasks.push(e.duration);
    }).observe({ type: 'longtask' });
  }, rowSelector);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const m0 = await mainThreadMetrics(cdp);
  return async () => {
    const m1 = await mainThreadMetrics(cdp);
    const p = await page.evaluate(() => {
      const w = window;
      w.__probe.stop = true;
      clearInterval(w.__probe.nodeTimer);
      return { gaps: w.__probe.gaps.slice(1), longTasks: w.__probe.longTasks, maxRows: w.__probe.maxRows, maxNodes: w.__probe.maxNodes };
    });
    const heap = await cdp.send('Runtime.getHeapUsage').catch(() => null);
    await cdp.detach().catch(() => {});
    return {
      frames: p.gaps.length,
      frameP50Ms: pct(p.gaps, 0.5),
      frameP95Ms: pct(p.gaps, 0.95),
      frameP99Ms: pct(p.gaps, 0.99),
      frameMaxMs: p.gaps.length ? Math.round(Math.max(...p.gaps)) : null,
      longTasks: p.longTasks.length,
      longTaskMs: Math.round(p.longTasks.reduce((a, b) => a + b, 0)),
      // Renderer main thread: seconds of tasks (script + style + layout + paint) while measuring.
      mainThreadTaskSeconds: Math.round((m1.TaskDuration - m0.TaskDuration) * 100) / 100,
      scriptSeconds: Math.round((m1.ScriptDuration - m0.ScriptDuration) * 100) / 100,
      layoutSeconds: Math.round((m1.LayoutDuration + m1.RecalcStyleDuration - m0.LayoutDuration - m0.RecalcStyleDuration) * 100) / 100,
      maxRowsInDom: p.maxRows,
      maxDomNodes: p.maxNodes,
      jsHeapMB: heap ? Math.round(heap.usedSize / 2 ** 20) : null,
    };
  };
}

async function mainThreadMetrics(cdp) {
  const { metrics } = await cdp.send('Performance.getMetrics');
  return Object.fromEntries(metrics.map((m) => [m.name, m.value]));
}

/** kcat -P fed from stdin at `rate` lines/s for `seconds` (bounded: exactly rate × seconds lines); resolves when kcat exits. */
async function produceAtRate(kcat, address, topic, rate, seconds) {
  const child = spawnTracked(kcat.cmd, ['-P', '-b', address, '-t', topic, '-X', 'linger.ms=5', '-X', 'queue.buffering.max.messages=1000000'], { stdio: ['pipe', 'ignore', 'pipe'] });
  const stderr = tail(child.stderr);
  const exited = new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`kcat exited ${code}: ${stderr()}`))));
  });
  const total = rate * seconds;
  const pad = 'x'.repeat(40);
  const levels = ['INFO', 'INFO', 'INFO', 'DEBUG', 'WARN', 'ERROR'];
  const t0 = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate));
    if (due > sent) {
      let chunk = '';
      for (; sent < due; sent++) chunk += `${new Date().toISOString()} ${levels[sent % levels.length]} [ui-bench] record ${sent} ${pad}\n`;
      if (!child.stdin.write(chunk)) await new Promise((r) => child.stdin.once('drain', r));
    }
    if (performance.now() - t0 > seconds * 1000 * 3) throw new Error(`could not feed kcat ${rate}/s: ${sent} of ${total} after ${seconds * 3} s`);
    await sleep(20);
  }
  const feedMs = performance.now() - t0;
  child.stdin.end();
  await exited;
  return { produced: total, feedSeconds: Math.round(feedMs / 100) / 10 };
}

async function tailScenario(ctx, browser, api) {
  const topic = 'bench-ui-tail';
  await createTopic(ctx.broker.address, topic, 6);
  const { context, page } = await signedIn(browser, api.base, api.token);
  try {
    await page.goto(`${api.base}/#/tail?topics=${topic}`);
    await page.locator('.badge', { hasText: 'open' }).waitFor({ timeout: 20_000 });
    await sleep(500);
    const stop = await startFrameProbe(page, '[data-testid=tail-row]');
    const window = ctx.broker.window();
    const fed = await produceAtRate(ctx.kcat, ctx.broker.address, topic, TAIL_RATE, TAIL_SECONDS);
    // Give the view a moment to drain what is in flight, then read what it counted.
    const want = fed.produced;
    const deadline = Date.now() + 20_000;
    let got = { received: 0, skipped: 0 };
    while (Date.now() < deadline) {
      got = await page.evaluate(() => {
        const t = document.querySelector('[data-testid=tail-stats]')?.textContent ?? '';
        const num = (re) => Number((re.exec(t)?.[1] ?? '0').replace(/,/g, ''));
        return { received: num(/([\d,]+) received/), skipped: num(/([\d,]+) skipped/) };
      });
      if (got.received + got.skipped >= want) break;
      await sleep(250);
    }
    const probe = await stop();
    const cost = costMetrics(window(), TAIL_SECONDS);
    return { rate: TAIL_RATE, seconds: TAIL_SECONDS, ...fed, received: got.received, skipped: got.skipped, ...probe, broker: cost };
  } finally {
    await context.close();
  }
}

async function messagesScenario(ctx, browser, api) {
  const topic = 'bench-ui-messages';
  await createTopic(ctx.broker.address, topic, MESSAGES_PARTITIONS);
  const file = join(ctx.tmpDir, 'ui-messages.txt');
  {
    const parts = [];
    const t0 = Date.now() - MESSAGES;
    for (let i = 0; i < MESSAGES; i++) parts.push(`${new Date(t0 + i).toISOString()} ${i % 20 === 0 ? 'ERROR' : 'INFO'} [ui-bench] message number ${i} of the big topic`);
    writeFileSync(file, `${parts.join('\n')}\n`);
  }
  const produced = performance.now();
  await runCommand(ctx.kcat.cmd, ['-P', '-b', ctx.broker.address, '-t', topic, '-X', 'linger.ms=50', '-l', file], { timeoutMs: 600_000 });
  const produceSeconds = Math.round((performance.now() - produced) / 100) / 10;
  const { context, page } = await signedIn(browser, api.base, api.token);
  try {
    const opened = performance.now();
    await page.goto(`${api.base}/#/messages?topic=${topic}`);
    await page.getByTestId('message-row').first().waitFor({ timeout: 30_000 });
    const openMs = Math.round(performance.now() - opened);
    const stop = await startFrameProbe(page, '[data-testid=message-row]');
    // Drag the scrollbar top to bottom in SCROLL_STEPS positions (a frame each, plus whatever loading it triggers), then
    // keep at the bottom until the oldest record (offset 0; the list starts at the newest) is on screen.
    const t0 = performance.now();
    const oldest = MESSAGES_PARTITIONS === 1 ? '0@0' : null; // merged: any partition's offset 0
    const reached = await page.evaluate(
      async ({ steps, oldest, maxMs }) => {
        const el = document.querySelector('[data-testid=messages-list]');
        const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
        const start = performance.now();
        // Each position counts once its rows are on screen (no row still loading), as a user would wait to read them.
        const ready = () => document.querySelector('[data-testid=message-loading]') === null && document.querySelector('[data-testid=message-row]') !== null;
        let waits = 0;
        for (let i = 1; i <= steps && performance.now() - start < maxMs; i++) {
          el.scrollTop = ((el.scrollHeight - el.clientHeight) * i) / steps;
          await frame();
          while (!ready() && performance.now() - start < maxMs) {
            waits++;
            await frame();
          }
        }
        const seen = () => [...document.querySelectorAll('[data-testid=message-row] .po')].some((e) => (oldest === null ? e.textContent.endsWith('@0') : e.textContent === oldest));
        while (!seen() && performance.now() - start < maxMs) {
          el.scrollTop = el.scrollHeight;
          await frame();
        }
        return { ok: seen(), ms: performance.now() - start, framesWaitingForRows: waits };
      },
      { steps: SCROLL_STEPS, oldest, maxMs: 180_000 },
    );
    const endToEndMs = Math.round(performance.now() - t0);
    const probe = await stop();
    const loaded = await page.getByTestId('messages-count').textContent();
    return { records: MESSAGES, partitions: MESSAGES_PARTITIONS, loaded, produceSeconds, openMs, reachedOldest: reached.ok, endToEndMs, framesWaitingForRows: reached.framesWaitingForRows, scrollSteps: SCROLL_STEPS, ...probe };
  } finally {
    await context.close();
  }
}

async function startupScenario(ctx, browser) {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-ui-start-'));
  const t0 = performance.now();
  const broker = await startBroker({ dataDir: join(dir, 'data'), config: {} });
  try {
    const m = await broker.waitForStdout(UI_LINE, 30_000);
    const uiLineMs = Math.round(performance.now() - t0);
    const context = await browser.newContext({ viewport: VIEWPORT });
    try {
      const page = await context.newPage();
      const nav = performance.now();
      await page.goto(`${m[1]}/?token=${m[2]}`);
      await page.getByTestId('getting-started').waitFor({ timeout: 30_000 });
      const usableMs = Math.round(performance.now() - t0);
      const navToUsableMs = Math.round(performance.now() - nav);
      const fcp = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null);
      return { uiLineMs, usableMs, navigationToUsableMs: navToUsableMs, firstContentfulPaintMs: fcp === null ? null : Math.round(fcp) };
    } finally {
      await context.close();
    }
  } finally {
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const PARTS = { tail: tailScenario, messages: messagesScenario, startup: startupScenario };

async function runParts(ctx, parts) {
  const m = await ctx.broker.waitForStdout(UI_LINE, 10_000);
  const api = { base: m[1], token: m[2] };
  const browser = await launch();
  const out = {};
  try {
    for (const p of parts) {
      console.log(`  ui: ${p}…`);
      out[p] = await PARTS[p](ctx, browser, api);
      console.log(`  ui ${p}: ${JSON.stringify(out[p])}`);
    }
  } finally {
    await browser.close();
  }
  return out;
}

function checksOf(r) {
  const checks = [];
  if (r.tail) {
    checks.push({ name: `ui tail ${TAIL_RATE.toLocaleString('en-US')}/s frame p95`, value: r.tail.frameP95Ms, unit: 'ms', op: '<=', target: FRAME_TARGET_MS });
    checks.push({ name: 'ui tail rows in DOM (max)', value: r.tail.maxRowsInDom, unit: 'rows', op: '<=', target: 100 });
    checks.push({ name: 'ui tail received + skipped', value: r.tail.received + r.tail.skipped, unit: 'records', op: '==', target: r.tail.produced });
  }
  if (r.messages) {
    checks.push({ name: `ui messages ${MESSAGES.toLocaleString('en-US')} end to end`, value: r.messages.endToEndMs, unit: 'ms', op: 'info' });
    checks.push({ name: 'ui messages frame p95', value: r.messages.frameP95Ms, unit: 'ms', op: '<=', target: FRAME_TARGET_MS });
    checks.push({ name: 'ui messages rows in DOM (max)', value: r.messages.maxRowsInDom, unit: 'rows', op: '<=', target: 100 });
  }
  if (r.startup) checks.push({ name: 'ui serve start to usable Overview', value: r.startup.usableMs, unit: 'ms', op: 'info' });
  return checks;
}

export default {
  name: 'ui',
  title: `UI in Chromium: live tail at ${TAIL_RATE.toLocaleString('en-US')} records/s, Messages over ${MESSAGES.toLocaleString('en-US')} records, serve to usable UI`,
  async run(ctx) {
    const r = await runParts(ctx, Object.keys(PARTS));
    const checks = checksOf(r);
    return {
      metrics: r,
      checks,
      summary: `tail frame p95 ${r.tail.frameP95Ms} ms (${r.tail.maxRowsInDom} rows max); messages end to end ${r.messages.endToEndMs} ms (frame p95 ${r.messages.frameP95Ms} ms); serve → usable ${r.startup.usableMs} ms`,
    };
  },
};

// Standalone: its own broker and temp dir.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const parts = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(PARTS);
  const bad = parts.filter((p) => !PARTS[p]);
  if (bad.length) throw new Error(`unknown part ${bad.join(', ')}; choose from ${Object.keys(PARTS).join(', ')}`);
  const tmpDir = mkdtempSync(join(tmpdir(), 'tributary-ui-bench-'));
  process.on('exit', () => {
    killAllChildren();
    rmSync(tmpDir, { recursive: true, force: true });
  });
  const broker = await startBroker({ dataDir: join(tmpDir, 'data'), config: { defaultPartitions: 6 } });
  const ctx = { broker, kcat: findKcat(), tmpDir };
  try {
    const r = await runParts(ctx, parts);
    for (const c of checksOf(r)) console.log(`${c.name}: ${c.value} ${c.unit}${c.op === 'info' ? '' : ` (target ${c.op} ${c.target})`}`);
    console.log(JSON.stringify(r, null, 2));
  } finally {
    await broker.stop();
  }
}
