// Flows between real parts: a derived topic (query + reshape) inside one in-process app, and a forward to a second
// in-process app through a connection, each across a restart of the local app, every record exactly once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../server/helpers.js';
import { byPartition, lastMarks, marksOf, produce, readTopic, until } from './flow-helpers.js';

const dirs: string[] = [];
let remoteApp: TestApp;
const apps: TestApp[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tributary-flows-'));
  dirs.push(d);
  return d;
}
async function start(dataDir?: string): Promise<TestApp> {
  const a = await startApp(dataDir ? { dataDir } : {});
  apps.push(a);
  return a;
}
afterAll(async () => {
  for (const a of apps) await a.stop().catch(() => undefined);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const logLine = (i: number, tag: string) => JSON.stringify({ level: i % 5 === 0 ? 'error' : 'info', msg: `${tag} ${i}`, host: `h${i % 4}`, extra: { big: 'x'.repeat(i % 7) } });

describe('derived topic', () => {
  it('copies the records a query matches, reshaped to the chosen fields, exactly once across a restart', async () => {
    const dataDir = tempDir();
    let app = await start(dataDir);
    await app.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'app-logs', partitions: 3 } });
    await produce(app.kafka, 'app-logs', Array.from({ length: 90 }, (_, i) => ({ key: `k${i}`, value: logLine(i, 'first'), partition: i % 3 })));
    const flow = { source: { topic: 'app-logs', query: 'level:error' }, target: { kind: 'topic', topic: 'errors', reshape: { fields: ['level', 'msg', 'host'], from: 'json' } } };
    const put = await app.call('/api/v1/flows/errs', 200, { method: 'PUT', json: flow });
    expect(put).toMatchObject({ name: 'errs', origin: 'api', source: { topic: 'app-logs', query: 'level:error' } });
    await until('18 derived records', async () => (await app.call('/api/v1/flows/errs', 200)).recordsOut === 18);
    const status = await until('no lag', async () => {
      const s = await app.call('/api/v1/flows/errs', 200);
      return s.lag === 0 && s.partitions.length === 3 && s;
    });
    expect(status.state).toBe('running');
    expect(status.partitions.map((p: { position: number }) => p.position)).toEqual([30, 30, 30]);

    await app.stop();
    // Without the checkpoint file the position must come from the derived topic's last record.
    rmSync(join(dataDir, '__meta', 'flows-state.json'), { force: true });
    app = await start(dataDir);
    await produce(app.kafka, 'app-logs', Array.from({ length: 60 }, (_, i) => ({ key: `k${i}`, value: logLine(i, 'second'), partition: i % 3 })));
    await until('the flow to catch up after the restart', async () => (await app.call('/api/v1/flows/errs', 200)).lag === 0 && (await readTopic(app.kafka, 'errors')).length >= 30);

    const source = await readTopic(app.kafka, 'app-logs');
    const errors = source.filter((r) => JSON.parse(r.value!.toString()).level === 'error');
    expect(errors).toHaveLength(30);
    const derived = await readTopic(app.kafka, 'errors');
    // Partition by partition, in order, each error once: reshaped, key and timestamp kept, in the same partition.
    const reshaped = (v: string) => {
      const o = JSON.parse(v);
      return JSON.stringify({ level: o.level, msg: o.msg, host: o.host });
    };
    const want = byPartition(errors, (r) => [r.key?.toString(), r.timestamp, reshaped(r.value!.toString())]);
    expect(byPartition(derived, (r) => [r.key?.toString(), r.timestamp, r.value!.toString()])).toEqual(want);
    // The last record of each partition says where the copy stopped; only batches' last records are marked.
    lastMarks(derived, 'app-logs', new Map([...byPartition(errors, (r) => r.offset)].map(([p, o]) => [p, o[o.length - 1]!])));
    expect(marksOf(derived).length).toBeLessThan(derived.length);
  }, 120_000);

  it('answers bad flows with a clear 400', async () => {
    const app = apps[apps.length - 1]!;
    const bad = async (body: unknown, re: RegExp) => {
      const res = await app.api('/api/v1/flows/bad', { method: 'PUT', json: body });
      expect(res.status).toBe(400);
      expect((await res.json()).error.message).toMatch(re);
    };
    await bad({ source: { topic: 'app-logs', query: 'level:(' }, target: { kind: 'topic', topic: 'x' } }, /query/);
    await bad({ source: { topic: 'app-logs' }, target: { kind: 'topic', topic: 'app-logs' } }, /differ from the source/);
    await bad({ source: { topic: 'app-logs' }, target: { kind: 'ftp' } }, /kind must be/);
    await bad({ source: { topic: 'app-logs' }, target: { kind: 'file', path: 'out.txt' } }, /\.ndjson/);
    await bad({ source: { topic: 'app-logs' }, target: { kind: 'http', url: 'ftp://x', deadLetterTopic: 'dlq' } }, /http/);
    await bad({ source: { topic: 'app-logs' }, target: { kind: 'topic', topic: 'x', reshape: { fields: [] } } }, /fields/);
    await bad({ name: 'other', source: { topic: 'app-logs' }, target: { kind: 'topic', topic: 'x' } }, /names the flow/);
    expect((await app.api('/api/v1/flows/nope')).status).toBe(404);
    expect((await app.api('/api/v1/flows/nope', { method: 'DELETE' })).status).toBe(404);
  });
});

describe('forward to a remote cluster', () => {
  it('copies every record exactly once to the remote topic across a restart of the local app', async () => {
    const remote = (remoteApp = await start());
    const dataDir = tempDir();
    let local = await start(dataDir);
    await local.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'ship', partitions: 3 } });
    await produce(local.kafka, 'ship', Array.from({ length: 300 }, (_, i) => ({ key: `k${i % 11}`, value: `first ${i}` })));
    await local.call('/api/v1/connections/central', 200, { method: 'PUT', json: { bootstrap: remote.kafka } });
    await local.call('/api/v1/flows/out', 200, { method: 'PUT', json: { source: { topic: 'ship' }, target: { kind: 'remote', connection: 'central', topic: 'shipped' } } });
    await until('300 records on the remote', async () => (await local.call('/api/v1/flows/out', 200)).recordsOut === 300);

    await local.stop();
    // Without the checkpoint file the position must come from the remote topic's last records.
    rmSync(join(dataDir, '__meta', 'flows-state.json'), { force: true });
    local = await start(dataDir);
    await produce(local.kafka, 'ship', Array.from({ length: 200 }, (_, i) => ({ key: `k${i % 11}`, value: `second ${i}` })));
    await until('the flow to catch up after the restart', async () => {
      const s = await local.call('/api/v1/flows/out', 200);
      return s.lag === 0 && s.partitions.length === 3 && s.state === 'running';
    });
    const source = await readTopic(local.kafka, 'ship');
    const copied = await readTopic(remote.kafka, 'shipped');
    expect(source).toHaveLength(500);
    expect(byPartition(copied, (r) => r.value!.toString())).toEqual(byPartition(source, (r) => r.value!.toString()));
    lastMarks(copied, 'ship', new Map([...byPartition(source, (r) => r.offset)].map(([p, o]) => [p, o[o.length - 1]!])));
    expect(marksOf(copied).length).toBeLessThan(copied.length);
  }, 120_000);

  it('forwards a backlog larger than a broker takes in one produce request', async () => {
    const local = apps[apps.length - 1]!;
    await local.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'backlog', partitions: 1 } });
    // 1 MiB source reads hold ~2,500 of these; with the records' overhead that is about the default max.message.bytes.
    await produce(local.kafka, 'backlog', Array.from({ length: 6000 }, (_, i) => ({ value: `${i} ${'b'.repeat(400)}` })));
    await local.call('/api/v1/flows/backlog', 200, { method: 'PUT', json: { source: { topic: 'backlog' }, target: { kind: 'remote', connection: 'central', topic: 'backlog' } } });
    const s = await until('the backlog on the remote', async () => {
      const f = await local.call('/api/v1/flows/backlog', 200);
      return f.recordsOut === 6000 && f;
    });
    expect(s.errors).toBe(0);
    expect((await readTopic(remoteApp.kafka, 'backlog')).map((r) => r.offset)).toHaveLength(6000);
  }, 60_000);

  it('refuses a remote topic whose partitions differ from the source, saying why', async () => {
    const remote = remoteApp;
    const local = apps[apps.length - 1]!;
    await remote.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'narrow', partitions: 1 } });
    await local.call('/api/v1/flows/narrow', 200, { method: 'PUT', json: { source: { topic: 'ship' }, target: { kind: 'remote', connection: 'central', topic: 'narrow' } } });
    const s = await until('the error', async () => {
      const f = await local.call('/api/v1/flows/narrow', 200);
      return f.lastError && f;
    });
    expect(s.state).toBe('retrying');
    expect(s.lastError).toMatch(/has 1 partitions but the source has 3/);
    await local.call('/api/v1/flows/narrow', 204, { method: 'DELETE' });
  }, 60_000);
});
