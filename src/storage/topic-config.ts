import { StorageError, type TopicConfig } from './types.js';

/**
 * Kafka's topic defaults, adjusted for a desktop. flush.* is the one deliberate difference:
 * Kafka leaves fsync to the OS and relies on replication; a single desktop broker has no
 * replica, so we fsync at least once a second. A process crash loses nothing acknowledged
 * (every append reaches the OS page cache before the ack); a power loss or kernel panic can
 * lose up to flush.ms of acknowledged data. Set flush.messages=1 to fsync before every ack.
 */
export const TOPIC_CONFIG_DEFAULTS: TopicConfig = Object.freeze({
  'cleanup.policy': 'delete',
  'retention.ms': 7 * 24 * 60 * 60 * 1000,
  'retention.bytes': -1,
  'segment.bytes': 1024 * 1024 * 1024,
  'segment.ms': 7 * 24 * 60 * 60 * 1000,
  'segment.index.bytes': 10 * 1024 * 1024,
  'index.interval.bytes': 4096,
  'max.message.bytes': 1048588,
  'flush.messages': Number.MAX_SAFE_INTEGER,
  'flush.ms': 1000,
  'message.timestamp.type': 'CreateTime',
  'file.delete.delay.ms': 60000,
});

export type TopicConfigKey = keyof TopicConfig;

/** Kafka's DescribeConfigs config_type names. */
export type ConfigType = 'STRING' | 'INT' | 'LONG' | 'LIST';

interface KeySpec {
  type: ConfigType;
  /** Inclusive lower bound for numbers. */
  min?: number;
  /** Allowed values for strings. */
  oneOf?: readonly string[];
  doc: string;
}

const INT_MAX = 2147483647;

const SPECS: { [K in TopicConfigKey]: KeySpec } = {
  'cleanup.policy': {
    type: 'LIST',
    oneOf: ['delete'],
    doc: 'How old segments are discarded; only "delete" is supported (no log compaction).',
  },
  'retention.ms': { type: 'LONG', min: -1, doc: 'Delete a segment once its newest record is older than this; -1 keeps data forever.' },
  'retention.bytes': { type: 'LONG', min: -1, doc: 'Delete oldest segments while a partition is larger than this; -1 means no size limit.' },
  'segment.bytes': { type: 'INT', min: 14, doc: 'Start a new segment file when the active one would grow beyond this size.' },
  'segment.ms': { type: 'LONG', min: 1, doc: 'Start a new segment once the active one spans this long, so time retention can delete it.' },
  'segment.index.bytes': { type: 'INT', min: 4, doc: 'Maximum size of a segment\'s offset and time indexes; a full index rolls the segment.' },
  'index.interval.bytes': { type: 'INT', min: 0, doc: 'Add an offset index entry after this many bytes of log; smaller means faster seeks, bigger indexes.' },
  'max.message.bytes': { type: 'INT', min: 0, doc: 'Largest record batch (after compression) the topic accepts.' },
  'flush.messages': { type: 'LONG', min: 1, doc: 'fsync after this many messages; 1 makes every acknowledged write durable before the ack.' },
  'flush.ms': { type: 'LONG', min: -1, doc: 'fsync unflushed writes at least this often; -1 leaves it to the operating system.' },
  'message.timestamp.type': {
    type: 'STRING',
    oneOf: ['CreateTime', 'LogAppendTime'],
    doc: 'CreateTime keeps the producer\'s timestamps; LogAppendTime stamps each batch with the broker\'s clock.',
  },
  'file.delete.delay.ms': { type: 'LONG', min: 0, doc: 'How long a deleted segment stays on disk (renamed .deleted) before removal.' },
};

export const TOPIC_CONFIG_KEYS = Object.keys(SPECS) as TopicConfigKey[];

export function isTopicConfigKey(key: string): key is TopicConfigKey {
  return Object.prototype.hasOwnProperty.call(SPECS, key);
}

function invalid(key: string, value: string, why: string): StorageError {
  return new StorageError(`Invalid value "${value}" for topic config ${key}: ${why}`, 'INVALID_CONFIG');
}

/** Parse one config value from its wire/string form, throwing INVALID_CONFIG with what is allowed. */
export function parseTopicConfigValue<K extends TopicConfigKey>(key: K, raw: string): TopicConfig[K] {
  const spec = SPECS[key];
  const value = raw.trim();
  if (spec.oneOf) {
    if (!spec.oneOf.includes(value)) throw invalid(key, raw, `must be one of ${spec.oneOf.join(', ')}`);
    return value as TopicConfig[K];
  }
  if (!/^-?\d+$/.test(value)) throw invalid(key, raw, 'must be a whole number');
  const n = Number(value);
  const max = spec.type === 'INT' ? INT_MAX : Number.MAX_SAFE_INTEGER;
  // Kafka's Long.MAX_VALUE ("never") is beyond a JS number's exact range; clamp it rather than reject it.
  if (spec.type === 'LONG' && n > max) return Number.MAX_SAFE_INTEGER as TopicConfig[K];
  if (n < (spec.min ?? -Infinity) || n > max) throw invalid(key, raw, `must be between ${spec.min} and ${max}`);
  return n as TopicConfig[K];
}

/**
 * Turn string overrides (CreateTopics / AlterConfigs) into typed ones. Unknown keys are
 * rejected like Kafka does, so a typo never silently falls back to a default.
 */
export function parseTopicConfigOverrides(raw: Record<string, string>): Partial<TopicConfig> {
  const out: Partial<Record<TopicConfigKey, unknown>> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!isTopicConfigKey(key)) {
      throw new StorageError(
        `Unknown topic config "${key}"; supported keys are: ${TOPIC_CONFIG_KEYS.join(', ')}`,
        'INVALID_CONFIG',
      );
    }
    if (typeof value !== 'string') throw invalid(key, String(value), 'must be given as a string');
    out[key] = parseTopicConfigValue(key, value);
  }
  return out as Partial<TopicConfig>;
}

/** Check typed values (e.g. broker defaults passed in code) against the same rules as strings. */
export function validateTopicConfig(config: Partial<TopicConfig>): void {
  for (const [key, value] of Object.entries(config)) {
    if (!isTopicConfigKey(key)) throw new StorageError(`Unknown topic config "${key}"`, 'INVALID_CONFIG');
    if (typeof value === 'number' && !Number.isInteger(value)) throw invalid(key, String(value), 'must be a whole number');
    parseTopicConfigValue(key, String(value));
  }
}

/**
 * New overrides after an alter: `changes` merged into `current`, a null value reverting a key
 * to its default (IncrementalAlterConfigs SET/DELETE), or replacing them all (AlterConfigs).
 */
export function applyOverrideChanges(current: Partial<TopicConfig>, changes: Record<string, string | null>, replace = false): Partial<TopicConfig> {
  const next = replace ? {} : topicConfigToStrings(current);
  for (const [key, value] of Object.entries(changes)) {
    if (!isTopicConfigKey(key)) throw new StorageError(`Unknown topic config "${key}"; supported keys are: ${TOPIC_CONFIG_KEYS.join(', ')}`, 'INVALID_CONFIG');
    if (value === null) delete next[key];
    else next[key] = value;
  }
  return parseTopicConfigOverrides(next);
}

export function effectiveTopicConfig(defaults: TopicConfig, overrides: Partial<TopicConfig>): TopicConfig {
  return Object.freeze({ ...defaults, ...overrides });
}

/** Overrides in the string form they are persisted and described in. */
export function topicConfigToStrings(config: Partial<TopicConfig>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of TOPIC_CONFIG_KEYS) if (config[key] !== undefined) out[key] = String(config[key]);
  return out;
}

export interface TopicConfigEntry {
  name: TopicConfigKey;
  value: string;
  /**
   * TOPIC: set for this topic (Kafka DYNAMIC_TOPIC_CONFIG); BROKER: the broker's own default
   * differs from Kafka's (STATIC_BROKER_CONFIG); DEFAULT: Kafka's default (DEFAULT_CONFIG).
   */
  source: 'TOPIC' | 'BROKER' | 'DEFAULT';
  isDefault: boolean;
  type: ConfigType;
  documentation: string;
  readOnly: false;
  sensitive: false;
}

/** Everything DescribeConfigs needs, for every supported key, in a stable order. */
export function describeTopicConfig(overrides: Partial<TopicConfig>, defaults: TopicConfig): TopicConfigEntry[] {
  return TOPIC_CONFIG_KEYS.map((name) => {
    const override = overrides[name];
    const source = override !== undefined ? 'TOPIC' : defaults[name] !== TOPIC_CONFIG_DEFAULTS[name] ? 'BROKER' : 'DEFAULT';
    return {
      name,
      value: String(override ?? defaults[name]),
      source,
      isDefault: source !== 'TOPIC',
      type: SPECS[name].type,
      documentation: SPECS[name].doc,
      readOnly: false,
      sensitive: false,
    };
  });
}
