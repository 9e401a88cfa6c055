// Dashboards saved through the API land in the data directory, survive a restart, and are validated.
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from './helpers.js';

const dirs: string[] = [];
const apps: TestApp[] = [];
afterAll(async () => {
  for (const a of apps) await a.stop().catch(() => {});
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tributary-dash-'));
  dirs.push(d);
  return d;
}

async function start(dataDir: string): Promise<TestApp> {
  const t = await startApp({ dataDir });
  apps.push(t);
  return t;
}

const hosts = {
  title: 'Web hosts',
  from: '6h',
  charts: [
    { kind: 'metric', title: 'CPU', measurement: 'cpu', field: 'usage_active', where: 'cpu=total', agg: 'avg', by: 'host' },
    { kind: 'logs', q: 'level:error', by: 'host', topic: 'app-logs' },
  ],
};

describe('dashboards API', () => {
  it('saves, lists, reads, replaces and deletes, and keeps them across a restart', async () => {
    const dir = tempDir();
    let t = await start(dir);
    expect(await t.call('/api/v1/dashboards', 200)).toEqual({ dashboards: [] });
    await t.call('/api/v1/dashboards/web', 404);

    const saved = await t.call('/api/v1/dashboards/web', 200, { method: 'PUT', json: hosts });
    expect(saved).toMatchObject({ id: 'web', ...hosts });
    expect(saved.updatedAt).toBeGreaterThan(Date.now() - 60_000);
    // On disk before the answer: the file in the data directory holds it.
    const file = join(dir, '__meta', 'dashboards.json');
    expect(JSON.parse(readFileSync(file, 'utf8')).dashboards[0]).toMatchObject({ id: 'web', title: 'Web hosts' });
    expect(existsSync(`${file}.tmp`)).toBe(false);

    await t.call('/api/v1/dashboards/db', 200, { method: 'PUT', json: { title: 'Arch DB', charts: [] } });
    expect((await t.call('/api/v1/dashboards', 200)).dashboards.map((d: { id: string }) => d.id)).toEqual(['db', 'web']);

    const replaced = await t.call('/api/v1/dashboards/web', 200, { method: 'PUT', json: { ...hosts, title: 'Web', charts: hosts.charts.slice(0, 1) } });
    expect(replaced.charts).toHaveLength(1);

    await t.stop();
    t = await start(dir);
    expect(await t.call('/api/v1/dashboards/web', 200)).toMatchObject({ id: 'web', title: 'Web', from: '6h', charts: [hosts.charts[0]] });
    expect(await t.call('/api/v1/dashboards/db', 200, { method: 'DELETE' })).toEqual({ id: 'db', deleted: true });
    await t.call('/api/v1/dashboards/db', 404, { method: 'DELETE' });
    expect((await t.call('/api/v1/dashboards', 200)).dashboards.map((d: { id: string }) => d.id)).toEqual(['web']);
    expect(JSON.parse(readFileSync(file, 'utf8')).dashboards.map((d: { id: string }) => d.id)).toEqual(['web']);
  });

  it('refuses bad ids and bodies with a 400, and needs the token', async () => {
    const t = await start(tempDir());
    await t.call('/api/v1/dashboards/Bad%20Id', 400, { method: 'PUT', json: hosts });
    await t.call('/api/v1/dashboards/x', 400, { method: 'PUT', json: { title: 'x', charts: [{ kind: 'bogus' }] } });
    await t.call('/api/v1/dashboards/x', 400, { method: 'PUT', json: { title: '', charts: [] } });
    await t.call('/api/v1/dashboards/x', 400, { method: 'PUT', json: { title: 'x', charts: [], extra: 1 } });
    await t.call('/api/v1/dashboards/x', 400, { method: 'PUT', json: { title: 'x', charts: Array.from({ length: 49 }, () => ({ kind: 'logs' })) } });
    expect((await t.api('/api/v1/dashboards', { auth: false })).status).toBe(401);
    expect((await t.call('/api/v1/dashboards', 200)).dashboards).toEqual([]);
  });

  it('keeps a damaged file aside instead of failing to start', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, '__meta'), { recursive: true });
    writeFileSync(join(dir, '__meta', 'dashboards.json'), '{"dashboards": [');
    const t = await start(dir);
    expect((await t.call('/api/v1/dashboards', 200)).dashboards).toEqual([]);
    expect(readFileSync(join(dir, '__meta', 'dashboards.json.bad'), 'utf8')).toBe('{"dashboards": [');
    await t.call('/api/v1/dashboards/a', 200, { method: 'PUT', json: { title: 'A', charts: [] } });
  });
});

describe('DashboardStore', () => {
  it('takes back a change whose write failed, so the list stays what is on disk', async () => {
    const { DashboardStore } = await import('../../src/server/dashboard-store.js');
    const dir = tempDir();
    const store = DashboardStore.open(dir);
    await store.put('a', { title: 'A', charts: [] });
    // A directory where the temp file must go makes the next write fail.
    mkdirSync(join(dir, '__meta', 'dashboards.json.tmp'));
    await expect(store.put('b', { title: 'B', charts: [] })).rejects.toThrow();
    await expect(store.delete('a')).rejects.toThrow();
    expect(store.list().map((d) => d.id)).toEqual(['a']);
    expect(JSON.parse(readFileSync(join(dir, '__meta', 'dashboards.json'), 'utf8')).dashboards.map((d: { id: string }) => d.id)).toEqual(['a']);
  });
});
