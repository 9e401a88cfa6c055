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
  maxRequestBytes: {
    default: 100 * MiB, min: 1024, max: INT32_MAX, unit: 'bytes', kafka: 'socket.request.max.bytes',
    doc: 'largest request frame; a larger one closes that connection',
  },
  maxInFlightRequests: {
    default: 1000, min: 1, max: 100_000, unit: 'count', kafka: null,
    doc: 'requests read ahead on one connection before the broker stops reading from it',
  },
  fetchMaxBytes: {
    default: 55 * MiB, min: 1024, max: INT32_MAX, unit: 'bytes', kafka: 'fetch.max.bytes',
    doc: 'largest Fetch response, whatever max_bytes the client asks for (the first batch is returned even if larger)',
  },
  maxOpenSegmentFiles: {
    default: 128, min: 8, max: 100_000, unit: 'count', kafka: null,
    doc: 'segment files kept open at once (one LRU for all partitions)',
  },
  maxPartitionsPerRequest: {
    default: 10_000, min: 1, max: 1_000_000, unit: 'count', kafka: 'MAX_PARTITIONS_PER_BATCH (ReplicationControlManager)',
    doc: 'partitions one CreateTopics or CreatePartitions request may create; more is refused whole with POLICY_VIOLATION',
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
