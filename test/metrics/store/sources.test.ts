// Every way a metric gets into a topic ends up as a series: line protocol over HTTP ingest, the agent's host metrics,
// and kcat producing line protocol straight into the metrics topic.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../../../src/agent/agent.js';
import { agentDefaults } from '../../../src/agent/config.js';
import { App } from '../../../src/app/app.js';
import { loadBrokerConfig } from '../../../src/broker/config.js';
import { silentLogger } from '../../../src/common/logger.js';
import { parseIngestConfig } from '../../../src/ingest/config.js';
import { parseMetricsConfig } from '../../../src/metrics/config.js';
import type { MetricsStore } from '../../../src/metrics/store/index.js';
import { KCAT, requireTools } from '../../helpers/require-tool.js';
import { assertOk, runTool } from '../../helpers/run-tool.js';

let app: App;
let dir: string;
let store: MetricsStore;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-msources-'));
  app = await App.start(
    {
      broker: loadBrokerConfig({ dataDir: dir, kafka: '127.0.0.1:0' }),
      ingest: parseIngestConfig({ http: { listen: '127.0.0.1:0' } }),
      metrics: parseMetricsConfig({ topics: ['metrics', 'kc'] }),
    },
    silentLogger,
  );
  store = app.metrics!;
});
afterAll(async () => {
  await app?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Polls (bounded) until the store has series of the measurement, rescanning topics so a new one is found at once. */
async function seriesOf(measurement: string, field: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await store.rescanTopics();
    await store.caughtUp();
    const s = store.select(measurement, field, []);
    if (s.length > 0) return s;
    if (Date.now() > deadline) throw new Error(`no ${measurement}.${field} series after ${timeoutMs} ms; measurements: ${JSON.stringify(store.measurements())}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const kafka = () => {
  const a = app.broker.address();
  return `${a.host}:${a.port}`;
};

describe('metric sources', () => {
  it('line protocol over HTTP ingest (/write)', async () => {
    const http = app.listeners().find((l) => l.name === 'http ingest')!;
    const t = Date.now() - 5000;
    const res = await fetch(`http://${http.host}:${http.port}/write?precision=ms`, { method: 'POST', body: `weather,city=oslo temp=-3.5,humidity=80i ${t}\nweather,city=rome temp=14 ${t}\n` });
    expect(res.status).toBe(204);
    const s = await seriesOf('weather', 'temp');
    expect(s.map((x) => x.tags.city).sort()).toEqual(['oslo', 'rome']);
    const oslo = s.find((x) => x.tags.city === 'oslo')!;
    expect([...store.readRaw(oslo.id, t, t + 1).values]).toEqual([-3.5]);
    const hum = store.select('weather', 'humidity', [{ key: 'city', op: '=', value: 'oslo' }])[0]!;
    expect([...store.readRaw(hum.id, 0, Infinity).values]).toEqual([80]);
  });

  it("the agent's host metrics", async () => {
    const agentDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-magent-'));
    const agent = await Agent.start({ ...agentDefaults('mstore-test'), bootstrap: [kafka()], dataDir: agentDir, metricsIntervalMs: 200 }, silentLogger);
    try {
      const mem = await seriesOf('mem', 'used');
      expect(mem[0]!.tags.host).toBeTruthy();
      const pts = store.readRaw(mem[0]!.id, Date.now() - 60_000, Date.now() + 60_000);
      expect(pts.values.length).toBeGreaterThan(0);
      expect(pts.values[0]).toBeGreaterThan(0);
      // cpu usage needs two samples: wait for it too.
      const cpu = await seriesOf('cpu', 'usage_user');
      expect(cpu.some((c) => c.tags.cpu === 'total')).toBe(true);
    } finally {
      await agent.stop();
      fs.rmSync(agentDir, { recursive: true, force: true });
    }
  });

  describe.skipIf(!requireTools(KCAT))('kcat', () => {
    it('line protocol produced by kcat into a metric topic (no header needed there)', async () => {
      const t = Date.now() - 3000;
      const input = [`kcat_m,host=k value=1.25 ${t}000000`, `kcat_m,host=k value=2.5 ${t + 1000}000000`, 'garbage line'].join('\n');
      assertOk(await runTool('kcat', ['-b', kafka(), '-P', '-t', 'kc', '-z', 'gzip'], { input: `${input}\n`, timeoutMs: 30_000 }), 'kcat -P');
      const s = await seriesOf('kcat_m', 'value');
      expect([...store.readRaw(s[0]!.id, 0, Infinity).values]).toEqual([1.25, 2.5]);
      expect(store.stats().badLines).toBeGreaterThanOrEqual(1);
    });
  });
});
