// Flows and connections set in the config file are read-only through the API: PUT and DELETE answer 409 (the request
// is well formed, the entry's origin forbids it, as for alert rules) with a message that says to change it in the
// config file, and nothing changes, in memory or in the saved files. Beside them, the same routes still answer 400
// for bad settings, 404 for a missing entry, and save and remove entries of their own.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from './helpers.js';

let app: TestApp;
beforeAll(async () => {
  app = await startApp({
    // Nothing to follow and no topic to read: neither needs the unreachable address to answer.
    connections: { central: { bootstrap: '127.0.0.1:9' } },
    flows: [{ name: 'archive', source: { topic: 'app-logs' }, target: { kind: 'file', path: 'archive/app-logs.ndjson' } }],
  });
}, 60_000);
afterAll(async () => {
  await app?.stop();
});

const savedNames = (file: string): string[] => {
  const f = join(app.dataDir, '__meta', file);
  if (!existsSync(f)) return [];
  const doc = JSON.parse(readFileSync(f, 'utf8'));
  return Array.isArray(doc) ? doc.map((e: { name: string }) => e.name) : Object.keys(doc);
};

describe('entries of the config file through the API', () => {
  it('refuses to change or remove a config-file flow with 409, saying where to change it', async () => {
    expect(await app.call('/api/v1/flows/archive', 200)).toMatchObject({ origin: 'config', target: { kind: 'file', path: 'archive/app-logs.ndjson' } });
    const put = await app.api('/api/v1/flows/archive', { method: 'PUT', json: { source: { topic: 'other' }, target: { kind: 'topic', topic: 'copy' } } });
    expect(put.status).toBe(409);
    expect((await put.json()).error).toEqual({ code: 'CONFLICT', message: 'flow archive is set in the config file; change it there' });
    const del = await app.api('/api/v1/flows/archive', { method: 'DELETE' });
    expect(del.status).toBe(409);
    expect((await del.json()).error).toEqual({ code: 'CONFLICT', message: 'flow archive is set in the config file; remove it there' });
    expect(await app.call('/api/v1/flows/archive', 200)).toMatchObject({ origin: 'config', source: { topic: 'app-logs' }, target: { kind: 'file' } });
    expect(savedNames('flows.json')).not.toContain('archive');
  });

  it('refuses to change or remove a config-file connection with 409, saying where to change it', async () => {
    expect(await app.call('/api/v1/connections/central', 200)).toMatchObject({ source: 'config', bootstrap: ['127.0.0.1:9'] });
    const put = await app.api('/api/v1/connections/central', { method: 'PUT', json: { bootstrap: '127.0.0.1:19092' } });
    expect(put.status).toBe(409);
    expect((await put.json()).error).toEqual({ code: 'CONFLICT', message: 'connection central is set in the config file; change it there' });
    const del = await app.api('/api/v1/connections/central', { method: 'DELETE' });
    expect(del.status).toBe(409);
    expect((await del.json()).error).toEqual({ code: 'CONFLICT', message: 'connection central is set in the config file; remove it there' });
    expect(await app.call('/api/v1/connections/central', 200)).toMatchObject({ source: 'config', bootstrap: ['127.0.0.1:9'] });
    expect(savedNames('connections.json')).not.toContain('central');
  });

  it('still answers 400 for bad settings and 404 for a missing entry, and saves and removes API entries', async () => {
    const bad = await app.api('/api/v1/flows/mine', { method: 'PUT', json: { source: { topic: 'app-logs' }, target: { kind: 'nowhere' } } });
    expect(bad.status).toBe(400);
    expect((await app.api('/api/v1/flows/nope', { method: 'DELETE' })).status).toBe(404);
    expect((await app.api('/api/v1/connections/nope', { method: 'DELETE' })).status).toBe(404);

    expect(await app.call('/api/v1/flows/mine', 200, { method: 'PUT', json: { source: { topic: 'app-logs' }, target: { kind: 'topic', topic: 'mine-copy' } } })).toMatchObject({ origin: 'api' });
    expect(await app.call('/api/v1/connections/other', 200, { method: 'PUT', json: { bootstrap: '127.0.0.1:9' } })).toMatchObject({ source: 'api' });
    expect(savedNames('flows.json')).toEqual(['mine']);
    expect(savedNames('connections.json')).toEqual(['other']);
    await app.call('/api/v1/flows/mine', 204, { method: 'DELETE' });
    await app.call('/api/v1/connections/other', 204, { method: 'DELETE' });
    expect(savedNames('flows.json')).toEqual([]);
    expect(savedNames('connections.json')).toEqual([]);
  });
});
