import { readFileSync } from 'node:fs';
import { ConfigError, loadBrokerConfig, BROKER_CONFIG_KEYS, type BrokerConfig } from '../broker/config.js';
import { IngestConfigError, NO_INGEST, parseIngestConfig, type IngestConfig } from '../ingest/config.js';
import { MetricsConfigError, parseMetricsConfig, type MetricsConfig } from '../metrics/config.js';
import { AlertRuleError, parseAlertsConfig, type AlertsConfig } from '../alerts/index.js';
import { API_CONFIG_KEYS, parseApiConfig, type ApiConfig } from './api-config.js';
import { parseConnections, type ConnectionConfig } from '../ingest/follow/connection-config.js';
import { InvalidValueError } from '../common/invalid-value.js';
import { parseFlows, type FlowConfig } from '../flows/index.js';

/** Everything `tributary serve` runs: the broker and the services beside it, each with its own section. */
export interface ServeConfig {
  broker: BrokerConfig;
  /** Direct ingest listeners (syslog, HTTP, Prometheus scrapes, local files); each off until configured. */
  ingest: IngestConfig;
  /** The HTTP/WebSocket API; null or absent when off (`--http off`; programs that build a ServeConfig by hand). */
  api?: ApiConfig | null;
  /** The metrics store (series from the metric topics); absent: the defaults (on, topic `metrics`). */
  metrics?: MetricsConfig;
  /** Other Kafka clusters (`connections`), with the topics followed from each. */
  connections?: ConnectionConfig[];
  /** Alert rules and webhooks from the config file (read-only in the UI), how often rules run; absent: none. */
  alerts?: AlertsConfig;
  /** Flows (`flows`): local topics forwarded to a derived topic, a remote cluster, a file or an HTTP endpoint. */
  flows?: FlowConfig[];
}

export interface ServeConfigSources {
  /** Path of a JSON config file. */
  configFile?: string;
  /** Command-line flags; they win over the file. */
  dataDir?: string;
  kafka?: string;
  /** `--listeners`: Kafka's comma-separated list, e.g. PLAINTEXT://127.0.0.1:9092,SASL_SSL://0.0.0.0:9093. */
  listeners?: string;
  advertisedHost?: string;
  /** `--http HOST:PORT|off`. */
  http?: string;
  /** `--http-public`. */
  httpPublic?: boolean;
}

/** Keys of the config file that belong to a service other than the broker. */
const SERVICE_KEYS = ['ingest', 'metrics', 'connections', 'alerts', 'flows', ...API_CONFIG_KEYS] as const;

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read config file ${file}: ${(e as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`config file ${file} is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ConfigError(`config file ${file} must hold a JSON object`);
  return parsed as Record<string, unknown>;
}

/** Merge defaults, the config file and flags into one validated ServeConfig. */
export function loadServeConfig(src: ServeConfigSources): ServeConfig {
  const file = src.configFile ? readConfigFile(src.configFile) : {};
  const brokerKeys: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(file)) {
    if ((SERVICE_KEYS as readonly string[]).includes(k)) continue;
    if (!BROKER_CONFIG_KEYS.includes(k)) {
      throw new ConfigError(`unknown key '${k}' in ${src.configFile}; known keys: ${[...BROKER_CONFIG_KEYS, ...SERVICE_KEYS].join(', ')}`);
    }
    brokerKeys[k] = v;
  }
  const broker = loadBrokerConfig({ file: brokerKeys, fileName: src.configFile, dataDir: src.dataDir, kafka: src.kafka, listeners: src.listeners, advertisedHost: src.advertisedHost });
  let ingest = NO_INGEST;
  if (file.ingest !== undefined) {
    try {
      ingest = parseIngestConfig(file.ingest, 'ingest');
    } catch (e) {
      throw e instanceof IngestConfigError ? new ConfigError(e.message) : e;
    }
  }
  const api = parseApiConfig({ http: src.http, httpPublic: src.httpPublic, file });
  let metrics: MetricsConfig;
  try {
    metrics = parseMetricsConfig(file.metrics, 'metrics');
  } catch (e) {
    throw e instanceof MetricsConfigError ? new ConfigError(e.message) : e;
  }
  let connections: ConnectionConfig[];
  try {
    connections = parseConnections(file.connections);
  } catch (e) {
    throw e instanceof InvalidValueError ? new ConfigError(e.message) : e;
  }
  let alerts: AlertsConfig;
  try {
    alerts = parseAlertsConfig(file.alerts, 'alerts');
  } catch (e) {
    throw e instanceof AlertRuleError ? new ConfigError(e.message) : e;
  }
  let flows: FlowConfig[];
  try {
    flows = parseFlows(file.flows);
  } catch (e) {
    throw e instanceof InvalidValueError ? new ConfigError(e.message) : e;
  }
  return { broker, ingest, api, metrics, connections, alerts, flows };
}
