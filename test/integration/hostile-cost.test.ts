// Hostile input must cost the broker bounded time, against a real `tributary serve`. Defect 4 of issue 7: one HTTP
// ingest body with a 200,000-digit Prometheus sample value took 25 s to answer and stalled the Kafka listener for 5 s
// (a quadratic float regex ran on the event loop). The upload must get a prompt 4xx, and a Kafka client of the same
// broker must be served meanwhile: its Metadata round-trips, measured from outside the broker, must keep answering.
// Found by the fuzz campaign: a Kafka request of millions of tiny array elements (a 10 MB Metadata request of empty
// topic names took 15 s of CPU and 320 MB to decode) must be refused without that cost.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REQUEST_ARRAY_ELEMENTS_LIMIT } from '../../src/protocol/reader.js';
import { MetadataRequest, MetadataResponse } from '../../src/protocol/schemas/metadata.js';
import { brokerConfig } from '../helpers/broker-config.js';
import { startBroker, stopAllBrokers, type BrokerProcess } from '../helpers/broker-process.js';
import { WireClient } from '../helpers/wire-client.js';

let broker: BrokerProcess;
let httpPort: number;

beforeAll(async () => {
  broker = await startBroker({ args: ['--config', brokerConfig({ ingest: { http: { listen: '127.0.0.1:0' } } })] });
  const line = await broker.waitForLine(/^http ingest listener on 127\.0\.0\.1:(\d+)$/);
  httpPort = Number(/:(\d+)$/.exec(line)![1]);
}, 30_000);

afterAll(async () => {
  await stopAllBrokers();
});

/**
 * Sends Metadata requests back to back on one connection until `stop` resolves (plus one more round-trip), and
 * returns every round-trip time. A broker whose event loop is blocked answers none until it is free again.
 */
async function probeWhile(client: WireClient, stop: Promise<unknown>): Promise<number[]> {
  let done = false;
  void stop.finally(() => (done = true));
  const rtts: number[] = [];
  for (let last = false; !last; ) {
    last = done;
    const t0 = performance.now();
    await client.send(MetadataRequest, MetadataResponse, 1, { topics: [] });
    rtts.push(performance.now() - t0);
  }
  return rtts;
}

describe('a hostile HTTP ingest body does not block the broker', () => {
  it('a 200,000-digit Prometheus value gets a prompt 400 while Metadata round-trips keep answering', async () => {
    const client = await WireClient.connect(broker.port, broker.host);
    try {
      await client.send(MetadataRequest, MetadataResponse, 1, { topics: [] }); // connection warmed up
      const digits = '1'.repeat(200_000);
      for (const [what, body] of [
        ['digits, then a letter (the quadratic case)', `m ${digits}x\n`],
        ['digits only (too large for a 64-bit float)', `m ${digits}\n`],
        ['digits in the timestamp', `m 1 ${digits}x\n`],
      ] as const) {
        const t0 = performance.now();
        const upload = fetch(`http://127.0.0.1:${httpPort}/ingest/metrics?format=prometheus`, { method: 'POST', body }).then(async (r) => ({
          status: r.status,
          body: (await r.json()) as { error: string },
          ms: performance.now() - t0,
        }));
        const rtts = await probeWhile(client, upload);
        const res = await upload;
        // Generous bounds for a loaded 2-core machine; the defect took 25 s and stalled Kafka for 5 s.
        expect(rtts.reduce((a, b) => Math.max(a, b), 0), `${what}: slowest of ${rtts.length} Metadata round-trips during the upload`).toBeLessThan(1_000);
        expect(res.ms, `${what}: answer time`).toBeLessThan(5_000);
        expect(res.status, what).toBe(400);
        expect(res.body.error, what).toMatch(/^line 1: invalid (value|timestamp) '1{40}…' for m/);
        expect(res.body.error.length, what).toBeLessThan(300); // the value is not echoed back whole
      }
    } finally {
      client.close();
    }
  }, 120_000);

  it('a line over maxLineBytes gets 413 with its line number, and the broker stays responsive', async () => {
    const client = await WireClient.connect(broker.port, broker.host);
    try {
      const body = `m 1\n${'#'.repeat(2 * 1024 * 1024)}\n`;
      const upload = fetch(`http://127.0.0.1:${httpPort}/ingest/metrics?format=prometheus`, { method: 'POST', body });
      const rtts = await probeWhile(client, upload);
      const res = await upload;
      expect(res.status).toBe(413);
      expect(((await res.json()) as { error: string }).error).toBe(
        'line 2: 2097152 bytes exceeds maxLineBytes (1048576); split it into shorter lines or raise ingest.http.maxLineBytes',
      );
      expect(rtts.reduce((a, b) => Math.max(a, b), 0)).toBeLessThan(1_000);
    } finally {
      client.close();
    }
  }, 60_000);
});

describe('a hostile Kafka request does not block the broker', () => {
  it('a Metadata request of a million empty topic names closes that connection promptly; others keep being served', async () => {
    const client = await WireClient.connect(broker.port, broker.host);
    try {
      const n = 1_000_000;
      const frame = Buffer.alloc(4 + 2 + 2 + 4 + 2 + 4 + 2 * n); // size, api key, version, correlation id, client id, [topics]
      frame.writeInt32BE(frame.length - 4, 0);
      frame.writeInt16BE(3, 4); // Metadata
      frame.writeInt16BE(1, 6); // v1
      frame.writeInt32BE(1, 8);
      frame.writeInt16BE(-1, 12); // no client id
      frame.writeInt32BE(n, 14); // n topics, each an empty name (int16 0)
      const hostile = connect(broker.port, broker.host);
      hostile.on('error', () => {});
      const closed = new Promise<number>((resolve) => {
        const t0 = performance.now();
        hostile.on('close', () => resolve(performance.now() - t0));
        setTimeout(() => resolve(Infinity), 20_000).unref(); // still open: the assertion below says so
      });
      hostile.on('connect', () => hostile.end(frame));
      const rtts = await probeWhile(client, closed);
      const closeMs = await closed;
      hostile.destroy();
      expect(rtts.reduce((a, b) => Math.max(a, b), 0), `slowest of ${rtts.length} Metadata round-trips while the broker decoded the request`).toBeLessThan(1_000);
      expect(closeMs, 'time until the broker closed the hostile connection').toBeLessThan(5_000);
      await broker.waitForLine(new RegExp(`closing connection from .*: malformed MetadataRequest v1: more than ${REQUEST_ARRAY_ELEMENTS_LIMIT} array elements in one request`));
    } finally {
      client.close();
    }
  }, 60_000);
});
