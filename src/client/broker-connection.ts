// One TCP connection to one Kafka broker, speaking through the project's codec: pipelined requests matched to
// responses by correlation id, a deadline per request, and one clear reason when the connection goes away.
import type { Socket } from 'node:net';
import { FrameParser } from '../protocol/framing.js';
import { Reader } from '../protocol/reader.js';
import { codecFor, isFlexible, type Decoded, type Encodable, type MessageDef } from '../protocol/schema.js';
import { ApiVersionsRequest, ApiVersionsResponse } from '../protocol/schemas/api-versions.js';
import { Writer } from '../protocol/writer.js';
import { ConnectionError, reasonOf } from './connection-error.js';
import { openSocket, tlsProblem } from './open-socket.js';
import { saslLogin } from './sasl-login.js';
import { usesSasl, usesTls, type ClientSecurity } from './security.js';

export { ConnectionError } from './connection-error.js';

const MAX_RESPONSE_BYTES = 1 << 30;
const API_VERSIONS_KEY = 18;

export interface ConnectionOptions {
  clientId: string;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  /** TLS and SASL; plaintext without login when absent. */
  security?: ClientSecurity;
}

interface Waiting {
  resolve(frame: Buffer): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

export class BrokerConnection {
  readonly address: string;
  private readonly parser = new FrameParser(MAX_RESPONSE_BYTES);
  private readonly waiting = new Map<number, Waiting>();
  private nextCorrelationId = 1;
  private closedWith: ConnectionError | null = null;
  /** Responses received; a close before the first one after opening says something about the listener. */
  private responses = 0;
  private responsesAtOpen = -1;
  /** While logging in again (KIP-368), new requests wait behind this; null otherwise. */
  private loginGate: Promise<void> | null = null;
  private reauthTimer: NodeJS.Timeout | null = null;
  private readonly closeListeners: Array<(err: ConnectionError) => void> = [];
  /** apiKey → highest version the broker supports (from ApiVersions). */
  private versions = new Map<number, [number, number]>();

  private constructor(
    private readonly socket: Socket,
    readonly host: string,
    readonly port: number,
    private readonly options: ConnectionOptions,
  ) {
    this.address = `${host}:${port}`;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = this.parser.push(chunk);
      } catch (err) {
        this.close(`unreadable response (${(err as Error).message})`);
        return;
      }
      for (const frame of frames) {
        const id = frame.readInt32BE(0);
        const w = this.waiting.get(id);
        if (!w) continue; // a response to a request that already timed out
        this.waiting.delete(id);
        clearTimeout(w.timer);
        this.responses++;
        w.resolve(frame);
      }
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // TLS alerts can come after the handshake (a refused client certificate under TLS 1.3): explain those too.
      const tlsAlert = usesTls(options.security) && /^ERR_SSL_/.test(err.code ?? '');
      this.close(tlsAlert ? tlsProblem(err, host, options.security!) : reasonOf(err), tlsAlert ? undefined : err);
    });
    socket.on('close', () => {
      // A SASL listener closes a connection that sends anything but ApiVersions and SASL before logging in.
      const firstRequestRefused = this.responses === this.responsesAtOpen && this.waiting.size > 0 && !usesSasl(options.security);
      this.close(firstRequestRefused ? 'connection closed by the broker at the first request — if this listener requires a SASL login (SASL_PLAINTEXT or SASL_SSL), connect with that security protocol' : 'connection closed by the broker');
    });
  }

  /**
   * Connects (with TLS when the security protocol says so), asks the broker which API versions it speaks, and logs
   * in with SASL when configured — every connection, before it is handed out for any other request.
   */
  static async open(host: string, port: number, options: ConnectionOptions): Promise<BrokerConnection> {
    const address = `${host}:${port}`;
    const security = options.security;
    const socket = await openSocket(host, port, security, options.connectTimeoutMs);
    const conn = new BrokerConnection(socket, host, port, options);
    let res;
    try {
      res = await conn.request(ApiVersionsRequest, ApiVersionsResponse, 0, { clientSoftwareName: 'tributary-agent', clientSoftwareVersion: '1' });
    } catch (err) {
      // A TLS listener reads our plaintext request as a broken TLS record: it closes, or waits for more and we time out.
      if (err instanceof ConnectionError && !usesTls(security)) {
        throw new ConnectionError(address, `${err.reason} before answering ApiVersions — if this is a TLS listener (SSL or SASL_SSL), connect with that security protocol`);
      }
      // A Node TLS server that refuses a client certificate just closes, without an alert to explain it.
      if (err instanceof ConnectionError && /^connection closed by the broker/.test(err.reason)) {
        const given = security!.cert !== undefined ? 'ours may be signed by a CA it does not trust' : 'none was given (--cert and --key)';
        throw new ConnectionError(address, `connection closed by the broker right after the TLS handshake — if it checks client certificates (mTLS), ${given}`);
      }
      throw err;
    }
    if (res.errorCode !== 0) {
      conn.close(`ApiVersions failed with error ${res.errorCode}`);
      throw new ConnectionError(address, `the broker refused ApiVersions (error ${res.errorCode}); is it a Kafka broker?`);
    }
    conn.versions = new Map(res.apiKeys.map((k) => [k.apiKey, [k.minVersion, k.maxVersion]]));
    conn.responsesAtOpen = conn.responses;
    if (usesSasl(security)) {
      try {
        conn.scheduleReauthentication((await saslLogin(conn.loginView(), security!.sasl!)).sessionLifetimeMs);
      } catch (err) {
        conn.close(err instanceof ConnectionError ? err.reason : String(err));
        throw err;
      }
    }
    return conn;
  }

  /** The connection as a login sees it: requests go straight out, never behind the login gate. */
  private loginView() {
    return {
      address: this.address,
      version: (def: MessageDef, ours: [number, number]) => this.version(def, ours),
      request: <Req extends MessageDef, Res extends MessageDef>(req: Req, res: Res, version: number, body: Encodable<Req>) => this.send(req, res, version, body, {}),
    };
  }

  /**
   * A broker that sets a session lifetime (Kafka's connections.max.reauth.ms) closes the connection once it ends; log
   * in again on the same connection at 85–95 % of it, as Kafka's clients do, so producing never sees a disconnect.
   */
  private scheduleReauthentication(lifetimeMs: number): void {
    if (!(lifetimeMs > 0) || this.closedWith) return;
    this.reauthTimer = setTimeout(() => void this.reauthenticate(), lifetimeMs * (0.85 + Math.random() * 0.1));
    this.reauthTimer.unref();
  }

  /** KIP-368: new requests wait, the ones in flight are answered, then the handshake and tokens go out again. */
  private async reauthenticate(): Promise<void> {
    let open!: () => void;
    this.loginGate = new Promise<void>((resolve) => (open = resolve));
    try {
      for (let i = 0; this.waiting.size > 0 && !this.closedWith; i++) await new Promise((r) => setTimeout(r, Math.min(50, 1 + i)));
      if (this.closedWith) return;
      const { sessionLifetimeMs } = await saslLogin(this.loginView(), this.options.security!.sasl!);
      this.scheduleReauthentication(sessionLifetimeMs);
    } catch (err) {
      this.close(`logging in again (the broker's session lifetime ended) failed: ${err instanceof ConnectionError ? err.reason : String(err)}`);
    } finally {
      this.loginGate = null;
      open();
    }
  }

  get isClosed(): boolean {
    return this.closedWith !== null;
  }

  /** The highest version of `def` that both sides support, or throws saying which broker cannot. */
  version(def: MessageDef, ours: [number, number]): number {
    const theirs = this.versions.get(def.apiKey);
    const v = theirs ? Math.min(theirs[1], ours[1]) : -1;
    if (!theirs || v < Math.max(theirs[0], ours[0])) {
      throw new Error(`broker ${this.address} does not support ${def.name} versions ${ours[0]}-${ours[1]}; it needs to be Kafka 0.11 or newer`);
    }
    return v;
  }

  onClose(listener: (err: ConnectionError) => void): void {
    if (this.closedWith) listener(this.closedWith);
    else this.closeListeners.push(listener);
  }

  /**
   * Sends a request and resolves with its decoded response. `timeoutMs` overrides the connection's request timeout
   * for calls the broker may legitimately hold longer (JoinGroup waits for a whole rebalance).
   */
  request<Req extends MessageDef, Res extends MessageDef>(
    req: Req,
    res: Res,
    version: number,
    body: Encodable<Req>,
    options: { timeoutMs?: number } = {},
  ): Promise<Decoded<Res>> {
    if (this.loginGate) return this.loginGate.then(() => this.send(req, res, version, body, options));
    return this.send(req, res, version, body, options);
  }

  private send<Req extends MessageDef, Res extends MessageDef>(
    req: Req,
    res: Res,
    version: number,
    body: Encodable<Req>,
    options: { timeoutMs?: number },
  ): Promise<Decoded<Res>> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const correlationId = this.takeCorrelationId();
    const chunks = this.frame(req, version, correlationId, body);
    const timeoutMs = options.timeoutMs ?? this.options.requestTimeoutMs;
    // Responses to flexible versions have a tagged-field header, except ApiVersions (KIP-511).
    const flexibleHeader = req.apiKey !== API_VERSIONS_KEY && isFlexible(res, version);
    const decode = codecFor(res, version);
    const promise = new Promise<Decoded<Res>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(correlationId);
        const err = new ConnectionError(this.address, `request timed out after ${Math.round(timeoutMs / 1000)} s`);
        reject(err);
        // Like Kafka's clients: a request that times out means the connection cannot be trusted any more.
        this.close(err.reason);
      }, timeoutMs);
      this.waiting.set(correlationId, {
        timer,
        reject,
        resolve: (frame) => {
          try {
            const r = new Reader(frame, 4);
            if (flexibleHeader) r.taggedFields();
            resolve(decode.decode(r));
          } catch (err) {
            reject(new ConnectionError(this.address, `unreadable ${res.name} v${version}: ${(err as Error).message}`));
            this.close('unreadable response');
          }
        },
      });
    });
    this.write(chunks);
    return promise;
  }

  /**
   * Sends a request the broker does not answer (Produce with acks=0). Resolves once the bytes are handed to the
   * socket, or rejects with the connection's error.
   */
  requestWithoutResponse<Req extends MessageDef>(req: Req, version: number, body: Encodable<Req>): Promise<void> {
    if (this.loginGate) return this.loginGate.then(() => this.requestWithoutResponse(req, version, body));
    if (this.closedWith) return Promise.reject(this.closedWith);
    const chunks = this.frame(req, version, this.takeCorrelationId(), body);
    return new Promise((resolve, reject) => {
      this.write(chunks, (err) => (err ? reject(this.closedWith ?? new ConnectionError(this.address, err.message)) : resolve()));
    });
  }

  private takeCorrelationId(): number {
    const id = this.nextCorrelationId++;
    if (this.nextCorrelationId > 0x7fffffff) this.nextCorrelationId = 1;
    return id;
  }

  /** Request Header v1/v2 and body, size-prefixed, as chunks ready for the socket. */
  private frame<Req extends MessageDef>(req: Req, version: number, correlationId: number, body: Encodable<Req>): Buffer[] {
    const w = new Writer(1024);
    w.int32(0).int16(req.apiKey).int16(version).int32(correlationId).nullableString(this.options.clientId);
    if (isFlexible(req, version)) w.uvarint(0);
    codecFor(req, version).encode(w, body);
    const chunks = w.finish();
    let size = 0;
    for (const c of chunks) size += c.length;
    chunks[0]!.writeInt32BE(size - 4, 0);
    return chunks;
  }

  private write(chunks: Buffer[], done?: (err?: Error | null) => void): void {
    this.socket.cork();
    chunks.forEach((c, i) => this.socket.write(c, i === chunks.length - 1 ? done : undefined));
    this.socket.uncork();
  }

  /** Closes the connection; every pending request rejects with `reason`. Idempotent. */
  close(reason = 'closed by the client', cause?: unknown): void {
    if (this.closedWith) return;
    this.closedWith = new ConnectionError(this.address, reason, { cause });
    if (this.reauthTimer) clearTimeout(this.reauthTimer);
    this.socket.destroy();
    for (const w of this.waiting.values()) {
      clearTimeout(w.timer);
      w.reject(this.closedWith);
    }
    this.waiting.clear();
    for (const l of this.closeListeners.splice(0)) l(this.closedWith);
  }
}
