import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest, type HTTPMethods } from 'fastify';
import type { AgentRecord, RecordSink } from '../../collect/record.js';
import type { Logger } from '../../common/logger.js';
import { validateTopicName } from '../../storage/topic-name.js';
import { IngestConfigError, tokenMissingOffLoopback, type HttpIngestConfig } from '../config.js';
import { ingestTls, type SharedTls } from '../tls-options.js';
import { IngestError } from '../errors.js';
import { LineProtocolError, parsePrecision, type Precision } from '../../collect/line-protocol/index.js';
import { formatAddress, isLoopback, listenError, peerAddress } from '../../common/listen.js';
import type { ListenerInfo } from '../listener-info.js';
import { presentedToken, tokenMatches } from './auth.js';
import { readBody } from './body.js';
import { HttpError } from './http-error.js';
import { trackTlsConnections } from './tls-connections.js';
import { ndjsonRecords, textRecords } from './log-body.js';
import { jsonMetricRecords, lineProtocolRecords, prometheusRecords, type MetricFormat } from './metric-body.js';

/**
 * The HTTP ingest endpoints, on their own Fastify listener (HTTP or HTTPS, with their own token, not the API's):
 *   POST /ingest[/{topic}]   logs: text/plain (a record per line) or NDJSON (a JSON object per line, kept as sent);
 *                            to the metrics topic: line protocol, JSON metrics or Prometheus text, stored as line protocol
 *   POST /write              InfluxDB 1.x write (?db=&precision=n|ns|u|us|ms|s|m|h) into the metrics topic
 *   POST /api/v2/write       InfluxDB 2.x write (?bucket=&org=&precision=ns|us|ms|s) into the metrics topic
 *   GET  /ping, GET /health  liveness for Influx clients (no token needed)
 * Every write is atomic: the whole body is read and validated first, and nothing is written when any line is
 * invalid (400 naming the first bad line), as InfluxDB rejects a batch.
 */

const JSON_TYPES = new Set(['application/json', 'application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines', 'application/jsonlines']);
const ENDPOINTS = 'POST /ingest/{topic}, POST /write, POST /api/v2/write, GET /ping, GET /health';

export interface HttpIngestStats {
  requests: number;
  /** Records written. */
  records: number;
  /** Requests answered 4xx. */
  rejected: number;
  /** Requests answered 5xx. */
  errors: number;
}

type RouteKind = { kind: 'ingest'; topic: string | null } | { kind: 'write'; version: 1 | 2 } | { kind: 'ping' } | { kind: 'health' };

interface Answer {
  status: number;
  body?: unknown;
}

const ALL_METHODS: HTTPMethods[] = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];

/** Query parameters are free-form for Influx clients (db, rp, u, p, bucket, org, …); the ones read are strings. */
const QUERY = {
  type: 'object',
  properties: {
    format: { type: 'string' },
    precision: { type: 'string' },
    host: { type: 'string' },
    db: { type: 'string' },
    rp: { type: 'string' },
    bucket: { type: 'string' },
    org: { type: 'string' },
  },
} as const;

const ERROR_BODY = {
  type: 'object',
  required: ['error'],
  properties: {
    error: { type: 'string' },
    code: { type: 'string', description: 'InfluxDB 2 clients read code and message' },
    message: { type: 'string' },
  },
} as const;
const ERRORS = { '4xx': ERROR_BODY, '5xx': ERROR_BODY } as const;
const WRITTEN = {
  type: 'object',
  required: ['topic', 'records'],
  properties: { topic: { type: 'string' }, records: { type: 'integer' }, skippedNonFinite: { type: 'integer' } },
} as const;

/** An error body Fastify itself produced (a malformed URL): answered in this listener's {"error": …} shape. */
function frameworkError(e: FastifyError): Answer {
  const status = e.statusCode && e.statusCode >= 400 && e.statusCode < 500 ? e.statusCode : 500;
  return { status, body: { error: e.message } };
}

export class HttpIngest {
  private readonly counts: HttpIngestStats = { requests: 0, records: 0, rejected: 0, errors: 0 };
  private address: ListenerInfo | null = null;

  private constructor(
    readonly config: HttpIngestConfig,
    private readonly sink: RecordSink,
    private readonly log: Logger,
    private readonly app: FastifyInstance,
    /** HTTPS: every TCP connection, those still in their TLS handshake too. */
    private readonly raw: Set<Socket>,
  ) {}

  /** `sharedTls` gives the Kafka listeners' certificate, for `"tls": true`. */
  static async start(config: HttpIngestConfig, sink: RecordSink, log: Logger, sharedTls: SharedTls | null = null): Promise<HttpIngest> {
    const missing = tokenMissingOffLoopback(config.listen, config.token);
    if (missing) throw new IngestConfigError(missing);
    const tls = config.tls ? await ingestTls(config.tls, sharedTls, 'ingest.http.tls') : null;
    const https = tls?.options ?? null;
    const options = { logger: false, exposeHeadRoutes: false, requestTimeout: 60_000, keepAliveTimeout: 5_000, forceCloseConnections: 'idle' } as const;
    // Fastify types an HTTPS instance apart; the routes and hooks used here are the same on both.
    const app = (https ? Fastify({ ...options, https }) : Fastify(options)) as unknown as FastifyInstance;
    app.server.headersTimeout = 30_000;
    const h = new HttpIngest(config, sink, log, app, https ? trackTlsConnections(app.server, log) : new Set());
    h.routes();
    try {
      await app.listen({ host: config.listen.host, port: config.listen.port });
    } catch (e) {
      await app.close().catch(() => {});
      throw listenError('http ingest', 'ingest.http.listen', config.listen, e as NodeJS.ErrnoException);
    }
    app.server.on('error', (e) => log.error(`http ingest server error: ${e.message}`));
    const a = app.server.address();
    h.address = { name: 'http ingest', ...(a && typeof a === 'object' ? { host: a.address, port: a.port } : config.listen), ...(tls ? { tls: true, ...(tls.caFile ? { caFile: tls.caFile } : {}) } : {}) };
    if (!isLoopback(h.address.host) && !https) {
      log.warn(`http ingest listener on ${formatAddress(h.address)} accepts writes from other machines over plain HTTP: the token and the logs cross the network unencrypted; set "tls": true in ingest.http`);
    }
    return h;
  }

  /**
   * Each endpoint answers every method itself (405 with Allow for the wrong one, as before Fastify). Bodies are not
   * parsed by Fastify: readBody streams the raw request with this listener's own limits and gzip handling.
   */
  private routes(): void {
    const app = this.app;
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));
    const route = (url: string, kind: (req: FastifyRequest) => RouteKind, ok: Record<string, unknown>, summary: string) =>
      app.route({ method: ALL_METHODS, url, schema: { summary, querystring: QUERY, response: { ...ok, ...ERRORS } }, handler: (req, reply) => this.serve(req, reply, kind(req)) });
    route('/ingest', () => ({ kind: 'ingest', topic: null }), { 200: WRITTEN }, 'logs into the default topic');
    route('/ingest/:topic', (req) => ({ kind: 'ingest', topic: (req.params as { topic: string }).topic }), { 200: WRITTEN }, 'logs or metrics into a topic');
    route('/write', () => ({ kind: 'write', version: 1 }), {}, 'InfluxDB 1.x write');
    route('/api/v2/write', () => ({ kind: 'write', version: 2 }), {}, 'InfluxDB 2.x write');
    route('/ping', () => ({ kind: 'ping' }), {}, 'liveness for Influx clients');
    route('/health', () => ({ kind: 'health' }), { 200: { type: 'object', properties: { name: { type: 'string' }, status: { type: 'string' } } } }, 'liveness');
    app.setNotFoundHandler((req, reply) => {
      this.counts.requests++;
      this.finish(reply, { status: 404, body: { error: `no endpoint ${new URL(req.url, 'http://ingest').pathname}; endpoints: ${ENDPOINTS}` } }, false);
    });
    app.setErrorHandler((e: FastifyError, _req, reply) => this.finish(reply, frameworkError(e), false));
  }

  listeners(): ListenerInfo[] {
    return this.address ? [this.address] : [];
  }

  stats(): HttpIngestStats {
    return { ...this.counts };
  }

  private async serve(request: FastifyRequest, reply: FastifyReply, route: RouteKind): Promise<FastifyReply> {
    this.counts.requests++;
    const req = request.raw;
    const url = new URL(req.url ?? '/', 'http://ingest');
    let answer: Answer;
    const v2 = route.kind === 'write' && route.version === 2;
    try {
      const allowed = route.kind === 'ping' || route.kind === 'health' ? ['GET', 'HEAD'] : ['POST'];
      if (!allowed.includes(req.method ?? '')) throw new HttpError(405, `${req.method} is not allowed on ${url.pathname}; use ${allowed.join(' or ')}`, { Allow: allowed.join(', ') });
      if (route.kind === 'ping') answer = { status: 204 };
      else if (route.kind === 'health') answer = { status: 200, body: { name: 'tributary', status: 'pass' } };
      else {
        this.authorize(req);
        const body = (await readBody(req, this.config.maxBodyBytes)).toString('utf8');
        answer = route.kind === 'ingest' ? await this.ingest(req, url, route.topic ?? this.config.logsTopic, body) : await this.write(req, url, route.version, body);
      }
    } catch (e) {
      answer = this.failure(e, req, url);
      if (e instanceof HttpError) for (const [k, v] of Object.entries(e.headers)) reply.header(k, v);
    }
    return this.finish(reply, answer, v2);
  }

  private finish(reply: FastifyReply, a: Answer, v2: boolean): FastifyReply {
    if (a.status >= 500) this.counts.errors++;
    else if (a.status >= 400) this.counts.rejected++;
    if (a.body === undefined || a.status === 204) return reply.code(a.status).send();
    let body = a.body as Record<string, unknown>;
    // InfluxDB 2 clients read {code, message}; everyone else reads {error}.
    if (v2 && typeof body.error === 'string') body = { code: influxCode(a.status), message: body.error, ...body };
    if (a.status === 401) reply.header('WWW-Authenticate', 'Bearer realm="tributary"');
    return reply.code(a.status).type('application/json; charset=utf-8').send(body);
  }

  private failure(e: unknown, req: IncomingMessage, url: URL): Answer {
    if (e instanceof HttpError || e instanceof IngestError) {
      if (e.status === 413) req.resume(); // keep reading so the client gets the answer (readBody drains too)
      return { status: e.status, body: { error: e.message } };
    }
    this.log.error(`http ingest: ${req.method} ${url.pathname} failed: ${(e as Error).stack ?? e}`);
    return { status: 500, body: { error: `internal error: ${(e as Error).message}` } };
  }

  private authorize(req: IncomingMessage): void {
    const token = this.config.token;
    if (token === null) return;
    const presented = presentedToken(req.headers.authorization);
    if (tokenMatches(presented, token)) return;
    req.resume();
    const how = 'send Authorization: Bearer <token> (or Token <token>, or Basic auth with the token as the password); the token is ingest.http.token in the server config';
    if (presented !== null) throw new HttpError(401, `wrong token: ${how}`);
    if (req.headers.authorization) throw new HttpError(401, `the Authorization header carries no token this listener reads: ${how}`);
    throw new HttpError(401, `this listener needs a token: ${how}`);
  }

  private headersFor(req: IncomingMessage, url: URL): Record<string, string> {
    return { host: url.searchParams.get('host') || peerAddress(req.socket.remoteAddress) };
  }

  private precision(url: URL): Precision {
    try {
      return parsePrecision(url.searchParams.get('precision'));
    } catch (e) {
      throw new HttpError(400, (e as Error).message);
    }
  }

  private async ingest(req: IncomingMessage, url: URL, topic: string, body: string): Promise<Answer> {
    const nameError = validateTopicName(topic);
    if (nameError) throw new HttpError(400, `invalid topic name '${topic}': ${nameError}`);
    const { type, params } = contentType(req);
    const format = url.searchParams.get('format');
    const now = Date.now();
    const headers = this.headersFor(req, url);
    let records: AgentRecord[];
    let skipped = 0;
    if (topic === this.config.metricsTopic) {
      const mf = metricFormat(format, type, params);
      if (mf === 'prometheus') ({ records, skipped } = prometheusRecords(body, this.config.maxLineBytes, now, headers));
      else if (mf === 'json') records = jsonMetricRecords(body, this.config.maxLineBytes, url.searchParams.has('precision') ? this.precision(url) : 'ms', now, headers);
      else records = lineProtocolRecords(body, this.config.maxLineBytes, this.precision(url), now, headers);
    } else {
      const json = format === 'ndjson' || format === 'json' || (format === null && JSON_TYPES.has(type));
      if (!json && format !== null && format !== 'text') throw new HttpError(400, `unknown format '${format}' for a log topic; use text or ndjson`);
      if (!json && format === null && type !== '' && type !== 'text/plain') {
        throw new HttpError(415, `Content-Type ${type} is not supported; send text/plain (one record per line) or application/x-ndjson (one JSON object per line)`);
      }
      records = json ? ndjsonRecords(body, this.config.maxLineBytes, now, headers) : textRecords(body, this.config.maxLineBytes, now, headers);
    }
    await this.sink.write(topic, records);
    this.counts.records += records.length;
    return { status: 200, body: skipped > 0 ? { topic, records: records.length, skippedNonFinite: skipped } : { topic, records: records.length } };
  }

  private async write(req: IncomingMessage, url: URL, version: 1 | 2, body: string): Promise<Answer> {
    const precision = this.precision(url);
    const headers = this.headersFor(req, url);
    for (const p of version === 1 ? ['db', 'rp'] : ['bucket', 'org']) {
      const v = url.searchParams.get(p);
      if (v) headers[p] = v;
    }
    let records: AgentRecord[];
    try {
      records = lineProtocolRecords(body, this.config.maxLineBytes, precision, Date.now(), headers);
    } catch (e) {
      if (e instanceof LineProtocolError) throw new HttpError(400, e.message);
      throw e;
    }
    await this.sink.write(this.config.metricsTopic, records);
    this.counts.records += records.length;
    return { status: 204 };
  }

  async close(): Promise<void> {
    // Requests in flight get 2 s to finish; idle keep-alive connections close at once.
    // A connection stalled in its TLS handshake would otherwise hold the close for the whole handshake timeout.
    const force = setTimeout(() => {
      this.app.server.closeAllConnections();
      for (const s of this.raw) s.destroy();
    }, 2_000);
    force.unref();
    try {
      await this.app.close();
    } finally {
      clearTimeout(force);
    }
  }
}

function contentType(req: IncomingMessage): { type: string; params: string } {
  const raw = req.headers['content-type'] ?? '';
  const semi = raw.indexOf(';');
  return { type: (semi < 0 ? raw : raw.slice(0, semi)).trim().toLowerCase(), params: semi < 0 ? '' : raw.slice(semi + 1).toLowerCase() };
}

/** ?format= wins; else JSON types → json, Prometheus' text/plain;version=0.0.4 or OpenMetrics → prometheus, else line protocol. */
function metricFormat(format: string | null, type: string, params: string): MetricFormat {
  if (format === 'influx' || format === 'json' || format === 'prometheus') return format;
  if (format !== null) throw new HttpError(400, `unknown format '${format}' for the metrics topic; use influx, json or prometheus`);
  if (JSON_TYPES.has(type)) return 'json';
  if (type === 'application/openmetrics-text' || (type === 'text/plain' && /version\s*=\s*0\.0\.4/.test(params))) return 'prometheus';
  if (type === '' || type === 'text/plain' || type === 'application/octet-stream') return 'influx';
  throw new HttpError(415, `Content-Type ${type} is not supported for metrics; send line protocol (text/plain), JSON metrics (application/json) or Prometheus text (text/plain; version=0.0.4)`);
}

function influxCode(status: number): string {
  return ({ 400: 'invalid', 401: 'unauthorized', 404: 'not found', 405: 'method not allowed', 413: 'request too large', 415: 'unsupported media type' } as Record<number, string>)[status] ?? (status >= 500 ? 'internal error' : 'invalid');
}
