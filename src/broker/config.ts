import { defaultDataDir } from '../common/data-root.js';
import { parseHostPort as parseAddress } from '../common/host-port.js';
import { InvalidValueError } from '../common/invalid-value.js';
import { DEFAULT_LIMITS, LIMIT_NAMES, LIMITS, type BrokerLimits } from './limits.js';
import { parseListeners, type ListenerConfig } from './listeners.js';

export { defaultDataDir };

/**
 * Everything `tributary serve` can be told, with defaults. Topic-level defaults use Kafka's names. The limits
 * (limits.ts) are top-level keys too.
 */
export interface BrokerConfig extends BrokerLimits {
  /** Where topics, offsets and metadata live. */
  dataDir: string;
  /**
   * Kafka listeners, in Kafka's syntax (`SASL_SSL://0.0.0.0:9093`). Secure by default: plaintext only on loopback (local
   * tools and seed scripts), and the network listener is SASL_SSL (agents on other machines log in over TLS).
   */
  listeners: ListenerConfig[];
  /** Host name clients are told to connect to; defaults to the listener host, or this machine's name when bound to all interfaces. */
  advertisedHost: string | null;
  /** Certificate and key (PEM files) of the TLS listeners; null: generated in DATA/tls/ on first start. */
  tls: TlsFiles | null;
  /** Client certificates (mTLS) on the TLS listeners: `tls.clientAuth` and `tls.clientCa` in the config file. */
  clientAuth: ClientAuthConfig;
  nodeId: number;
  /** auto.create.topics.enable */
  autoCreateTopics: boolean;
  /** num.partitions: partitions of auto-created topics and of CreateTopics with -1. */
  defaultPartitions: number;
  /** How often retention runs (log.retention.check.interval.ms). */
  retentionCheckIntervalMs: number;
  /** How often free space on the data directory's disk is checked, to warn before it is full (0: never). */
  diskCheckIntervalMs: number;
  /** group.min.session.timeout.ms / group.max.session.timeout.ms: the session timeouts members may ask for. */
  groupMinSessionTimeoutMs: number;
  groupMaxSessionTimeoutMs: number;
  /** group.initial.rebalance.delay.ms: how long a new group waits for more members before its first assignment. */
  groupInitialRebalanceDelayMs: number;
  /** offsets.retention.minutes, in ms: how long an empty group's committed offsets are kept. */
  offsetsRetentionMs: number;
  /** Broker-wide defaults for topic configs, e.g. {"retention.ms": "86400000"} (log.* in Kafka). */
  topicDefaults: Record<string, string>;
  /**
   * Principals that may do everything whatever the ACLs say (Kafka's super.users), e.g. ["User:admin"]. The
   * unauthenticated workstation user on a loopback connection is one too (see security/session.ts).
   */
  superUsers: string[];
  /** Build a token index (bloom filters per ~1 MiB block) beside every segment so searches skip blocks; off: none is written or read. */
  searchIndex: boolean;
}

export interface TlsFiles {
  cert: string;
  key: string;
}

/**
 * Kafka's ssl.client.auth: `none` asks for no certificate; `requested` asks, takes a connection without one, refuses one
 * whose certificate the CA did not sign; `required` refuses a connection without a valid one.
 */
export const CLIENT_AUTH_MODES = ['none', 'requested', 'required'] as const;
export type ClientAuthMode = (typeof CLIENT_AUTH_MODES)[number];

export interface ClientAuthConfig {
  mode: ClientAuthMode;
  /** PEM file of the CA(s) client certificates must chain to; null: the generated DATA/tls/ca.pem. */
  caFile: string | null;
}

export const DEFAULT_LISTENERS: readonly ListenerConfig[] = [
  { protocol: 'PLAINTEXT', host: '127.0.0.1', port: 9092 },
  { protocol: 'SASL_SSL', host: '0.0.0.0', port: 9093 },
];

export const BROKER_DEFAULTS: Omit<BrokerConfig, 'dataDir'> = {
  listeners: DEFAULT_LISTENERS.map((l) => ({ ...l })),
  advertisedHost: null,
  tls: null,
  clientAuth: { mode: 'none', caFile: null },
  nodeId: 1,
  autoCreateTopics: true,
  defaultPartitions: 1,
  ...DEFAULT_LIMITS,
  retentionCheckIntervalMs: 30_000,
  diskCheckIntervalMs: 10_000,
  groupMinSessionTimeoutMs: 6_000,
  groupMaxSessionTimeoutMs: 1_800_000,
  groupInitialRebalanceDelayMs: 3_000,
  offsetsRetentionMs: 7 * 24 * 60 * 60 * 1000,
  topicDefaults: {},
  superUsers: ['User:admin'],
  searchIndex: true,
};

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** "HOST:PORT", "[v6]:PORT" or ":PORT" (loopback, as everywhere: see common/host-port.ts). */
export function parseHostPort(s: string, what: string): { host: string; port: number } {
  try {
    return parseAddress(s, { allowPortZero: true });
  } catch (err) {
    if (err instanceof InvalidValueError) throw new ConfigError(`${what}: ${err.message}`);
    throw err;
  }
}

type Check = (v: unknown, key: string) => unknown;
const int = (min: number, max = Number.MAX_SAFE_INTEGER): Check => (v, key) => {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${key} must be an integer between ${min} and ${max}, got ${JSON.stringify(v)}`);
  }
  return n;
};
const bool: Check = (v, key) => {
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'false') return v === 'true';
  throw new ConfigError(`${key} must be true or false, got ${JSON.stringify(v)}`);
};
const str: Check = (v, key) => {
  if (typeof v !== 'string' || v === '') throw new ConfigError(`${key} must be a non-empty string`);
  return v;
};

interface ParsedTls {
  files: TlsFiles | null;
  clientAuth: ClientAuthConfig;
}

const FILE_KEYS: Record<string, Check> = {
  dataDir: str,
  kafka: str,
  listeners: (v, key) => {
    try {
      return parseListeners(v);
    } catch (e) {
      if (e instanceof InvalidValueError) throw new ConfigError(`${key}: ${e.message}`);
      throw e;
    }
  },
  advertisedHost: str,
  tls: (v, key): ParsedTls => {
    const o = v as Record<string, unknown> | null;
    const shape = `${key} must be {"cert": "server.pem", "key": "server-key.pem", "clientAuth": "none"|"requested"|"required", "clientCa": "clients-ca.pem"} (PEM files, every key optional but cert and key go together); leave cert and key out to use the certificate generated in DATA/tls/`;
    if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new ConfigError(shape);
    const unknown = Object.keys(o).find((k) => !['cert', 'key', 'clientAuth', 'clientCa'].includes(k));
    if (unknown) throw new ConfigError(`unknown key "${unknown}" in ${key}; ${shape}`);
    if ((o.cert === undefined) !== (o.key === undefined)) throw new ConfigError(`${key}: "cert" and "key" go together (a certificate is useless without its key)`);
    if (o.cert !== undefined && (typeof o.cert !== 'string' || typeof o.key !== 'string' || o.cert === '' || o.key === '')) throw new ConfigError(shape);
    const mode = o.clientAuth ?? 'none';
    if (!(CLIENT_AUTH_MODES as readonly unknown[]).includes(mode)) throw new ConfigError(`${key}.clientAuth must be one of ${CLIENT_AUTH_MODES.join(', ')}, got ${JSON.stringify(o.clientAuth)}`);
    if (o.clientCa !== undefined && (typeof o.clientCa !== 'string' || o.clientCa === '')) throw new ConfigError(`${key}.clientCa must be the path of a PEM file`);
    // A user's own server certificate says nothing about which CA signs clients: without clientCa there is nothing to verify against.
    if (mode !== 'none' && o.cert !== undefined && o.clientCa === undefined) {
      throw new ConfigError(`${key}.clientAuth "${mode}" with your own certificate needs "clientCa": the PEM file of the CA that signs client certificates`);
    }
    return {
      files: o.cert !== undefined ? { cert: o.cert as string, key: o.key as string } : null,
      clientAuth: { mode: mode as ClientAuthMode, caFile: (o.clientCa as string | undefined) ?? null },
    };
  },
  nodeId: int(0, 2 ** 31 - 1),
  autoCreateTopics: bool,
  defaultPartitions: int(1, 100_000),
  retentionCheckIntervalMs: int(100),
  diskCheckIntervalMs: int(0),
  groupMinSessionTimeoutMs: int(1),
  groupMaxSessionTimeoutMs: int(1),
  groupInitialRebalanceDelayMs: int(0),
  offsetsRetentionMs: int(1),
  searchIndex: bool,
  superUsers: (v, key) => {
    // As a string, Kafka's super.users form: separated by semicolons (a certificate's DN holds commas).
    const list = typeof v === 'string' ? v.split(';').map((s) => s.trim()).filter((s) => s !== '') : v;
    if (!Array.isArray(list) || !list.every((x) => typeof x === 'string' && /^[A-Za-z][A-Za-z0-9_]*:.+$/.test(x))) {
      throw new ConfigError(`${key} must be a list of principals like ["User:admin"], got ${JSON.stringify(v)}`);
    }
    return list as string[];
  },
  topicDefaults: (v, key) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ConfigError(`${key} must be an object of Kafka topic configs`);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)]));
  },
  ...Object.fromEntries(LIMIT_NAMES.map((k) => [k, int(LIMITS[k].min, LIMITS[k].max)])),
};

/** The config keys the broker understands (the composition root routes the others). */
export const BROKER_CONFIG_KEYS: readonly string[] = Object.keys(FILE_KEYS);

export interface ConfigSources {
  /** Keys from the config file (already parsed from JSON), by name; unknown keys are an error. */
  file?: Record<string, unknown>;
  /** Where `file` came from, for error messages. */
  fileName?: string;
  /** Command-line flags; they win over the file. */
  dataDir?: string;
  kafka?: string;
  /** `--listeners`: Kafka's comma-separated list. */
  listeners?: string;
  advertisedHost?: string;
}

/** Merge defaults, config-file keys and flags into one validated BrokerConfig. */
export function loadBrokerConfig(src: ConfigSources): BrokerConfig {
  const parsed: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(src.file ?? {})) {
    const check = FILE_KEYS[k];
    if (!check) throw new ConfigError(`unknown key '${k}' in ${src.fileName ?? 'the config'}; known keys: ${Object.keys(FILE_KEYS).join(', ')}`);
    parsed[k] = check(v, k);
  }
  if (src.kafka !== undefined && src.listeners !== undefined) throw new ConfigError('--kafka and --listeners both name the Kafka listeners; use one');
  if (parsed.kafka !== undefined && parsed.listeners !== undefined) throw new ConfigError(`${src.fileName ?? 'the config'} has both "kafka" and "listeners"; keep "listeners"`);
  // Flags win over the file; `kafka` (HOST:PORT) is the one PLAINTEXT listener it always was.
  const kafka = src.kafka ?? (src.listeners === undefined ? (parsed.kafka as string | undefined) : undefined);
  let listeners: ListenerConfig[];
  if (kafka !== undefined) {
    const { host, port } = parseHostPort(kafka, 'kafka listener');
    listeners = [{ protocol: 'PLAINTEXT', host, port }];
  } else if (src.listeners !== undefined) {
    listeners = FILE_KEYS.listeners!(src.listeners, '--listeners') as ListenerConfig[];
  } else {
    listeners = (parsed.listeners as ListenerConfig[] | undefined) ?? BROKER_DEFAULTS.listeners;
  }
  delete parsed.kafka;
  const tls = parsed.tls as ParsedTls | undefined;
  delete parsed.tls;
  return {
    ...BROKER_DEFAULTS,
    ...(parsed as Partial<BrokerConfig>),
    ...(tls ? { tls: tls.files, clientAuth: tls.clientAuth } : {}),
    dataDir: src.dataDir ?? (parsed.dataDir as string | undefined) ?? defaultDataDir(),
    listeners,
    advertisedHost: src.advertisedHost ?? (parsed.advertisedHost as string | undefined) ?? null,
  };
}
