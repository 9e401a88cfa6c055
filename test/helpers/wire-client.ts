import { connect, type Socket } from 'node:net';
import { FrameParser } from '../../src/protocol/framing.js';
import { Reader } from '../../src/protocol/reader.js';
import { codecFor, isFlexible, type Decoded, type Encodable, type MessageDef } from '../../src/protocol/schema.js';
import { Writer } from '../../src/protocol/writer.js';

/** One request frame (size prefix, header v1/v2, body) encoded with our own codec. */
export function encodeRequest<Req extends MessageDef>(req: Req, version: number, body: Encodable<Req>, correlationId: number, clientId = 'wire-test'): Buffer {
  const w = new Writer();
  w.int32(0).int16(req.apiKey).int16(version).int32(correlationId).nullableString(clientId);
  if (isFlexible(req, version)) w.uvarint(0);
  codecFor(req, version).encode(w, body);
  const buf = w.toBuffer();
  buf.writeInt32BE(buf.length - 4, 0);
  return buf;
}

/** Decodes one response frame (without its size prefix); ApiVersions responses never use the flexible header. */
export function decodeResponse<Res extends MessageDef>(res: Res, version: number, frame: Buffer): { correlationId: number; body: Decoded<Res> } {
  const r = new Reader(frame);
  const correlationId = r.int32();
  if (res.apiKey !== 18 && isFlexible(res, version)) r.taggedFields();
  return { correlationId, body: codecFor(res, version).decode(r) };
}

/** A minimal Kafka client speaking through our own codec: requests in, decoded responses out, pipelined. */
export class WireClient {
  private parser = new FrameParser(1 << 30);
  private nextCorrelation = 1;
  private waiting = new Map<number, { resolve: (frame: Buffer) => void; reject: (e: Error) => void }>();
  closed: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.on('data', (d) => {
      for (const f of this.parser.push(d)) {
        const id = f.readInt32BE(0);
        const w = this.waiting.get(id);
        this.waiting.delete(id);
        w?.resolve(f);
      }
    });
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        for (const w of this.waiting.values()) w.reject(new Error('connection closed'));
        this.waiting.clear();
        resolve();
      }),
    );
  }

  /** `localAddress`: the loopback address to connect from (127.0.0.2, …), to look like another client machine. */
  static async connect(port: number, host = '127.0.0.1', localAddress?: string): Promise<WireClient> {
    const s = connect({ port, host, localAddress });
    await new Promise<void>((resolve, reject) => {
      s.once('connect', () => resolve());
      s.once('error', reject);
    });
    s.on('error', () => {});
    return new WireClient(s);
  }

  /** Over a socket already connected (a TLS socket after its handshake, for one). */
  static over(socket: Socket): WireClient {
    socket.on('error', () => {});
    return new WireClient(socket);
  }

  /** Encode a request frame without sending it. */
  frame<Req extends MessageDef>(req: Req, version: number, body: Encodable<Req>, correlationId = this.nextCorrelation++): Buffer {
    return encodeRequest(req, version, body, correlationId);
  }

  send<Req extends MessageDef, Res extends MessageDef>(req: Req, res: Res, version: number, body: Encodable<Req>): Promise<Decoded<Res>> {
    const id = this.nextCorrelation++;
    const frame = this.frame(req, version, body, id);
    const p = this.expect(res, version, id, req.apiKey === 18 ? false : isFlexible(req, version));
    this.socket.write(frame);
    return p;
  }

  /** Wait for the response with this correlation id. */
  expect<Res extends MessageDef>(res: Res, version: number, correlationId: number, flexibleHeader: boolean): Promise<Decoded<Res>> {
    return new Promise((resolve, reject) => {
      this.waiting.set(correlationId, {
        resolve: (f) => {
          try {
            const r = new Reader(f, 4);
            if (flexibleHeader) r.taggedFields();
            resolve(codecFor(res, version).decode(r));
          } catch (e) {
            reject(e);
          }
        },
        reject,
      });
    });
  }

  writeRaw(b: Buffer): void {
    this.socket.write(b);
  }

  close(): void {
    this.socket.destroy();
  }
}
