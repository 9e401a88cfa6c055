import { FrameParser } from '../protocol/framing.js';
import { readHeaderPrefix, writeResponseHeader, type RequestHeader } from '../protocol/header.js';
import { Reader } from '../protocol/reader.js';
import { codecFor, inRange, isFlexible } from '../protocol/schema.js';
import { Writer } from '../protocol/writer.js';
import { ApiVersionsResponse } from '../protocol/schemas/api-versions.js';
import { errorCode } from '../protocol/errors.js';
import type { ApiHandler, RequestContext } from './api.js';
import type { ClientInfo } from './client-info.js';
import type { BrokerServices } from './services.js';
import type { Transport } from './transport.js';

const API_VERSIONS_KEY = 18;

/** What a connection needs from the broker that accepted it. */
export interface ConnectionDeps {
  services: BrokerServices;
  /** Every API answered, by key. */
  apis: ReadonlyMap<number, ApiHandler>;
  /** Called once, when the connection has closed. */
  onClosed(c: Connection): void;
}

interface Slot {
  done: boolean;
  frame: Buffer[] | null;
}

/**
 * One client connection: frames in, ordered responses out. Requests run concurrently,
 * but responses leave in request order (Kafka's pipelining guarantee). Anything that
 * cannot be decoded closes this connection only.
 */
export class Connection {
  private readonly parser: FrameParser;
  private readonly queue: Slot[] = [];
  private readonly abort = new AbortController();
  private readonly services: BrokerServices;
  private closed = false;
  private paused = false;

  constructor(
    private readonly transport: Transport,
    private readonly deps: ConnectionDeps,
    readonly info: ClientInfo,
  ) {
    this.services = deps.services;
    this.parser = new FrameParser(this.services.limits.maxRequestBytes);
    transport.start({ data: (chunk) => this.onData(chunk), drain: () => this.maybeResume(), close: () => this.onClose() });
  }

  describe(): string {
    return `${this.info.remoteAddress}:${this.info.remotePort}${this.info.clientId ? ` (${this.info.clientId})` : ''}`;
  }

  close(reason?: string): void {
    if (this.closed) return;
    if (reason) this.services.logger.warn(`closing connection from ${this.describe()}: ${reason}`);
    this.closed = true;
    this.abort.abort();
    this.transport.close();
  }

  private onClose(): void {
    this.closed = true;
    this.abort.abort();
    this.deps.onClosed(this);
  }

  private onData(chunk: Buffer): void {
    this.info.bytesIn += chunk.length;
    let frames: Buffer[];
    try {
      frames = this.parser.push(chunk);
    } catch (e) {
      this.close((e as Error).message);
      return;
    }
    for (const f of frames) {
      if (this.closed) return;
      this.dispatch(f);
    }
    if (this.queue.length >= this.services.limits.maxInFlightRequests && !this.paused) {
      this.paused = true;
      this.transport.pauseReading();
    }
  }

  private dispatch(frame: Buffer): void {
    const r = new Reader(frame);
    let header: RequestHeader;
    try {
      header = readHeaderPrefix(r);
    } catch (e) {
      this.close(`malformed request header: ${(e as Error).message}`);
      return;
    }
    this.info.requests++;
    if (header.clientId !== null) this.info.clientId = header.clientId;
    const api = this.deps.apis.get(header.apiKey);
    if (!api) {
      this.close(`unknown API key ${header.apiKey}`);
      return;
    }
    if (!inRange(api.request.validVersions, header.apiVersion)) {
      if (header.apiKey === API_VERSIONS_KEY) {
        // KIP-511: answer an unknown ApiVersions version with a v0 response so the client can retry lower.
        this.enqueueImmediate(header.correlationId, false, (w) =>
          codecFor(ApiVersionsResponse, 0).encode(w, { errorCode: errorCode('UNSUPPORTED_VERSION'), apiKeys: this.services.identity.apiVersions() }),
        );
        return;
      }
      this.close(`${api.request.name} v${header.apiVersion} is not supported (supported: ${api.request.validVersions})`);
      return;
    }
    const flexible = isFlexible(api.request, header.apiVersion);
    let req: unknown;
    try {
      if (flexible) r.taggedFields();
      req = codecFor(api.request, header.apiVersion).decode(r);
    } catch (e) {
      this.close(`malformed ${api.request.name} v${header.apiVersion}: ${(e as Error).message}`);
      return;
    }
    const slot: Slot = { done: false, frame: null };
    this.queue.push(slot);
    const ctx: RequestContext = { ...this.services, header, client: this.info, signal: this.abort.signal };
    const responseFlexibleHeader = flexible && header.apiKey !== API_VERSIONS_KEY;
    Promise.resolve()
      .then(() => api.handle(ctx, req as never))
      .then(
        (res) => {
          if (res !== null) {
            slot.frame = this.frameOf(header.correlationId, responseFlexibleHeader, (w) =>
              codecFor(api.response, header.apiVersion).encode(w, res as never),
            );
          }
          slot.done = true;
          this.flush();
        },
        (err: Error) => {
          this.services.logger.error(`${api.request.name} v${header.apiVersion} from ${this.describe()} failed: ${err.stack ?? err.message}`);
          this.close();
        },
      );
  }

  private frameOf(correlationId: number, flexibleHeader: boolean, body: (w: Writer) => void): Buffer[] {
    const w = new Writer(512);
    w.int32(0); // size placeholder, patched below
    writeResponseHeader(w, correlationId, flexibleHeader);
    body(w);
    const size = w.length - 4;
    const chunks = w.finish();
    chunks[0]!.writeInt32BE(size, 0);
    return chunks;
  }

  private enqueueImmediate(correlationId: number, flexibleHeader: boolean, body: (w: Writer) => void): void {
    this.queue.push({ done: true, frame: this.frameOf(correlationId, flexibleHeader, body) });
    this.flush();
  }

  private flush(): void {
    if (this.closed) return;
    const out: Buffer[] = [];
    while (this.queue.length > 0 && this.queue[0]!.done) {
      const slot = this.queue.shift()!;
      if (!slot.frame) continue;
      for (const c of slot.frame) {
        this.info.bytesOut += c.length;
        out.push(c);
      }
    }
    if (out.length > 0) this.transport.write(out);
    // A client that does not read its responses must not make the broker buffer without bound.
    if (this.transport.needsDrain && !this.paused) {
      this.paused = true;
      this.transport.pauseReading();
    }
    this.maybeResume();
  }

  private maybeResume(): void {
    if (!this.paused || this.closed) return;
    if (this.queue.length < this.services.limits.maxInFlightRequests / 2 && !this.transport.needsDrain) {
      this.paused = false;
      this.transport.resumeReading();
    }
  }
}
