// File and HTTP targets against real files and a real node:http server: rotation by size with the kept count,
// resume after a torn last line with nothing twice; an endpoint that refuses the first requests (retried with
// backoff) and one that always refuses (its records end in the dead-letter topic).
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../server/helpers.js';
import { produce, readTopic, until } from './flow-helpers.js';

const dirs: string[] = [];
const apps: TestApp[] = [];
const servers: Server[] = [];
afterAll(async () => {
  for (const a of apps) await a.stop().catch(() => undefined);
  for (const s of servers) s.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
async function start(dataDir: string): Promise<TestApp> {
  const a = await startApp({ dataDir });
  apps.push(a);
  return a;
}

function filesOf(base: string): string[] {
  const out: string[] = [];
  for (let k = 0; k < 100; k++) {
    const f = k === 0 ? `${base}.ndjson` : `${base}.${k}.ndjson`;
    if (!existsSync(f)) break;
    out.push(f);
  }
  return out;
}

describe('file target', () => {
  it('rotates by size keeping N files, and resumes after a torn last line with every record once', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tributary-flows-file-'));
    dirs.push(dataDir);
    let app = await start(dataDir);
    await app.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'files', partitions: 2 } });
    await produce(app.kafka, 'files', Array.from({ length: 200 }, (_, i) => ({ key: `k${i}`, value: `line ${i} ${'y'.repeat(100)}`, partition: i % 2 })));
    await app.call('/api/v1/flows/tofile', 200, { method: 'PUT', json: { source: { topic: 'files' }, target: { kind: 'file', path: 'out/app.ndjson', maxBytes: 8192, keep: 20 } } });
    await app.call('/api/v1/flows/few', 200, { method: 'PUT', json: { source: { topic: 'files' }, target: { kind: 'file', path: 'out/few.ndjson', maxBytes: 8192, keep: 2 } } });
    await until('200 lines', async () => (await app.call('/api/v1/flows/tofile', 200)).recordsOut === 200 && (await app.call('/api/v1/flows/few', 200)).recordsOut === 200);
    const base = join(dataDir, 'out', 'app');
    expect(filesOf(base).length).toBeGreaterThan(3);
    for (const f of filesOf(base)) expect(statSync(f).size).toBeLessThanOrEqual(8192);
    expect(filesOf(join(dataDir, 'out', 'few'))).toHaveLength(2);

    await app.stop();
    // A kill in mid-write: the newest file ends inside a line.
    appendFileSync(`${base}.ndjson`, '{"topic":"files","partition":0,"offset":99999,"time');
    app = await start(dataDir);
    await produce(app.kafka, 'files', Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: `later ${i}`, partition: i % 2 })));
    await until('the rest', async () => (await app.call('/api/v1/flows/tofile', 200)).lag === 0 && filesOf(base).reduce((n, f) => n + readFileSync(f, 'utf8').split('\n').filter(Boolean).length, 0) >= 250);

    const lines = filesOf(base).flatMap((f) => readFileSync(f, 'utf8').split('\n').filter(Boolean));
    const parsed = lines.map((l) => JSON.parse(l)); // the torn line is gone: every line parses
    const ids = parsed.map((o) => `${o.partition}@${o.offset}`);
    expect(new Set(ids).size).toBe(ids.length);
    const source = await readTopic(app.kafka, 'files');
    expect(new Map(parsed.map((o) => [`${o.partition}@${o.offset}`, o.value]))).toEqual(new Map(source.map((r) => [`${r.partition}@${r.offset}`, r.value!.toString()])));
    expect(parsed[0]).toMatchObject({ topic: 'files', key: expect.any(String), headers: [], timestamp: expect.any(Number) });
  }, 120_000);
});

async function listen(handler: (req: IncomingMessage, body: string) => number): Promise<string> {
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      res.statusCode = handler(req, body);
      res.end();
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address() as { port: number };
  return `http://127.0.0.1:${addr.port}/ingest`;
}

describe('HTTP target', () => {
  it('retries refused requests with backoff, then delivers every record in NDJSON batches', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tributary-flows-http-'));
    dirs.push(dataDir);
    const app = await start(dataDir);
    let requests = 0;
    const received: Array<{ offset: number; value: string }> = [];
    const url = await listen((req, body) => {
      requests++;
      if (requests <= 2) return 503;
      if (req.headers['content-type'] !== 'application/x-ndjson' || req.headers['x-team'] !== 'ops') return 400;
      for (const l of body.split('\n').filter(Boolean)) received.push(JSON.parse(l));
      return 200;
    });
    await app.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'hooks', partitions: 1 } });
    await produce(app.kafka, 'hooks', Array.from({ length: 100 }, (_, i) => ({ value: `event ${i}` })));
    await app.call('/api/v1/flows/hook', 200, { method: 'PUT', json: { source: { topic: 'hooks' }, target: { kind: 'http', url, batchRecords: 40, headers: { 'x-team': 'ops' }, deadLetterTopic: 'hooks-dlq', attempts: 5 } } });
    const s = await until('100 delivered', async () => {
      const f = await app.call('/api/v1/flows/hook', 200);
      return f.recordsOut === 100 && f.lag === 0 && f;
    });
    expect(s.retries).toBeGreaterThanOrEqual(2);
    expect(s.deadLettered).toBe(0);
    expect(received.map((r) => r.offset)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(received.map((r) => r.value)).toEqual(Array.from({ length: 100 }, (_, i) => `event ${i}`));
    expect(requests).toBe(2 + 3); // two refused, then 40 + 40 + 20
    expect(JSON.parse(readFileSync(join(dataDir, '__meta', 'flows-state.json'), 'utf8')).hook).toEqual({ 0: 100 });
  }, 60_000);

  it('sends what keeps failing to the dead-letter topic and moves on', async () => {
    const app = apps[apps.length - 1]!;
    let requests = 0;
    const url = await listen(() => (requests++, 500));
    await app.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'doomed', partitions: 2 } });
    await produce(app.kafka, 'doomed', Array.from({ length: 60 }, (_, i) => ({ value: `lost ${i}`, partition: i % 2 })));
    await app.call('/api/v1/flows/dead', 200, { method: 'PUT', json: { source: { topic: 'doomed' }, target: { kind: 'http', url, batchRecords: 50, deadLetterTopic: 'doomed-dlq', attempts: 2 } } });
    const s = await until('60 dead-lettered', async () => {
      const f = await app.call('/api/v1/flows/dead', 200);
      return f.deadLettered === 60 && f.lag === 0 && f;
    });
    expect(requests).toBe(2 * 2); // one batch per partition, two attempts each
    const dlq = await readTopic(app.kafka, 'doomed-dlq');
    expect(dlq.map((r) => r.value!.toString()).sort()).toEqual(Array.from({ length: 60 }, (_, i) => `lost ${i}`).sort());
    for (const r of dlq) expect(r.header('tributary.error')).toMatch(/answered 500/);
    expect(s.state).toBe('running');
  }, 60_000);
});
