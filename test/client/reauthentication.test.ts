// KIP-368 re-authentication: a broker that gives logins a session lifetime (Kafka's connections.max.reauth.ms) closes
// a connection whose session ended. Our broker sets none, so a small Kafka-speaking server on a real socket plays that
// broker here: it answers ApiVersions, SaslHandshake, SaslAuthenticate (PLAIN, 1 s sessions) and Metadata, and
// closes a connection that sends anything else after its session ended — as Kafka does.
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaClient } from '../../src/client/client.js';
import { FrameParser } from '../../src/protocol/framing.js';
import { readHeaderPrefix, writeResponseHeader } from '../../src/protocol/header.js';
import { Reader } from '../../src/protocol/reader.js';
import { codecFor, isFlexible, type MessageDef } from '../../src/protocol/schema.js';
import { ApiVersionsResponse } from '../../src/protocol/schemas/api-versions.js';
import { MetadataRequest, MetadataResponse } from '../../src/protocol/schemas/metadata.js';
import { SaslAuthenticateRequest, SaslAuthenticateResponse } from '../../src/protocol/schemas/sasl-authenticate.js';
import { SaslHandshakeResponse } from '../../src/protocol/schemas/sasl-handshake.js';
import { Writer } from '../../src/protocol/writer.js';

const SESSION_MS = 1000;
let server: Server;
let port: number;
/** Per accepted connection: the API keys it sent, in order. */
const connections: number[][] = [];

function reply(socket: Socket, def: MessageDef, version: number, correlationId: number, body: object): void {
  const w = new Writer();
  w.int32(0);
  writeResponseHeader(w, correlationId, def.apiKey !== 18 && isFlexible(def, version));
  codecFor(def, version).encode(w, body as never);
  const out = w.toBuffer();
  out.writeInt32BE(out.length - 4, 0);
  socket.write(out);
}

beforeAll(async () => {
  server = createServer((socket) => {
    const keys: number[] = [];
    connections.push(keys);
    const parser = new FrameParser(1 << 20);
    let sessionEnds = 0;
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => {
      for (const frame of parser.push(chunk)) {
        const r = new Reader(frame);
        const h = readHeaderPrefix(r);
        keys.push(h.apiKey);
        const flexible = (def: MessageDef) => isFlexible(def, h.apiVersion) && r.taggedFields();
        if (h.apiKey === 18) {
          reply(socket, ApiVersionsResponse, h.apiVersion, h.correlationId, {
            errorCode: 0,
            apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 0 }, { apiKey: 17, minVersion: 0, maxVersion: 1 }, { apiKey: 36, minVersion: 0, maxVersion: 2 }, { apiKey: 3, minVersion: 1, maxVersion: 1 }],
          });
        } else if (h.apiKey === 17) {
          reply(socket, SaslHandshakeResponse, h.apiVersion, h.correlationId, { errorCode: 0, mechanisms: ['PLAIN'] });
        } else if (h.apiKey === 36) {
          flexible(SaslAuthenticateRequest);
          const token = codecFor(SaslAuthenticateRequest, h.apiVersion).decode(r).authBytes.toString();
          const ok = token === '\0alice\0pw';
          if (ok) sessionEnds = Date.now() + SESSION_MS;
          reply(socket, SaslAuthenticateResponse, h.apiVersion, h.correlationId, {
            errorCode: ok ? 0 : 58, errorMessage: ok ? null : 'bad', authBytes: Buffer.alloc(0), sessionLifetimeMs: BigInt(ok ? SESSION_MS : 0),
          });
        } else if (h.apiKey === 3 && sessionEnds > Date.now()) {
          flexible(MetadataRequest);
          reply(socket, MetadataResponse, h.apiVersion, h.correlationId, { brokers: [{ nodeId: 1, host: '127.0.0.1', port, rack: null }], controllerId: 1, topics: [] });
        } else {
          socket.destroy(); // session over (or never started): Kafka closes the connection
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

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
      expect(connections).toHaveLength(1);
      const keys = connections[0]!;
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
