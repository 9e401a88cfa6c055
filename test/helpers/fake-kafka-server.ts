// A small Kafka-speaking server on a real socket (TCP or TLS), for client behaviour our broker does not exercise:
// KIP-368 session lifetimes, TLS client-certificate checks, a SCRAM server that cannot prove the key. It answers ApiVersions, SaslHandshake, SaslAuthenticate
// (PLAIN alice/pw, sessions of `sessionMs`) and Metadata, records every connection's API keys, and closes a connection
// that asks for anything else, or for Metadata without a live session when logins are required — as Kafka does.
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket, type TlsOptions } from 'node:tls';
import { FrameParser } from '../../src/protocol/framing.js';
import { readHeaderPrefix, writeResponseHeader } from '../../src/protocol/header.js';
import { Reader } from '../../src/protocol/reader.js';
import { codecFor, isFlexible, type MessageDef } from '../../src/protocol/schema.js';
import { ApiVersionsResponse } from '../../src/protocol/schemas/api-versions.js';
import { MetadataRequest, MetadataResponse } from '../../src/protocol/schemas/metadata.js';
import { SaslAuthenticateRequest, SaslAuthenticateResponse } from '../../src/protocol/schemas/sasl-authenticate.js';
import { SaslHandshakeResponse } from '../../src/protocol/schemas/sasl-handshake.js';
import { Writer } from '../../src/protocol/writer.js';

export interface FakeKafka {
  port: number;
  /** Per accepted connection: the API keys it sent, in order. */
  connections: number[][];
  /** Per TLS connection that got as far as a request: the client certificate's subject CN, or null. */
  clientNames: Array<string | null>;
  close(): Promise<void>;
}

function reply(socket: Socket, def: MessageDef, version: number, correlationId: number, body: object): void {
  const w = new Writer();
  w.int32(0);
  writeResponseHeader(w, correlationId, def.apiKey !== 18 && isFlexible(def, version));
  codecFor(def, version).encode(w, body as never);
  const out = w.toBuffer();
  out.writeInt32BE(out.length - 4, 0);
  socket.write(out);
}

export interface FakeKafkaOptions {
  sessionMs?: number;
  requireLogin?: boolean;
  tls?: TlsOptions;
  /** Answer SCRAM-SHA-256 with a valid-looking challenge and a made-up server signature (a server without the key). */
  impostorScram?: boolean;
}

export async function startFakeKafka(options: FakeKafkaOptions = {}): Promise<FakeKafka> {
  const sessionMs = options.sessionMs ?? 0;
  const requireLogin = options.requireLogin ?? true;
  const connections: number[][] = [];
  const clientNames: Array<string | null> = [];
  let port = 0;
  const serve = (socket: Socket) => {
    const keys: number[] = [];
    connections.push(keys);
    if (options.tls) clientNames.push(((socket as TLSSocket).getPeerCertificate()?.subject?.CN as string | undefined) ?? null);
    const parser = new FrameParser(1 << 20);
    let sessionEnds = 0;
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => {
      for (const frame of parser.push(chunk)) {
        const r = new Reader(frame);
        const h = readHeaderPrefix(r);
        keys.push(h.apiKey);
        const skipTags = (def: MessageDef) => isFlexible(def, h.apiVersion) && r.taggedFields();
        if (h.apiKey === 18) {
          reply(socket, ApiVersionsResponse, h.apiVersion, h.correlationId, {
            errorCode: 0,
            apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 0 }, { apiKey: 17, minVersion: 0, maxVersion: 1 }, { apiKey: 36, minVersion: 0, maxVersion: 2 }, { apiKey: 3, minVersion: 1, maxVersion: 1 }],
          });
        } else if (h.apiKey === 17) {
          reply(socket, SaslHandshakeResponse, h.apiVersion, h.correlationId, { errorCode: 0, mechanisms: ['PLAIN', 'SCRAM-SHA-256'] });
        } else if (h.apiKey === 36) {
          skipTags(SaslAuthenticateRequest);
          const token = codecFor(SaslAuthenticateRequest, h.apiVersion).decode(r).authBytes.toString();
          if (options.impostorScram && token.startsWith('n,,')) {
            // SCRAM as an impostor would play it: a well-formed challenge, then "success" without knowing the key.
            const nonce = /,r=([^,]+)/.exec(token)![1];
            const first = `r=${nonce}impostor,s=${Buffer.from('salt-salt-salt').toString('base64')},i=4096`;
            reply(socket, SaslAuthenticateResponse, h.apiVersion, h.correlationId, { errorCode: 0, errorMessage: null, authBytes: Buffer.from(first), sessionLifetimeMs: 0n });
            continue;
          }
          if (options.impostorScram && token.startsWith('c=')) {
            sessionEnds = Infinity;
            reply(socket, SaslAuthenticateResponse, h.apiVersion, h.correlationId, { errorCode: 0, errorMessage: null, authBytes: Buffer.from(`v=${Buffer.alloc(32, 7).toString('base64')}`), sessionLifetimeMs: 0n });
            continue;
          }
          const ok = token === '\0alice\0pw';
          if (ok) sessionEnds = sessionMs > 0 ? Date.now() + sessionMs : Infinity;
          reply(socket, SaslAuthenticateResponse, h.apiVersion, h.correlationId, {
            errorCode: ok ? 0 : 58, errorMessage: ok ? null : 'bad', authBytes: Buffer.alloc(0), sessionLifetimeMs: BigInt(ok ? sessionMs : 0),
          });
        } else if (h.apiKey === 3 && (!requireLogin || sessionEnds > Date.now())) {
          skipTags(MetadataRequest);
          reply(socket, MetadataResponse, h.apiVersion, h.correlationId, { brokers: [{ nodeId: 1, host: '127.0.0.1', port, rack: null }], controllerId: 1, topics: [] });
        } else {
          socket.destroy(); // not logged in, or the session ended: Kafka closes the connection
        }
      }
    });
  };
  const server: Server = options.tls ? createTlsServer(options.tls, serve) : createTcpServer(serve);
  if (options.tls) server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
  return {
    port,
    connections,
    clientNames,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
