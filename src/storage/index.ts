/** The storage folder's public surface: the durable, segmented, Kafka-layout log. */
export { LogManager, type LogManagerOptions, type PartitionStats, type TopicStats } from './log-manager.js';
export { PartitionLog, PRODUCER_ID_EXPIRATION_MS, type PartitionLogEvents } from './partition-log.js';
export {
  TOPIC_CONFIG_DEFAULTS,
  TOPIC_CONFIG_KEYS,
  describeTopicConfig,
  effectiveTopicConfig,
  isTopicConfigKey,
  parseTopicConfigOverrides,
  parseTopicConfigValue,
  topicConfigToStrings,
  validateTopicConfig,
  type ConfigType,
  type TopicConfigEntry,
  type TopicConfigKey,
} from './topic-config.js';
export { MAX_TOPIC_NAME_LENGTH, validateTopicName } from './topic-name.js';
export { uuidToString } from './metadata-store.js';
export * from './types.js';
export type { LevelCounts, SearchSpan, TokenBlock, TokenIndexStats } from './token-index/index.js';
export { LEVEL_COLUMNS } from './token-index/level-counts.js';
export { BLOCK_BYTES } from './token-index/block-builder.js';
export { forEachToken, MAX_TOKEN_BYTES, tokenHashes, tokensOf } from './token-index/tokens.js';
