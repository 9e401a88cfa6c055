import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadServeConfig } from '../../src/app/serve-config.js';
import { ConfigError } from '../../src/broker/config.js';

function withFile(values: Record<string, unknown>, flags: { http?: string; httpPublic?: boolean } = {}) {
  const file = join(mkdtempSync(join(tmpdir(), 'tributary-api-config-')), 'broker.json');
  writeFileSync(file, JSON.stringify(values));
  return loadServeConfig({ configFile: file, dataDir: '/tmp/x', ...flags });
}

describe('API config', () => {
  it('is on by default, on loopback port 9300', () => {
    expect(loadServeConfig({ dataDir: '/tmp/x' }).api).toEqual({ listen: { host: '127.0.0.1', port: 9300 }, public: false, maxConcurrentReads: 8 });
  });

  it('takes --http and the file key; :PORT is loopback; off disables it; the flag wins', () => {
    expect(loadServeConfig({ dataDir: '/tmp/x', http: ':9400' }).api?.listen).toEqual({ host: '127.0.0.1', port: 9400 });
    expect(loadServeConfig({ dataDir: '/tmp/x', http: 'off' }).api).toBeNull();
    expect(withFile({ http: 'OFF' }).api).toBeNull();
    expect(withFile({ http: '[::1]:0', httpMaxConcurrentReads: 3 }).api).toEqual({ listen: { host: '::1', port: 0 }, public: false, maxConcurrentReads: 3 });
    expect(withFile({ http: 'off' }, { http: '127.0.0.1:9301' }).api?.listen.port).toBe(9301);
  });

  it('needs httpPublic for an address other machines can reach', () => {
    expect(() => loadServeConfig({ dataDir: '/tmp/x', http: '0.0.0.0:9300' })).toThrow(ConfigError);
    expect(() => loadServeConfig({ dataDir: '/tmp/x', http: '0.0.0.0:9300' })).toThrow(/--http-public/);
    expect(loadServeConfig({ dataDir: '/tmp/x', http: '0.0.0.0:9300', httpPublic: true }).api).toMatchObject({ public: true, listen: { host: '0.0.0.0' } });
    expect(withFile({ http: '10.0.0.5:9300', httpPublic: true }).api?.public).toBe(true);
  });

  it('refuses bad values with the key', () => {
    expect(() => withFile({ http: 9300 })).toThrow(/http must be "HOST:PORT" or "off"/);
    expect(() => withFile({ http: 'nowhere' })).toThrow(/http \(the API listener\): "nowhere" is not HOST:PORT/);
    expect(() => withFile({ httpPublic: 'yes' })).toThrow(/httpPublic must be true or false/);
    expect(() => withFile({ httpMaxConcurrentReads: 0 })).toThrow(/httpMaxConcurrentReads must be a whole number/);
  });
});
