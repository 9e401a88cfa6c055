// The settings the GUI shows: data directory, what new topics get, and where senders point (with the HTTP ingest's
// token), from a real app started with a config file.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../../src/app/app.js';
import { loadServeConfig } from '../../src/app/serve-config.js';
import { silentLogger } from '../../src/common/logger.js';

let app: App;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tributary-settings-'));
  const configFile = join(dir, 'config.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      topicDefaults: { 'retention.ms': '86400000', 'retention.bytes': '1073741824' },
      ingest: { http: { listen: '127.0.0.1:0', token: 's3cret', logsTopic: 'app-logs' }, syslog: { udp: '127.0.0.1:0', tls: '127.0.0.1:0', topic: 'sys' } },
    }),
  );
  app = await App.start(loadServeConfig({ configFile, dataDir: join(dir, 'data'), kafka: '127.0.0.1:0', http: '127.0.0.1:0' }), silentLogger);
});
afterAll(async () => {
  await app?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('GET /api/v1/settings', () => {
  it('says where data lives, what new topics get, and where each ingest endpoint listens with its token', async () => {
    const { host, port } = app.api!.address();
    const res = await fetch(`http://${host}:${port}/api/v1/settings`, { headers: { authorization: `Bearer ${app.api!.token}` } });
    expect(res.status).toBe(200);
    const s = await res.json();
    expect(s.dataDir).toBe(join(dir, 'data'));
    expect(s.topicDefaults['retention.ms']).toBe('86400000');
    expect(s.topicDefaults['retention.bytes']).toBe('1073741824');
    expect(s.topicDefaults['segment.bytes']).toMatch(/^\d+$/); // a default nobody set is there too
    const kafka = app.broker.address();
    expect(s.listeners).toContainEqual({ name: 'kafka', host: kafka.host, port: kafka.port });
    const http = s.ingest.find((e: { kind: string }) => e.kind === 'http ingest');
    const bound = app.listeners().find((l) => l.name === 'http ingest')!;
    expect(http).toMatchObject({ address: `${bound.host}:${bound.port}`, token: 's3cret', topics: ['app-logs', 'metrics'], tls: false });
    expect(s.ingest.find((e: { kind: string }) => e.kind === 'syslog udp')).toMatchObject({ topics: ['sys'], token: null, tls: false });
    const tls = app.listeners().find((l) => l.name === 'syslog tls')!;
    expect(s.ingest.find((e: { kind: string }) => e.kind === 'syslog tls')).toMatchObject({
      address: `${tls.host}:${tls.port}`,
      topics: ['sys'],
      token: null,
      tls: true,
      detail: expect.stringMatching(/^RFC 5425: .* over TLS 1\.2\+ \(the Kafka listeners' certificate\)$/),
    });
    // Behind the API's own token, like everything else.
    expect((await fetch(`http://${host}:${port}/api/v1/settings`)).status).toBe(401);
  });
});
