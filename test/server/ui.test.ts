// `/` serves the GUI's built files when they exist (from the given directory), keeping the token cookie flow.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/logger.js';
import { buildApiApp, type ApiServices } from '../../src/server/index.js';

const dir = mkdtempSync(join(tmpdir(), 'tributary-ui-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the GUI files', () => {
  it('are served at / and below, without a token; the API still needs one', async () => {
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>GUI</title>');
    writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)');
    const services = { version: '0.0.0', logger: silentLogger } as unknown as ApiServices;
    const { app } = await buildApiApp(services, { token: 't'.repeat(43), loopbackOnly: true, uiDir: dir });
    try {
      const host = { host: '127.0.0.1:9300' };
      const index = await app.inject({ url: '/', headers: host });
      expect(index.statusCode).toBe(200);
      expect(index.body).toContain('<title>GUI</title>');
      const asset = await app.inject({ url: '/assets/app.js', headers: host });
      expect(asset.statusCode).toBe(200);
      expect(asset.headers['content-type']).toMatch(/javascript/);
      const signIn = await app.inject({ url: `/?token=${'t'.repeat(43)}`, headers: host });
      expect(signIn.statusCode).toBe(302);
      expect((await app.inject({ url: '/nothing.js', headers: host })).statusCode).toBe(404);
      expect((await app.inject({ url: '/api/v1/overview', headers: host })).statusCode).toBe(401);
    } finally {
      await app.close();
    }
  });
});
