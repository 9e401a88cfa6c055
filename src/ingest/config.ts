import { parseDuration as parseDurationValue } from '../common/duration.js';
import { formatHostPort, LOOPBACK_HOST, parseHostPort } from '../common/host-port.js';
import { isLoopback } from '../common/listen.js';
import { InvalidValueError } from '../common/invalid-value.js';
import { validateTopicName } from '../common/topic-name.js';

/**
 * The `ingest` section of the broker config: direct ingest listeners on the broker itself. Every listener is off until
 * its section is present. Listeners bind loopback unless an address says otherwise: accepting data from other machines
 * (0.0.0.0, a LAN address) is a deliberate choice written in the config.
 *
 * {
 *   "syslog": { "udp": "127.0.0.1:5514", "tcp": "127.0.0.1:5514", "tls": {"listen": "0.0.0.0:6514", "clientCa": "agents-ca.pem", "handshakeTimeout": "10s"}, "topic": "syslog" },
 *   "http": { "listen": "127.0.0.1:8086", "token": "s3cret", "tls": true, "maxBodyBytes": 10485760, "maxLineBytes": 1048576, "logsTopic": "logs", "metricsTopic": "metrics" },
 *   "prometheus": { "targets": [{ "url": "http://127.0.0.1:9100/metrics", "interval": "15s", "labels": { "role": "db" } }], "topic": "metrics", "maxBodyBytes": 10485760 },
 *   "files": { "globs": ["/var/log/*.log"], "topic": "logs", "startAt": "end" }
 * }
 */

import type { ListenAddress } from '../common/listen.js';

export type { ListenAddress };

/**
 * The certificate a direct-ingest TLS listener serves. `true` in the config: the Kafka TLS listeners' certificate (the
 * broker's `tls` files, or the one generated in DATA/tls/), so senders trust one CA for everything.
 */
export interface IngestTlsConfig {
  /** Own certificate chain and key (PEM files); both null: the Kafka listeners' certificate. */
  cert: string | null;
  key: string | null;
  /** CA (PEM file) a client certificate must chain to; null: no client certificate is asked for. */
  clientCa: string | null;
  /** A connection whose TLS handshake has not finished by then is closed (a plaintext or stalled sender). */
  handshakeTimeoutMs: number;
}

/** Syslog over TLS (RFC 5425): a TCP listener whose connections are TLS, framed as syslog over TCP. */
export interface SyslogTlsConfig extends IngestTlsConfig {
  listen: ListenAddress;
}

export interface SyslogConfig {
  udp: ListenAddress | null;
  tcp: ListenAddress | null;
  tls: SyslogTlsConfig | null;
  topic: string;
  /** Longest message kept whole; longer TCP lines are split (each piece kept, marked parse_error). */
  maxMessageBytes: number;
  /** SO_RCVBUF asked for the UDP socket; Linux caps it at net.core.rmem_max. */
  recvBufferBytes: number;
}

export interface HttpIngestConfig {
  listen: ListenAddress;
  /**
   * When set, every write needs `Authorization: Bearer <token>`, `Token <token>` or Basic with it as the password.
   * Required when `listen` is not a loopback address.
   */
  token: string | null;
  /** HTTPS instead of HTTP; null: plain HTTP. */
  tls: IngestTlsConfig | null;
  /** Largest request body, counted after gzip decompression too. */
  maxBodyBytes: number;
  /** Longest line of a body (UTF-8 bytes, without its line ending); a longer one is refused with 413 naming it. */
  maxLineBytes: number;
  /** Topic of `POST /ingest` without a topic in the path. */
  logsTopic: string;
  /** Topic of the Influx write endpoints; `/ingest/<metricsTopic>` converts metric formats to line protocol. */
  metricsTopic: string;
}

export interface PrometheusTarget {
  url: string;
  intervalMs: number;
  timeoutMs: number;
  job: string;
  labels: Record<string, string>;
}

export interface PrometheusConfig {
  targets: PrometheusTarget[];
  topic: string;
  /** Largest scrape response (after decompression); a larger one fails the scrape. */
  maxBodyBytes: number;
}

export interface FilesConfig {
  globs: string[];
  topic: string;
  startAt: 'beginning' | 'end';
}

export interface IngestConfig {
  syslog: SyslogConfig | null;
  http: HttpIngestConfig | null;
  prometheus: PrometheusConfig | null;
  files: FilesConfig | null;
}

export const SYSLOG_DEFAULT_PORT = 5514;
/** RFC 5425's port (below 1024 it needs root, so there is no default address: the config names it). */
export const SYSLOG_TLS_PORT = 6514;
export const HTTP_DEFAULT_LISTEN = '127.0.0.1:8086';
export const INGEST_DEFAULTS = {
  syslogTopic: 'syslog',
  syslogMaxMessageBytes: 64 * 1024,
  syslogRecvBufferBytes: 8 * 1024 * 1024,
  httpMaxBodyBytes: 10 * 1024 * 1024,
  httpMaxLineBytes: 1024 * 1024,
  scrapeMaxBodyBytes: 10 * 1024 * 1024,
  logsTopic: 'logs',
  metricsTopic: 'metrics',
  scrapeIntervalMs: 15_000,
  scrapeTimeoutMs: 10_000,
  scrapeJob: 'prometheus',
  filesStartAt: 'end' as const,
  tlsHandshakeTimeoutMs: 10_000,
};

export const NO_INGEST: IngestConfig = { syslog: null, http: null, prometheus: null, files: null };

export class IngestConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IngestConfigError';
  }
}

type Obj = Record<string, unknown>;

function object(v: unknown, key: string, known: string[]): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new IngestConfigError(`${key} must be an object`);
  for (const k of Object.keys(v)) {
    if (!known.includes(k)) throw new IngestConfigError(`unknown key '${key}.${k}'; known keys: ${known.join(', ')}`);
  }
  return v as Obj;
}

function string(v: unknown, key: string): string {
  if (typeof v !== 'string' || v === '') throw new IngestConfigError(`${key} must be a non-empty string, got ${JSON.stringify(v)}`);
  return v;
}

function topic(v: unknown, key: string, dflt: string): string {
  if (v === undefined) return dflt;
  const name = string(v, key);
  const err = validateTopicName(name);
  if (err) throw new IngestConfigError(`${key}: ${err}`);
  return name;
}

function integer(v: unknown, key: string, min: number, max: number, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new IngestConfigError(`${key} must be an integer between ${min} and ${max}, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** The config kit's error, prefixed with the key, as this section's own error type. */
function wrap<T>(key: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof InvalidValueError) throw new IngestConfigError(`${key}: ${err.message}`);
    throw err;
  }
}

/** "HOST:PORT", "[v6]:PORT", ":PORT" or "PORT"; no host means 127.0.0.1. `true` means 127.0.0.1:defaultPort. */
export function parseListenAddress(v: unknown, key: string, defaultPort?: number): ListenAddress {
  if (v === true && defaultPort !== undefined) return { host: LOOPBACK_HOST, port: defaultPort };
  const example = `e.g. "127.0.0.1:${defaultPort ?? 8086}" (loopback) or "0.0.0.0:${defaultPort ?? 8086}" (all interfaces)`;
  if (typeof v !== 'string') throw new IngestConfigError(`${key} must be "HOST:PORT"${defaultPort !== undefined ? ' or true' : ''}, ${example}`);
  return wrap(key, () => parseHostPort(v, { allowPortZero: true }));
}

/** Milliseconds from a number (ms) or "250ms", "15s", "2m", "1h30m" (see common/duration.ts). */
export function parseDuration(v: unknown, key: string): number {
  const ms = wrap(key, () => parseDurationValue(v));
  if (ms <= 0) throw new IngestConfigError(`${key} must be longer than 0`);
  return ms;
}

/** `true` (the Kafka listeners' certificate) or {"cert", "key"} (own files), plus "clientCa" where mTLS is offered. */
function tlsFiles(o: Obj, key: string): IngestTlsConfig {
  if ((o.cert === undefined) !== (o.key === undefined)) {
    throw new IngestConfigError(`${key} needs both "cert" and "key" (PEM files), or neither to use the Kafka listeners' certificate (the broker's "tls", or the one generated in DATA/tls/)`);
  }
  return {
    cert: o.cert === undefined ? null : string(o.cert, `${key}.cert`),
    key: o.key === undefined ? null : string(o.key, `${key}.key`),
    clientCa: o.clientCa === undefined || o.clientCa === null ? null : string(o.clientCa, `${key}.clientCa`),
    handshakeTimeoutMs: o.handshakeTimeout === undefined ? INGEST_DEFAULTS.tlsHandshakeTimeoutMs : parseDuration(o.handshakeTimeout, `${key}.handshakeTimeout`),
  };
}

const SHARED_TLS: Readonly<IngestTlsConfig> = { cert: null, key: null, clientCa: null, handshakeTimeoutMs: INGEST_DEFAULTS.tlsHandshakeTimeoutMs };

function httpTls(v: unknown, key: string): IngestTlsConfig | null {
  if (v === undefined || v === null || v === false) return null;
  if (v === true) return { ...SHARED_TLS };
  const o = object(v, key, ['cert', 'key', 'handshakeTimeout']);
  return tlsFiles(o, key);
}

/** "HOST:PORT" or true (127.0.0.1:6514) with the shared certificate, or {"listen", "cert", "key", "clientCa"}. */
function syslogTls(v: unknown, key: string): SyslogTlsConfig | null {
  if (v === undefined || v === null || v === false) return null;
  if (v === true || typeof v === 'string') return { listen: parseListenAddress(v, key, SYSLOG_TLS_PORT), ...SHARED_TLS };
  const o = object(v, key, ['listen', 'cert', 'key', 'clientCa', 'handshakeTimeout']);
  return { listen: parseListenAddress(o.listen ?? true, `${key}.listen`, SYSLOG_TLS_PORT), ...tlsFiles(o, key) };
}

function syslog(v: unknown, key: string): SyslogConfig {
  const o = object(v, key, ['udp', 'tcp', 'tls', 'topic', 'maxMessageBytes', 'recvBufferBytes']);
  const udp = o.udp === undefined || o.udp === false ? null : parseListenAddress(o.udp, `${key}.udp`, SYSLOG_DEFAULT_PORT);
  const tcp = o.tcp === undefined || o.tcp === false ? null : parseListenAddress(o.tcp, `${key}.tcp`, SYSLOG_DEFAULT_PORT);
  const tls = syslogTls(o.tls, `${key}.tls`);
  if (!udp && !tcp && !tls) throw new IngestConfigError(`${key} needs "udp", "tcp" and/or "tls", e.g. {"udp": "127.0.0.1:${SYSLOG_DEFAULT_PORT}"}`);
  return {
    udp,
    tcp,
    tls,
    topic: topic(o.topic, `${key}.topic`, INGEST_DEFAULTS.syslogTopic),
    maxMessageBytes: integer(o.maxMessageBytes, `${key}.maxMessageBytes`, 480, 16 * 1024 * 1024, INGEST_DEFAULTS.syslogMaxMessageBytes),
    recvBufferBytes: integer(o.recvBufferBytes, `${key}.recvBufferBytes`, 64 * 1024, 1024 * 1024 * 1024, INGEST_DEFAULTS.syslogRecvBufferBytes),
  };
}

function http(v: unknown, key: string): HttpIngestConfig {
  const o = object(v, key, ['listen', 'token', 'tls', 'maxBodyBytes', 'maxLineBytes', 'logsTopic', 'metricsTopic']);
  const token = o.token === undefined || o.token === null ? null : string(o.token, `${key}.token`);
  if (token !== null && /[\s]/.test(token)) throw new IngestConfigError(`${key}.token must not contain spaces`);
  const listen = parseListenAddress(o.listen ?? HTTP_DEFAULT_LISTEN, `${key}.listen`);
  const missing = tokenMissingOffLoopback(listen, token, key);
  if (missing) throw new IngestConfigError(missing);
  return {
    listen,
    token,
    tls: httpTls(o.tls, `${key}.tls`),
    maxBodyBytes: integer(o.maxBodyBytes, `${key}.maxBodyBytes`, 1024, 2 ** 31 - 1, INGEST_DEFAULTS.httpMaxBodyBytes),
    maxLineBytes: integer(o.maxLineBytes, `${key}.maxLineBytes`, 1024, 2 ** 31 - 1, INGEST_DEFAULTS.httpMaxLineBytes),
    logsTopic: topic(o.logsTopic, `${key}.logsTopic`, INGEST_DEFAULTS.logsTopic),
    metricsTopic: topic(o.metricsTopic, `${key}.metricsTopic`, INGEST_DEFAULTS.metricsTopic),
  };
}

/**
 * Why an HTTP ingest listener may not start: one other machines can reach must have a token (anyone on the network
 * could write otherwise). Null when it may.
 */
export function tokenMissingOffLoopback(listen: ListenAddress, token: string | null, key = 'ingest.http'): string | null {
  if (token !== null || isLoopback(listen.host)) return null;
  return (
    `${key}.listen is ${formatHostPort(listen)}, reachable from other machines, but ${key}.token is not set: ` +
    `senders elsewhere must present a token. Set "token" in ${key} to a long random string (e.g. the output of ` +
    `\`openssl rand -hex 32\`) and send it as Authorization: Bearer <token>, or listen on 127.0.0.1 only`
  );
}

function labels(v: unknown, key: string): Record<string, string> {
  if (v === undefined) return {};
  const o = object(v, key, Object.keys(v as object));
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(o)) {
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(k)) throw new IngestConfigError(`${key}: label name '${k}' is not a valid Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)`);
    if (typeof x !== 'string') throw new IngestConfigError(`${key}.${k} must be a string`);
    out[k] = x;
  }
  return out;
}

function target(v: unknown, key: string): PrometheusTarget {
  const o = object(v, key, ['url', 'interval', 'timeout', 'job', 'labels']);
  const url = string(o.url, `${key}.url`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new IngestConfigError(`${key}.url is not a valid URL: ${JSON.stringify(url)} (e.g. "http://127.0.0.1:9100/metrics")`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new IngestConfigError(`${key}.url must be http:// or https://, got ${JSON.stringify(url)}`);
  const intervalMs = o.interval === undefined ? INGEST_DEFAULTS.scrapeIntervalMs : parseDuration(o.interval, `${key}.interval`);
  const timeoutMs = o.timeout === undefined ? Math.min(intervalMs, INGEST_DEFAULTS.scrapeTimeoutMs) : parseDuration(o.timeout, `${key}.timeout`);
  if (timeoutMs > intervalMs) throw new IngestConfigError(`${key}.timeout (${timeoutMs} ms) must not exceed its interval (${intervalMs} ms)`);
  return { url, intervalMs, timeoutMs, job: o.job === undefined ? INGEST_DEFAULTS.scrapeJob : string(o.job, `${key}.job`), labels: labels(o.labels, `${key}.labels`) };
}

function prometheus(v: unknown, key: string): PrometheusConfig {
  const o = object(v, key, ['targets', 'topic', 'maxBodyBytes']);
  if (!Array.isArray(o.targets) || o.targets.length === 0) {
    throw new IngestConfigError(`${key}.targets must be a non-empty array, e.g. [{"url": "http://127.0.0.1:9100/metrics", "interval": "15s"}]`);
  }
  return {
    targets: o.targets.map((t, i) => target(t, `${key}.targets[${i}]`)),
    topic: topic(o.topic, `${key}.topic`, INGEST_DEFAULTS.metricsTopic),
    maxBodyBytes: integer(o.maxBodyBytes, `${key}.maxBodyBytes`, 1024, 2 ** 31 - 1, INGEST_DEFAULTS.scrapeMaxBodyBytes),
  };
}

function files(v: unknown, key: string): FilesConfig {
  const o = object(v, key, ['globs', 'topic', 'startAt']);
  const globs = typeof o.globs === 'string' ? [o.globs] : o.globs;
  if (!Array.isArray(globs) || globs.length === 0) throw new IngestConfigError(`${key}.globs must be a non-empty array of paths or globs, e.g. ["/var/log/*.log"]`);
  globs.forEach((g, i) => string(g, `${key}.globs[${i}]`));
  if (o.startAt !== undefined && o.startAt !== 'beginning' && o.startAt !== 'end') {
    throw new IngestConfigError(`${key}.startAt must be "beginning" or "end", got ${JSON.stringify(o.startAt)}`);
  }
  return { globs: globs as string[], topic: topic(o.topic, `${key}.topic`, INGEST_DEFAULTS.logsTopic), startAt: (o.startAt as FilesConfig['startAt'] | undefined) ?? INGEST_DEFAULTS.filesStartAt };
}

/** Validates the `ingest` object of a config file; throws IngestConfigError naming the key and the fix. */
export function parseIngestConfig(v: unknown, key = 'ingest'): IngestConfig {
  const o = object(v, key, ['syslog', 'http', 'prometheus', 'files']);
  const on = (x: unknown) => x !== undefined && x !== null && x !== false;
  return {
    syslog: on(o.syslog) ? syslog(o.syslog, `${key}.syslog`) : null,
    http: on(o.http) ? http(o.http === true ? {} : o.http, `${key}.http`) : null,
    prometheus: on(o.prometheus) ? prometheus(o.prometheus, `${key}.prometheus`) : null,
    files: on(o.files) ? files(o.files, `${key}.files`) : null,
  };
}
