// KIP-368 re-authentication: a broker that gives logins a session lifetime (Kafka's connections.max.reauth.ms) closes
// a connection whose session ended. Our broker sets none, so a small Kafka-speaking server on a real socket
// (test/helpers/fake-kafka-server.ts, 1 s sessions) plays that broker here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaClient } from '../../src/client/client.js';
import { startFakeKafka, type FakeKafka } from '../helpers/fake-kafka-server.js';

const SESSION_MS = 1000;
let kafka: FakeKafka;
let port: number;

beforeAll(async () => {
  kafka = await startFakeKafka({ sessionMs: SESSION_MS });
  port = kafka.port;
});
afterAll(() => kafka.close());

describe('re-authentication', () => {
  it('logs in again on the same connection before the session ends, so requests keep working without a reconnect', async () => {
    const client = new KafkaClient({
      bootstrap: [`127.0.0.1:${port}`],
      clientId: 'reauth-test',
      security: { protocol: 'SASL_PLAINTEXT', sasl: { mechanism: 'PLAIN', username: 'alice', password: 'pw' } },
    });
    try {
      // Three session lifetimes, a request every 200 ms: any request after an ended session would close the connection.
      const started = Date.now();
      let requests = 0;
      while (Date.now() - started < 3 * SESSION_MS) {
        expect((await client.cluster.metadata(null)).brokers).toEqual([{ nodeId: 1, host: '127.0.0.1', port, rack: null }]);
        requests++;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(kafka.connections).toHaveLength(1);
      const keys = kafka.connections[0]!;
      expect(keys.slice(0, 3)).toEqual([18, 17, 36]);
      // At least two more logins (handshake then token) on the same connection, each between two Metadata requests.
      const logins = keys.flatMap((k, i) => (k === 17 && keys[i + 1] === 36 ? [i] : []));
      expect(logins.length).toBeGreaterThanOrEqual(3);
      expect(keys.filter((k) => k === 3)).toHaveLength(requests);
    } finally {
      await client.close();
    }
  }, 30_000);
});
