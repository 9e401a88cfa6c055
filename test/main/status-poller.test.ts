// main/status-poller.ts against a real core (in-process, its real HTTP API): the tray's live numbers from the
// overview, and an error spike found through the search histogram for the minute that just ended.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app/app.js';
import { runDesktopCore } from '../../src/app/desktop-core.js';
import type { CoreReady } from '../../src/app/desktop-protocol.js';
import { silentLogger } from '../../src/common/logger.js';
import type { Alert } from '../../main/alerts.js';
import { StatusPoller, type LiveStatus } from '../../main/status-poller.js';

let app: App;
let ready: CoreReady;

beforeAll(async () => {
  const base = mkdtempSync(join(tmpdir(), 'tributary-poller-'));
  const configFile = join(base, 'config.json');
  writeFileSync(configFile, JSON.stringify({ kafka: '127.0.0.1:0' })); // not the default 9092, which others may use
  app = await runDesktopCore({ postMessage: (m) => m.type === 'ready' && (ready = m), on: () => {} }, { dataDir: join(base, 'data'), configFile }, silentLogger, () => {});
});
afterAll(async () => {
  await app?.stop();
});

async function api(path: string, body?: unknown) {
  const res = await fetch(`${ready.origin}${path}`, {
    method: body ? 'POST' : 'GET',
    headers: { authorization: `Bearer ${ready.token}`, 'content-type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

describe('the status poller', () => {
  it('reads the live numbers and finds an error spike in the minute that just ended', async () => {
    const start = Date.now();
    let now = start;
    const statuses: LiveStatus[] = [];
    const alerts: Alert[] = [];
    const poller = new StatusPoller({ onStatus: (s) => statuses.push(s), onAlert: (a) => alerts.push(a), now: () => now, tickMs: 3_600_000 });
    poller.setTarget(ready);
    await poller.tick(); // marks where counting starts
    expect(statuses).toHaveLength(1);
    expect(statuses[0]).toEqual({ recordsPerSec: expect.any(Number), bytesPerSec: expect.any(Number), clients: 0 });

    const minute = Math.floor(start / 60_000) * 60_000;
    await api('/api/v1/topics', { name: 'app-logs', partitions: 1 });
    for (let i = 0; i < 30; i++) await api('/api/v1/topics/app-logs/messages', { value: JSON.stringify({ level: 'error', msg: `payment failed ${i}` }), timestamp: minute + i });
    for (let i = 0; i < 10; i++) await api('/api/v1/topics/app-logs/messages', { value: JSON.stringify({ level: 'info', msg: `ok ${i}` }), timestamp: minute + 100 + i });
    // Errors of the minute before the one counted, which the query must leave out.
    for (let i = 0; i < 25; i++) await api('/api/v1/topics/app-logs/messages', { value: JSON.stringify({ level: 'error', msg: `old ${i}` }), timestamp: minute - 1000 - i });

    await poller.tick(); // same minute: nothing to count yet
    expect(alerts).toEqual([]);
    now = minute + 60_000 + 5_000;
    await poller.tick();
    expect(alerts).toEqual([{ title: 'Errors spiked', body: '30 error records in the last minute' }]);
    expect(statuses.length).toBe(3);
    poller.setTarget(null);
  });

  it('skips what fails: a core that went away reports nothing and throws nothing', async () => {
    const statuses: LiveStatus[] = [];
    const poller = new StatusPoller({ onStatus: (s) => statuses.push(s), onAlert: () => {}, tickMs: 3_600_000 });
    poller.setTarget({ ...ready, origin: 'http://127.0.0.1:1', uiUrl: 'http://127.0.0.1:1/?token=x' });
    await poller.tick();
    expect(statuses).toEqual([]);
    poller.setTarget(null);
  });
});
