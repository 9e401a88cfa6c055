import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../helpers/wait-until.js';
import { headersOf, startIngestBroker, type IngestBroker } from './helpers.js';

const FIXTURE = readFileSync(new URL('../fixtures/ingest/node-exporter.prom', import.meta.url), 'utf8');

let server: Server;
let port: number;
let failing = false;
let closedPort: number;
let b: IngestBroker;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/metrics' && !failing) {
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' }).end(FIXTURE);
    } else if (req.url === '/huge') {
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' }); // no Content-Length: streamed
      for (let i = 0; i < 100; i++) res.write(`huge_metric{i="${i}"} 1\n`.repeat(10));
      res.end();
    } else if (req.url === '/slow') {
      setTimeout(() => res.writeHead(200).end('late 1\n'), 3_000).unref();
    } else res.writeHead(500).end('broken');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  port = (server.address() as { port: number }).port;
  // A port nothing listens on: bind one, then close it.
  const gone = createServer();
  await new Promise<void>((resolve) => gone.listen(0, '127.0.0.1', () => resolve()));
  closedPort = (gone.address() as { port: number }).port;
  await new Promise((r) => gone.close(r));
  b = await startIngestBroker({
    prometheus: {
      topic: 'prom',
      targets: [
        // Timeouts of a second or more: a first scrape on a loaded machine can take a few hundred ms.
        { url: `http://127.0.0.1:${port}/metrics`, interval: '1s', job: 'node', labels: { role: 'db' } },
        { url: `http://127.0.0.1:${port}/slow`, interval: '300ms', timeout: '100ms' },
        { url: `http://127.0.0.1:${closedPort}/metrics`, interval: '250ms' },
        { url: `http://127.0.0.1:${port}/huge`, interval: '2s', job: 'huge' },
      ],
      maxBodyBytes: 16384,
    },
  });
});
afterAll(async () => {
  await b?.stop();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
});

const instance = () => `127.0.0.1:${port}`;

describe('Prometheus scrapes', () => {
  it('writes every finite sample as line protocol with instance/job/target labels, plus up=1', async () => {
    const all = await b.waitForRecords('prom', 14);
    // One scrape = 10 finite samples (the NaN quantile is left out) + up, written in one call, in order.
    const scrape = all.filter((r) => r.key!.toString().includes(`instance=${instance()},job=node`)).slice(0, 11);
    const t = scrape[0]!.timestamp;
    const ns = `${t}000000`;
    const tags = `instance=${instance()},job=node,role=db`;
    expect(scrape.map((r) => r.value!.toString())).toEqual([
      `node_cpu_seconds_total,cpu=0,instance=${instance()},job=node,mode=idle,role=db value=12345.67 ${ns}`,
      `node_cpu_seconds_total,cpu=0,instance=${instance()},job=node,mode=user,role=db value=89.01 ${ns}`,
      `node_filesystem_avail_bytes,device=/dev/sda1,fstype=ext4,instance=${instance()},job=node,mountpoint=/mnt/my\\ disk\\ "x",role=db value=12345678900 ${ns}`,
      `http_request_duration_seconds_bucket,instance=${instance()},job=node,le=0.1,role=db value=5 ${ns}`,
      `http_request_duration_seconds_bucket,instance=${instance()},job=node,le=+Inf,role=db value=7 ${ns}`,
      `http_request_duration_seconds_sum,${tags} value=1.5 ${ns}`,
      `http_request_duration_seconds_count,${tags} value=7 ${ns}`,
      `go_gc_duration_seconds_sum,${tags} value=0 ${ns}`,
      `go_gc_duration_seconds_count,${tags} value=0 ${ns}`,
      `node_boot_time_seconds,exported_instance=exporter-says,${tags} value=1700000000 1700000000000000000`,
      `up,${tags} value=1 ${ns}`,
    ]);
    expect(scrape.map((r) => headersOf(r).metric_type ?? null)).toEqual(['counter', 'counter', 'gauge', 'histogram', 'histogram', 'histogram', 'histogram', 'summary', 'summary', null, 'gauge']);
    expect(headersOf(scrape[0]!)).toEqual({ metric_type: 'counter', format: 'influx' });
    expect(scrape[0]!.key!.toString()).toBe(`node_cpu_seconds_total,cpu=0,instance=${instance()},job=node,mode=idle,role=db`);
  }, 30_000);

  it('counts failing targets as up=0 in the stats and the topic, logs once per state change, keeps going', async () => {
    await waitUntil('every target scraped 3 times', () => b.ingest!.stats().prometheus!.slice(0, 3).every((t) => t.scrapes >= 3), { timeoutMs: 20_000 });
    const [ok, slow, refused] = b.ingest!.stats().prometheus!;
    expect(ok).toMatchObject({ up: 1, failures: 0, lastError: null, lastSamples: 10, lastSkippedNonFinite: 1, job: 'node', instance: instance() });
    expect(slow).toMatchObject({ up: 0, lastError: 'no answer within 100 ms', job: 'prometheus' });
    expect(refused).toMatchObject({ up: 0, instance: `127.0.0.1:${closedPort}` });
    expect(refused!.lastError).toMatch(/fetch failed: .*ECONNREFUSED/);
    expect(refused!.failures).toBe(refused!.scrapes);
    const warnings = b.log.lines.filter((l) => l.startsWith('warn prometheus scrape'));
    expect(warnings.filter((l) => l.includes('/slow'))).toHaveLength(1);
    expect(warnings.filter((l) => l.includes(`127.0.0.1:${closedPort}/`))).toHaveLength(1);
    const ups = (await b.records('prom')).filter((r) => r.key!.toString() === `up,instance=127.0.0.1:${closedPort},job=prometheus`);
    expect(ups.length).toBeGreaterThanOrEqual(3);
    expect(ups[0]!.value!.toString()).toMatch(new RegExp(`^up,instance=127\\.0\\.0\\.1:${closedPort},job=prometheus value=0 \\d{19}$`));
  }, 30_000);

  it('fails a scrape whose response is larger than maxBodyBytes, reading no further', async () => {
    await waitUntil('the huge target scraped', () => b.ingest!.stats().prometheus![3]!.scrapes >= 1, { timeoutMs: 20_000 });
    expect(b.ingest!.stats().prometheus![3]).toMatchObject({
      up: 0,
      lastSamples: 0,
      lastError: 'response exceeds maxBodyBytes (16384 bytes); raise ingest.prometheus.maxBodyBytes or scrape less',
    });
    expect((await b.records('prom')).some((r) => r.value!.toString().startsWith('huge_metric'))).toBe(false);
  }, 30_000);

  it('logs a target going down and coming back, once each', async () => {
    failing = true;
    await waitUntil('the node target to be down', () => b.ingest!.stats().prometheus![0]!.up === 0, { timeoutMs: 20_000 });
    expect(b.ingest!.stats().prometheus![0]!.lastError).toBe('HTTP 500 Internal Server Error');
    const downAt = b.ingest!.stats().prometheus![0]!.scrapes;
    await waitUntil('two more failed scrapes', () => b.ingest!.stats().prometheus![0]!.scrapes >= downAt + 2, { timeoutMs: 20_000 });
    failing = false;
    await waitUntil('the node target to be up again', () => b.ingest!.stats().prometheus![0]!.up === 1, { timeoutMs: 20_000 });
    const lines = b.log.lines.filter((l) => l.includes(`127.0.0.1:${port}/metrics`));
    expect(lines).toEqual([
      `warn prometheus scrape of http://127.0.0.1:${port}/metrics failed: HTTP 500 Internal Server Error (logged again only when it recovers)`,
      `info prometheus scrape of http://127.0.0.1:${port}/metrics works again`,
    ]);
  }, 30_000);
});
