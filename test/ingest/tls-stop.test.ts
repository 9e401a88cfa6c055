// Stopping ingest does not wait out a sender stalled in its TLS handshake (10 s by default): its connection is closed
// with the rest, for HTTPS and for syslog over TLS.
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startIngestBroker } from './helpers.js';

describe('stopping TLS ingest listeners', () => {
  it.each([
    ['http ingest', { http: { listen: '127.0.0.1:0', tls: true } }],
    ['syslog tls', { syslog: { tls: '127.0.0.1:0' } }],
  ] as const)('%s: a connection silent before its handshake does not hold the stop', async (name, ingest) => {
    const b = await startIngestBroker(ingest);
    const s = connect(b.listener(name).port, '127.0.0.1');
    s.on('error', () => {});
    const closed = new Promise((r) => s.once('close', r));
    await new Promise((r) => s.once('connect', r));
    const t0 = Date.now();
    await b.stop();
    await closed;
    // The handshake timeout is 10 s; closing takes the listener's grace period (1-2 s) plus machine load.
    expect(Date.now() - t0).toBeLessThan(8_000);
  }, 30_000);
});
