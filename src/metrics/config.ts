import { parseDuration } from '../common/duration.js';
import { InvalidValueError } from '../common/invalid-value.js';
import { validateTopicName } from '../common/topic-name.js';

/**
 * The `metrics` section of the serve config: which topics the metrics store reads, how many series it keeps, and how
 * long each tier lives.
 *
 * {
 *   "metrics": {
 *     "enabled": true,
 *     "topics": ["metrics", { "name": "scrapes", "format": "prometheus" }],
 *     "detectInfluxHeader": true,
 *     "maxSeries": 100000, "maxSeriesPerMeasurement": 20000,
 *     "retention": { "raw": "topic", "1m": "90d", "1h": "730d" },
 *     "lateness": "10m"
 *   }
 * }
 */

/** How the values of a metric topic are written: InfluxDB line protocol, JSON metric objects, Prometheus text. */
export type MetricFormat = 'influx' | 'json' | 'prometheus';
export const METRIC_FORMATS: readonly MetricFormat[] = ['influx', 'json', 'prometheus'];

export interface MetricTopicConfig {
  name: string;
  format: MetricFormat;
}

export interface MetricsConfig {
  /** Off: no store is opened (the API answers metrics requests with 503). */
  enabled: boolean;
  /** Topics every record of which is a metric in the given format. */
  topics: MetricTopicConfig[];
  /** Also follow other topics whose records carry the header `format: influx` (decided once per topic, see README). */
  detectInfluxHeader: boolean;
  /** Series kept in total and per measurement; new series beyond are refused and counted. */
  maxSeries: number;
  maxSeriesPerMeasurement: number;
  /** Raw points: null follows the metric topics' retention.ms (the longest of them; -1 keeps them forever). */
  rawRetentionMs: number | null;
  rollup1mRetentionMs: number;
  rollup1hRetentionMs: number;
  /**
   * How long after its hour ends the hour stays open in memory for late points (then it is sealed to disk). A point for
   * a sealed hour is merged into it at the next seal pass (costlier; counted in stats().latePoints).
   */
  latenessMs: number;
}

const DAY = 86_400_000;

export const METRICS_DEFAULTS: MetricsConfig = {
  enabled: true,
  topics: [{ name: 'metrics', format: 'influx' }],
  detectInfluxHeader: true,
  maxSeries: 100_000,
  maxSeriesPerMeasurement: 20_000,
  rawRetentionMs: null,
  rollup1mRetentionMs: 90 * DAY,
  rollup1hRetentionMs: 730 * DAY,
  latenessMs: 10 * 60_000,
};

export class MetricsConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MetricsConfigError';
  }
}

const KEYS = ['enabled', 'topics', 'detectInfluxHeader', 'maxSeries', 'maxSeriesPerMeasurement', 'retention', 'lateness'];
const RETENTION_KEYS = ['raw', '1m', '1h'];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function duration(v: unknown, key: string): number {
  try {
    return parseDuration(v);
  } catch (e) {
    throw e instanceof InvalidValueError ? new MetricsConfigError(`${key}: ${e.message}`) : e;
  }
}

function count(v: unknown, key: string, max: number): number {
  if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > max) {
    throw new MetricsConfigError(`${key} must be a whole number from 1 to ${max}, got ${JSON.stringify(v)}`);
  }
  return v as number;
}

function topic(v: unknown, key: string): MetricTopicConfig {
  const t = typeof v === 'string' ? { name: v } : v;
  if (!isObject(t)) throw new MetricsConfigError(`${key} must be a topic name or {"name": "...", "format": "influx|json|prometheus"}`);
  for (const k of Object.keys(t)) if (k !== 'name' && k !== 'format') throw new MetricsConfigError(`${key}: unknown key '${k}' (a metric topic has name and format)`);
  const why = validateTopicName(t.name);
  if (why) throw new MetricsConfigError(`${key}: ${why}`);
  const format = t.format ?? 'influx';
  if (!METRIC_FORMATS.includes(format as MetricFormat)) throw new MetricsConfigError(`${key}.format must be one of ${METRIC_FORMATS.join(', ')}, got ${JSON.stringify(format)}`);
  return { name: t.name as string, format: format as MetricFormat };
}

/** The `metrics` section (absent: the defaults), validated; `at` prefixes every message (e.g. "metrics"). */
export function parseMetricsConfig(raw: unknown, at = 'metrics'): MetricsConfig {
  if (raw === undefined || raw === null) return { ...METRICS_DEFAULTS, topics: [...METRICS_DEFAULTS.topics] };
  if (raw === false) return { ...METRICS_DEFAULTS, enabled: false };
  if (!isObject(raw)) throw new MetricsConfigError(`${at} must be an object (or false to turn the metrics store off)`);
  for (const k of Object.keys(raw)) if (!KEYS.includes(k)) throw new MetricsConfigError(`${at}: unknown key '${k}'; known keys: ${KEYS.join(', ')}`);
  const out: MetricsConfig = { ...METRICS_DEFAULTS, topics: [...METRICS_DEFAULTS.topics] };
  if (raw.enabled !== undefined) {
    if (typeof raw.enabled !== 'boolean') throw new MetricsConfigError(`${at}.enabled must be true or false`);
    out.enabled = raw.enabled;
  }
  if (raw.detectInfluxHeader !== undefined) {
    if (typeof raw.detectInfluxHeader !== 'boolean') throw new MetricsConfigError(`${at}.detectInfluxHeader must be true or false`);
    out.detectInfluxHeader = raw.detectInfluxHeader;
  }
  if (raw.topics !== undefined) {
    if (!Array.isArray(raw.topics)) throw new MetricsConfigError(`${at}.topics must be a list of topic names or {"name", "format"} objects`);
    out.topics = raw.topics.map((t, i) => topic(t, `${at}.topics[${i}]`));
    const names = out.topics.map((t) => t.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) throw new MetricsConfigError(`${at}.topics names ${dup} twice; list each topic once`);
  }
  if (raw.maxSeries !== undefined) out.maxSeries = count(raw.maxSeries, `${at}.maxSeries`, 10_000_000);
  if (raw.maxSeriesPerMeasurement !== undefined) out.maxSeriesPerMeasurement = count(raw.maxSeriesPerMeasurement, `${at}.maxSeriesPerMeasurement`, 10_000_000);
  if (raw.retention !== undefined) {
    const r = raw.retention;
    if (!isObject(r)) throw new MetricsConfigError(`${at}.retention must be an object like {"raw": "topic", "1m": "90d", "1h": "730d"}`);
    for (const k of Object.keys(r)) if (!RETENTION_KEYS.includes(k)) throw new MetricsConfigError(`${at}.retention: unknown tier '${k}'; tiers are raw, 1m, 1h`);
    if (r.raw !== undefined) out.rawRetentionMs = r.raw === 'topic' ? null : duration(r.raw, `${at}.retention.raw`);
    if (r['1m'] !== undefined) out.rollup1mRetentionMs = duration(r['1m'], `${at}.retention.1m`);
    if (r['1h'] !== undefined) out.rollup1hRetentionMs = duration(r['1h'], `${at}.retention.1h`);
  }
  if (raw.lateness !== undefined) out.latenessMs = duration(raw.lateness, `${at}.lateness`);
  if (out.latenessMs > DAY) throw new MetricsConfigError(`${at}.lateness must be at most 1d (an open hour is kept in memory that long)`);
  if (out.maxSeriesPerMeasurement > out.maxSeries) out.maxSeriesPerMeasurement = out.maxSeries;
  return out;
}
