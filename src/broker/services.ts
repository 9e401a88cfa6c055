import type { Logger } from '../common/logger.js';
import type { PartitionLog, TopicInfo } from '../storage/index.js';
import type { GroupCoordinator } from './groups/group-coordinator.js';
import type { GroupOffsets } from './groups/group-offsets.js';
import type { ConfigEntry } from './topic-configs.js';
import type { BrokerLimits } from './limits.js';
import type { BrokerStats } from './stats.js';
import type { Authorizer } from './security/authorizer.js';

/*
 * The services request handlers use, each as narrow as its callers need. The Broker builds them at start-up and every
 * request receives them through its RequestContext; no handler sees the Broker itself (Kafka's KafkaApis gets its
 * ReplicaManager, GroupCoordinator, … the same way). Nothing here imports broker.ts.
 */

/** The partition logs: read, append, and what exists. */
export interface PartitionLogs {
  partition(topic: string, partition: number): PartitionLog | undefined;
  getTopic(name: string): TopicInfo | undefined;
  listTopics(): TopicInfo[];
  /** InitProducerId: unique and increasing across restarts. */
  allocateProducerId(): number;
}

/**
 * Creating, growing and deleting topics, with the broker's limits and policies applied. Failures are thrown as
 * KafkaProtocolError or StorageError, each carrying the Kafka error to answer with.
 */
export interface TopicAdmin {
  /** num.partitions: partitions of auto-created topics and of CreateTopics with -1. */
  readonly defaultPartitions: number;
  /**
   * The topic if it exists; else, when auto-creation is enabled and `allowAutoCreate`, the topic created with the
   * broker defaults; else undefined.
   */
  topicForWrite(name: string, allowAutoCreate: boolean): Promise<TopicInfo | undefined>;
  /** CreateTopics: everything checked; created unless `validateOnly`. */
  createTopic(name: string, partitions: number, overrides: Record<string, string>, validateOnly: boolean): TopicInfo;
  /**
   * IncrementalAlterConfigs: sets the given keys (null reverts one to its default), checked as CreateTopics checks
   * configs; only checked when `validateOnly`.
   */
  alterTopicConfig(name: string, changes: Record<string, string | null>, validateOnly?: boolean): TopicInfo;
  /** CreatePartitions: grows the topic to `count` partitions, or only checks that it may (`validateOnly`). */
  createPartitions(name: string, count: number, validateOnly?: boolean): TopicInfo;
  /** Deletes the topic and every group's committed offsets for it. */
  deleteTopic(name: string): Promise<void>;
  /** DescribeConfigs of a topic: every config with its value, source and synonyms. */
  describeTopicConfigs(topic: TopicInfo): ConfigEntry[];
  /** DescribeConfigs of the broker, under Kafka's broker config names. */
  describeBrokerConfigs(): ConfigEntry[];
}

export interface ApiVersionRange {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

/** Who this broker is, as Metadata, FindCoordinator and ApiVersions tell clients. */
export interface BrokerIdentity {
  readonly nodeId: number;
  readonly clusterId: string;
  /** The address clients are told to connect to. */
  advertised(): { host: string; port: number };
  /** Every API this broker answers, with its version range. */
  apiVersions(): ApiVersionRange[];
}

/** Everything a request handler may use. */
export interface BrokerServices {
  logs: PartitionLogs;
  topics: TopicAdmin;
  coordinator: GroupCoordinator;
  offsets: GroupOffsets;
  stats: BrokerStats;
  limits: BrokerLimits;
  identity: BrokerIdentity;
  /** Who may do what (ACLs); every handler asks it before acting. */
  authorizer: Authorizer;
  logger: Logger;
}
