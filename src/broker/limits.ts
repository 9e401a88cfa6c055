import { REQUEST_ARRAY_ELEMENTS_LIMIT } from '../protocol/reader.js';

/**
 * Every limit the broker enforces on what clients may make it hold or do, in one place: default, bounds, unit and
 * the Apache Kafka setting it mirrors (null where Kafka has none). Each is a key of the broker config file
 * (`tributary serve --config`); README's "Limits" section lists them.
 */
export interface LimitSpec {
  default: number;
  /** Smallest and largest value the config file may set. */
  min: number;
  max: number;
  unit: 'bytes' | 'count' | 'ms';
  /** The Kafka broker setting (or constant) this mirrors, null when Kafka has no such limit. */
  kafka: string | null;
  doc: string;
}

const MiB = 1024 * 1024;
const INT32_MAX = 2 ** 31 - 1;

export const LIMITS = {
  // Connections
  maxConnections: {
    default: 1000, min: 1, max: 1_000_000, unit: 'count', kafka: 'max.connections',
    doc: 'client connections at once; more are closed as they arrive',
  },
  maxConnectionsPerIp: {
    default: 100, min: 1, max: 1_000_000, unit: 'count', kafka: 'max.connections.per.ip',
    doc: 'client connections at once from one IP address; more are closed as they arrive',
  },
  saslLoginTimeoutMs: {
    default: 30_000, min: 1000, max: 600_000, unit: 'ms', kafka: null,
    doc: 'time a connection on a SASL listener has to log in (from its arrival, TLS handshake included); one that has not is closed',
  },
  // Requests
  maxRequestBytes: {
    default: 100 * MiB, min: 1024, max: INT32_MAX, unit: 'bytes', kafka: 'socket.request.max.bytes',
    doc: 'largest request frame; a larger one closes that connection',
  },
  queuedMaxRequestBytes: {
    default: 256 * MiB, min: 1024, max: 2 ** 40, unit: 'bytes', kafka: 'queued.max.request.bytes',
    doc: 'request bytes held at once over all connections (being received, queued, or being handled); at the limit the broker stops reading from clients until handled requests free memory',
  },
  maxRequestArrayElements: {
    default: REQUEST_ARRAY_ELEMENTS_LIMIT, min: 1000, max: 100_000_000, unit: 'count', kafka: null,
    doc: 'array elements (topics, partitions, …, all arrays together) one request may hold; a request with more closes that connection (each element costs an object when decoded, though as little as two bytes on the wire)',
  },
  maxInFlightRequests: {
    default: 1000, min: 1, max: 100_000, unit: 'count', kafka: null,
    doc: 'requests read ahead on one connection (answered in order) before the broker stops reading from it',
  },
  // Responses
  maxResponseBytesPerConnection: {
    default: 64 * MiB, min: 64 * 1024, max: 2 ** 40, unit: 'bytes', kafka: null,
    doc: 'response bytes one connection may have waiting for its client to read them; beyond it the broker handles no more of its requests and reads no more for its fetches until the client catches up',
  },
  fetchMaxBytes: {
    default: 55 * MiB, min: 1024, max: INT32_MAX, unit: 'bytes', kafka: 'fetch.max.bytes',
    doc: 'largest Fetch response, whatever max_bytes the client asks for (its first batch is returned even if larger, as KIP-74 requires)',
  },
  maxFetchMemoryBytes: {
    default: 256 * MiB, min: 1024 * 1024, max: 2 ** 40, unit: 'bytes', kafka: null,
    doc: 'records read for Fetch responses held at once over all connections, until written; at the limit fetches wait (up to their max_wait_ms) for memory, then answer with what they have',
  },
  // Topics, partitions, producers
  maxPartitions: {
    default: 10_000, min: 1, max: 1_000_000, unit: 'count', kafka: null,
    doc: 'partitions over all topics; creating more (CreateTopics, CreatePartitions, auto-creation) is refused with POLICY_VIOLATION',
  },
  maxPartitionsPerRequest: {
    default: 1000, min: 1, max: 1_000_000, unit: 'count', kafka: 'MAX_PARTITIONS_PER_BATCH (ReplicationControlManager), 10,000 there',
    doc: 'partitions one CreateTopics or CreatePartitions request may create (each a synchronous mkdir and fsync); more is refused whole with POLICY_VIOLATION',
  },
  topicCreationsPerSecond: {
    default: 10, min: 1, max: 100_000, unit: 'count', kafka: 'controller_mutation_rate quota (KIP-599), roughly',
    doc: 'topics created per second, by CreateTopics or auto-creation, with bursts of twice as many (each creation rewrites and fsyncs the topic metadata); beyond it CreateTopics answers THROTTLING_QUOTA_EXCEEDED and auto-creation LEADER_NOT_AVAILABLE, which clients retry',
  },
  maxProducersPerPartition: {
    default: 1000, min: 1, max: 1_000_000, unit: 'count', kafka: null,
    doc: 'idempotent producers remembered per partition; beyond it the least recently used one is forgotten (as if expired: its next batch is accepted as from a new producer)',
  },
  // Consumer groups
  groupMaxSize: {
    default: 1000, min: 1, max: 1_000_000, unit: 'count', kafka: 'group.max.size',
    doc: 'members one consumer group may have (member ids handed out with MEMBER_ID_REQUIRED count); JoinGroup beyond it gets GROUP_MAX_SIZE_REACHED',
  },
  maxGroups: {
    default: 10_000, min: 1, max: 10_000_000, unit: 'count', kafka: null,
    doc: 'consumer groups held at once; a JoinGroup or commit that would create one more gets POLICY_VIOLATION (groups loaded from stored offsets at start-up always count)',
  },
  maxOpenSegmentFiles: {
    default: 128, min: 8, max: 100_000, unit: 'count', kafka: null,
    doc: 'segment files kept open at once (one LRU for all partitions)',
  },
} as const satisfies Record<string, LimitSpec>;

export type LimitName = keyof typeof LIMITS;
export type BrokerLimits = { readonly [K in LimitName]: number };

export const LIMIT_NAMES = Object.keys(LIMITS) as LimitName[];

export const DEFAULT_LIMITS: BrokerLimits = Object.freeze(
  Object.fromEntries(LIMIT_NAMES.map((k) => [k, LIMITS[k].default])) as { [K in LimitName]: number },
);

/** The limits out of a broker config (which carries them as top-level keys). */
export function limitsOf(config: BrokerLimits): BrokerLimits {
  return Object.freeze(Object.fromEntries(LIMIT_NAMES.map((k) => [k, config[k]])) as { [K in LimitName]: number });
}

/**
 * The largest offset a partition may reach. JavaScript numbers are exact integers up to 2^53; Kafka's offsets are
 * int64. An append that would pass this bound is refused (POLICY_VIOLATION) instead of storing offsets that lose
 * precision; 2^52 leaves a margin of 4.5 * 10^15 for the arithmetic around it. At a million records a second a
 * partition reaches it after 142 years, so only forged batches (valid, but claiming 2^31 records each) come near.
 */
export const MAX_LOG_OFFSET = 2 ** 52;

/**
 * Smallest values a client may set for these topic configs (CreateTopics, broker topicDefaults), from Kafka's KIP-1030:
 * below them every batch would get its own segment file (segment.bytes=14 did), or a full index would roll one.
 * Kafka 4.0 raised segment.bytes to 1 MiB; segment.ms (1 min) and segment.index.bytes (1 KiB) follow in Kafka 5.0.
 */
export const TOPIC_CONFIG_MINIMUMS: Readonly<Record<string, number>> = Object.freeze({
  'segment.bytes': 1024 * 1024,
  'segment.ms': 60_000,
  'segment.index.bytes': 1024,
});

/** Why `configs` (Kafka-style strings or numbers) go below a minimum, or null. */
export function belowTopicConfigMinimum(configs: Readonly<Record<string, string | number>>): string | null {
  for (const [name, min] of Object.entries(TOPIC_CONFIG_MINIMUMS)) {
    const raw = configs[name];
    if (raw === undefined) continue;
    const n = Number(raw);
    if (Number.isFinite(n) && n < min) return `${name}=${raw} is below the minimum of ${min} (Kafka's, KIP-1030): smaller values would create a segment file per batch`;
  }
  return null;
}
