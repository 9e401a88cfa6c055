import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AgentRecord, RecordSink } from '../../collect/record.js';
import type { Logger } from '../../common/logger.js';
import { validateTopicName } from '../../storage/topic-name.js';
import type { HttpIngestConfig } from '../config.js';
import { IngestError } from '../errors.js';
import { LineProtocolError, parsePrecision, type Precision } from '../../collect/line-protocol/index.js';
import { formatAddress, isLoopback, listenError, peerAddress } from '../../common/listen.js';
import type { ListenerInfo } from '../listener-info.js';
import { presentedToken, tokenMatches } from './auth.js';
import { readBody } from './body.js';
import { HttpError } from './http-error.js';
import { ndjsonRecords, textRecords } from './log-body.js';
import { jsonMetricRecords, lineProtocolRecords, prometheusRecords, type MetricFormat } from './metric-body.js';

/**
 * The HTTP ingest endpoints (node:http):
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

type Route = { kind: 'ingest'; topic: string } | { kind: 'write'; version: 1 | 2 } | { kind: 'ping' } | { kind: 'health' };

interface Answer {
  status: number;
  body?: unknown;
}

export class HttpIngest {
  private readonly counts: HttpIngestStats = { requests: 0, records: 0, rejected: 0, errors: 0 };
  private address: ListenerInfo | null = null;

  private constructor(
    readonly config: HttpIngestConfig,
    private readonly sink: RecordSink,
    private readonly log: Logger,
    private readonly server: Server,
  ) {}

  static async start(config: HttpIngestConfig, sink: RecordSink, log: Logger): Promise<HttpIngest> {
    const server = createServer({ requestTimeout: 60_000, headersTimeout: 30_000, keepAliveTimeout: 5_000 });
    const h = new HttpIngest(config, sink, log, server);
    server.on('request', (req, res) => void h.serve(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e) => reject(listenError('http ingest', 'ingest.http.listen', config.listen, e as NodeJS.ErrnoException)));
      server.listen(config.listen.port, config.listen.host, () => resolve());
    });
    server.removeAllListeners('error');
    server.on('error', (e) => log.error(`http ingest server error: ${e.message}`));
    const a = server.address();
    h.address = { name: 'http ingest', ...(a && typeof a === 'object' ? { host: a.address, port: a.port } : config.listen) };
    if (!isLoopback(h.address.host)) {
      log.warn(
        `http ingest listener on ${formatAddress(h.address)} accepts writes from other machines` +
          (config.token ? '' : ' without a token: anyone who can reach it can write; set ingest.http.token'),
      );
    }
    return h;
  }

  listeners(): ListenerInfo[] {
    return this.address ? [this.address] : [];
  }

  stats(): HttpIngestStats {
    return { ...this.counts };
  }

  private route(path: string): Route | null {
    if (path === '/ingest' || path === '/ingest/') return { kind: 'ingest', topic: this.config.logsTopic };
    if (path.startsWith('/ingest/')) {
      let topic: string;
      try {
        topic = decodeURIComponent(path.slice('/ingest/'.length));
      } catch {
        throw new HttpError(400, `invalid percent-encoding in ${path}`);
      }
      return { kind: 'ingest', topic };
    }
    if (path === '/write') return { kind: 'write', version: 1 };
    if (path === '/api/v2/write') return { kind: 'write', version: 2 };
    if (path === '/ping') return { kind: 'ping' };
    if (path === '/health') return { kind: 'health' };
    return null;
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.counts.requests++;
    const url = new URL(req.url ?? '/', 'http://ingest');
    let answer: Answer;
    let v2 = false;
    try {
      const route = this.route(url.pathname);
      if (!route) throw new HttpError(404, `no endpoint ${url.pathname}; endpoints: ${ENDPOINTS}`);
      v2 = route.kind === 'write' && route.version === 2;
      const allowed = route.kind === 'ping' || route.kind === 'health' ? ['GET', 'HEAD'] : ['POST'];
      if (!allowed.includes(req.method ?? '')) throw new HttpError(405, `${req.method} is not allowed on ${url.pathname}; use ${allowed.join(' or ')}`, { Allow: allowed.join(', ') });
      if (route.kind === 'ping') answer = { status: 204 };
      else if (route.kind === 'health') answer = { status: 200, body: { name: 'tributary', status: 'pass' } };
      else {
        this.authorize(req);
        const body = (await readBody(req, this.config.maxBodyBytes)).toString('utf8');
        answer = route.kind === 'ingest' ? await this.ingest(req, url, route.topic, body) : await this.write(req, url, route.version, body);
      }
    } catch (e) {
      answer = this.failure(e, req, url);
      if (e instanceof HttpError) for (const [k, v] of Object.entries(e.headers)) res.setHeader(k, v);
    }
    if (answer.status >= 500) this.counts.errors++;
    else if (answer.status >= 400) this.counts.rejected++;
    this.send(res, answer, v2);
  }

  private failure(e: unknown, req: IncomingMessage, url: URL): Answer {
    if (e instanceof HttpError || e instanceof IngestError) {
      if (e.status === 413) req.resume(); // keep reading so the client gets the answer (readBody drains too)
      return { status: e.status, body: { error: e.message } };
    }
    this.log.error(`http ingest: ${req.method} ${url.pathname} failed: ${(e as Error).stack ?? e}`);
    return { status: 500, body: { error: `internal error: ${(e as Error).message}` } };
  }

  private send(res: ServerResponse, a: Answer, v2: boolean): void {
    if (a.body === undefined || a.status === 204) {
      res.writeHead(a.status).end();
      return;
    }
    let body = a.body as Record<string, unknown>;
    // InfluxDB 2 clients read {code, message}; everyone else reads {error}.
    if (v2 && typeof body.error === 'string') body = { code: influxCode(a.status), message: body.error, ...body };
    const text = JSON.stringify(body);
    if (a.status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="tributary"');
    res.writeHead(a.status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) }).end(text);
  }

  private authorize(req: IncomingMessage): void {
    const token = this.config.token;
    if (token === null) return;
    if (!tokenMatches(presentedToken(req.headers.authorization), token)) {
      req.resume();
      throw new HttpError(401, 'missing or wrong token: send Authorization: Bearer <token> (or Token <token>)');
    }
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
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    setTimeout(() => this.server.closeAllConnections(), 2_000).unref();
    await closed;
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
