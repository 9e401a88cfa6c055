// docs/openapi.json is what the routes' schemas generate (regenerate with `npm run openapi`), and the server serves it.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageVersion } from '../../src/common/package-info.js';
import { openApiText } from '../../src/server/index.js';
import { startApp, type TestApp } from './helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await startApp();
});
afterAll(async () => {
  await t?.stop();
});

describe('OpenAPI document', () => {
  it('is checked in up to date (run `npm run openapi` after changing a route)', async () => {
    const checkedIn = readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8');
    expect(checkedIn, 'docs/openapi.json is stale: run `npm run openapi`').toBe(await openApiText(packageVersion()));
  });

  it('is served at /api/v1/openapi.json with every endpoint, each with a schema for its answers', async () => {
    const doc = await t.call('/api/v1/openapi.json', 200);
    expect(doc.openapi).toBe('3.0.3');
    const paths = Object.keys(doc.paths);
    for (const p of ['/api/v1/overview', '/api/v1/topics', '/api/v1/topics/{name}/configs', '/api/v1/topics/{name}/messages', '/api/v1/topics/{name}/messages/{partition}/{offset}', '/api/v1/groups/{id}/reset-offsets', '/api/v1/sources', '/api/v1/search', '/api/v1/tail', '/api/v1/overview/live']) {
      expect(paths).toContain(p);
    }
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>)) {
      for (const [method, op] of Object.entries(ops)) {
        expect(Object.keys(op.responses).some((s) => s.startsWith('2') || s === '101'), `${method} ${path} documents its answer`).toBe(true);
      }
    }
    expect((await t.api('/api/v1/openapi.json', { auth: false })).status).toBe(401);
  });
});
