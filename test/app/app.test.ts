import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { App } from '../../src/app/app.js';
import { loadBrokerConfig } from '../../src/broker/config.js';
import { silentLogger } from '../../src/common/logger.js';
import { parseIngestConfig } from '../../src/ingest/config.js';
import { memoryLogger } from '../ingest/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'tributary-ingest-startup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config = (ingest: unknown) => ({ broker: loadBrokerConfig({ dataDir: dir, kafka: '127.0.0.1:0' }), ingest: parseIngestConfig(ingest) });

describe('app startup with ingest', () => {
  it('fails the start when a listener cannot bind, says which key to change, and releases everything', async () => {
    const taken = createSocket('udp4');
    await new Promise<void>((resolve) => taken.bind(0, '127.0.0.1', () => resolve()));
    const port = taken.address().port;
    try {
      await expect(App.start(config({ http: { listen: '127.0.0.1:0' }, syslog: { udp: `127.0.0.1:${port}` } }), silentLogger)).rejects.toThrow(
        new RegExp(`^cannot listen for syslog udp on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE.* — something else is using it; choose another port in ingest\\.syslog\\.udp$`),
      );
    } finally {
      taken.close();
    }
    // The data directory lock and the Kafka port were released: the same directory starts fine now.
    const b = await App.start(config({ syslog: { udp: `127.0.0.1:${port}` } }), silentLogger);
    expect(b.listeners()).toEqual([{ name: 'syslog udp', host: '127.0.0.1', port }]);
    await b.stop();
  });

  it('warns when a listener accepts other machines unencrypted', async () => {
    const log = memoryLogger();
    const b = await App.start(config({ http: { listen: '0.0.0.0:0', token: 't0ken' }, syslog: { tcp: '0.0.0.0:0' } }), log);
    try {
      const warnings = log.lines.filter((l) => l.startsWith('warn'));
      expect(warnings).toEqual([
        expect.stringMatching(/^warn syslog tcp listener on 0\.0\.0\.0:\d+ accepts messages from other machines \(no authentication in syslog, no encryption\)$/),
        expect.stringMatching(/^warn http ingest listener on 0\.0\.0\.0:\d+ accepts writes from other machines over plain HTTP: the token and the logs cross the network unencrypted; set "tls": true in ingest\.http$/),
      ]);
    } finally {
      await b.stop();
    }
  });

  it('has no ingest at all when none is configured', async () => {
    const b = await App.start(config({}), silentLogger);
    expect(b.ingest).toBeNull();
    expect(b.listeners()).toEqual([]);
    await b.stop();
  });
});
