// Issue 12's "done when", end to end, as the desktop app runs it: the desktop core (with a fake shell port) is pointed
// at another cluster (a second in-process serve) by its config file. The remote's topics show; a followed log topic
// is searchable and a followed metrics topic chartable within seconds of the records reaching the remote; and an
// error spike on one host of the followed logs raises a desktop notification (the shell's `alert` message) and a
// webhook call, naming that host.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app/app.js';
import { runDesktopCore, type CorePort } from '../../src/app/desktop-core.js';
import type { CoreAlert, CoreReady, CoreToMain } from '../../src/app/desktop-protocol.js';
import { KafkaClient } from '../../src/client/index.js';
import { silentLogger } from '../../src/common/logger.js';
import { startReceiver, type Receiver } from '../alerts/receiver.js';
import { sleep } from '../helpers/wait-until.js';
import { startApp, type TestApp } from '../server/helpers.js';

let remote: TestApp;
let hook: Receiver;
let local: App;
let base: string;
let token: string;
let client: KafkaClient;
let dir: string;
const sent: CoreToMain[] = [];

/** Polls `fn` until it returns something truthy, and returns that; throws after `timeoutMs` naming `what`. */
async function until<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(200);
  }
}

/** GET with the token; `notYet`: a 404 (no such measurement yet) answers undefined instead of throwing. */
async function call<T = any>(path: string, notYet = false): Promise<T> {
  const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const text = await res.text();
  if (notYet && res.status === 404) return undefined as T;
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

beforeAll(async () => {
  [remote, hook] = await Promise.all([startApp(), startReceiver()]);
  await remote.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'web-logs', partitions: 2 } });
  await remote.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'host-metrics', partitions: 1 } });
  client = new KafkaClient({ bootstrap: [remote.kafka], clientId: 'tributary-agent-web1' });

  dir = mkdtempSync(join(tmpdir(), 'tributary-remote-story-'));
  const configFile = join(dir, 'config.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      kafka: '127.0.0.1:0',
      connections: { prod: { bootstrap: remote.kafka, follow: ['web-*', 'host-metrics'] } },
      alerts: {
        interval: '200ms',
        rules: [{ id: 'error-spike', kind: 'log-count', name: 'Error spike', query: 'level:error', topics: ['prod.web-logs'], by: 'host', window: '1m', threshold: 10 }],
        webhooks: [{ url: hook.url }],
      },
    }),
  );
  const port: CorePort = { postMessage: (m) => sent.push(m), on: () => undefined };
  local = await runDesktopCore(port, { dataDir: join(dir, 'data'), configFile }, silentLogger, () => undefined);
  const ready = sent.find((m): m is CoreReady => m.type === 'ready')!;
  base = new URL(ready.uiUrl).origin;
  token = ready.token;
}, 60_000);

afterAll(async () => {
  await client?.close();
  await local?.stop();
  await remote?.stop();
  await hook?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('pointing the desktop app at another cluster', () => {
  it("shows the remote cluster's topics", async () => {
    const topics = await call<{ topics: { name: string }[] }>('/api/v1/connections/prod/topics');
    expect(topics.topics.map((t) => t.name).sort()).toEqual(expect.arrayContaining(['host-metrics', 'web-logs']));
  });

  it('makes a followed log topic searchable and a followed metrics topic chartable within seconds', { timeout: 90_000 }, async () => {
    const now = Date.now();
    const p = client.producer();
    await p.send('web-logs', [{ value: `level=info host=web1 msg="checkout ${now} served"`, timestamp: now }]);
    const lines = [0, 1, 2].map((i) => `cpu,host=web1 usage_user=${40 + i} ${(now - (2 - i) * 10_000) * 1e6}`);
    await p.send('host-metrics', [{ value: lines.join('\n'), headers: [['format', 'influx']], timestamp: now }]);
    const wrote = Date.now();

    const found = await until(
      'the record in a search of the copy',
      async () => {
        const page = await call<{ records: { topic: string; value: string }[] }>(`/api/v1/search?${new URLSearchParams({ q: `"checkout ${now}"`, topics: 'prod.web-logs' })}`);
        return page.records.length > 0 && page.records;
      },
      60_000,
    );
    expect(found[0]).toMatchObject({ topic: 'prod.web-logs', value: expect.stringContaining(`checkout ${now} served`) });

    const from = Math.floor((now - 60_000) / 10_000) * 10_000;
    const q = new URLSearchParams({ measurement: 'cpu', field: 'usage_user', by: 'host', agg: 'max', step: '10s', from: String(from), to: String(now + 10_000) });
    const chart = await until(
      'the copied metric in a query',
      async () => {
        const a = await call<{ timestamps: number[]; series: { tags: Record<string, string>; values: (number | null)[] }[] }>(`/api/v1/metrics/query?${q}`, true);
        return a !== undefined && a.series.length > 0 && a.series[0]!.values.filter((v) => v !== null).length === 3 && a;
      },
      60_000,
    );
    expect(chart.series[0]!.tags).toEqual({ host: 'web1' });
    expect(chart.series[0]!.values.filter((v) => v !== null)).toEqual([40, 41, 42]);
    // Within seconds on a quiet machine; the bound here only catches a follow that waits for something (a poll of
    // minutes, a restart) rather than timing the machine.
    expect(Date.now() - wrote).toBeLessThan(45_000);
  });

  it('raises a desktop notification and a webhook call for an error spike on one host', { timeout: 90_000 }, async () => {
    const now = Date.now();
    const spike = Array.from({ length: 15 }, (_, i) => ({ value: `level=error host=db1 msg="connection refused ${i}"`, timestamp: now }));
    const quiet = Array.from({ length: 4 }, (_, i) => ({ value: `level=error host=web1 msg="slow request ${i}"`, timestamp: now }));
    await client.producer().send('web-logs', [...spike, ...quiet]);

    const notice = await until('the desktop notification', () => sent.find((m): m is CoreAlert => m.type === 'alert' && m.notice === 'firing'), 60_000);
    expect(notice).toMatchObject({ type: 'alert', rule: 'error-spike', title: expect.stringContaining('Error spike') });
    expect(JSON.stringify(notice)).toContain('db1');
    const call = await until('the webhook call', () => hook.calls.find((c) => c.body.rule?.id === 'error-spike' && c.body.type === 'firing'), 30_000);
    expect(call.body).toMatchObject({ key: 'db1', state: 'firing', value: 15, labels: { host: 'db1' } });
    // web1's four errors are under the threshold: no notification names it.
    expect(sent.filter((m) => m.type === 'alert' && JSON.stringify(m).includes('web1'))).toEqual([]);
  });
});
