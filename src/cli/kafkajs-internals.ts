// Typed access to the parts of kafkajs's internals the group-less reader needs: its Cluster (metadata, leader lookup,
// pooled broker connections) and Broker#fetch (which decodes record batches with kafkajs's own decoder); and
// Broker#offsetCommit, which `groups reset-offsets` uses to commit without joining the group, as Kafka's own tool does.
// These are not public API, so they are reached in this one file only, and package.json pins kafkajs to an exact
// version; if an upgrade moves them, this is the file to fix.
import { createRequire } from 'node:module';
import { stderrLogger } from './kafka-client.js';

const require = createRequire(import.meta.url);

/** A record as kafkajs's RecordBatch decoder returns it. `batchContext` is absent for pre-0.11 message sets. */
export interface DecodedRecord {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | Array<Buffer>>;
  isControlRecord?: boolean;
  batchContext?: { firstOffset: string; lastOffsetDelta: number };
}

export interface FetchPartitionRequest {
  partition: number;
  fetchOffset: string;
  maxBytes: number;
}

export interface FetchResponse {
  responses: Array<{
    topicName: string;
    partitions: Array<{ partition: number; errorCode: number; highWatermark: string; messages: DecodedRecord[] }>;
  }>;
}

export interface InternalBroker {
  fetch(request: {
    replicaId?: number;
    isolationLevel: number;
    maxWaitTime: number;
    minBytes: number;
    maxBytes: number;
    topics: Array<{ topic: string; partitions: FetchPartitionRequest[] }>;
  }): Promise<FetchResponse>;
  /** Throws kafkajs's protocol error for the first partition that failed. */
  offsetCommit(request: OffsetCommitRequest): Promise<unknown>;
}

export interface OffsetCommitRequest {
  groupId: string;
  /** -1 with an empty member id commits as an admin (a "simple consumer"); the group must have no members. */
  groupGenerationId: number;
  memberId: string;
  topics: Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>;
}

export interface InternalCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addTargetTopic(topic: string): Promise<void>;
  refreshMetadata(): Promise<void>;
  /** nodeId → partitions it leads; partitions without metadata are left out. */
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(query: { nodeId: string }): Promise<InternalBroker>;
  findGroupCoordinator(query: { groupId: string }): Promise<InternalBroker>;
}

/** Kafka's isolation levels (Fetch request field). */
export const READ_UNCOMMITTED = 0;

interface ClusterOptions {
  brokers: string[];
  clientId: string;
  connectionTimeout: number;
  requestTimeout: number;
  retry: { retries: number; initialRetryTime: number; maxRetryTime: number };
}

export function createCluster(options: ClusterOptions): InternalCluster {
  const Cluster = require('kafkajs/src/cluster/index.js');
  const { createLogger, LEVELS } = require('kafkajs/src/loggers/index.js');
  const socketFactory = require('kafkajs/src/network/socketFactory.js');
  // Silent like the public client (see kafka-client.ts); KAFKAJS_LOG_LEVEL still overrides it inside createLogger.
  const logger = createLogger({ level: LEVELS.NOTHING, logCreator: stderrLogger });
  return new Cluster({
    ...options,
    logger,
    socketFactory: socketFactory(),
    enforceRequestTimeout: true,
    metadataMaxAge: 300_000,
    allowAutoTopicCreation: false,
    isolationLevel: READ_UNCOMMITTED,
  }) as InternalCluster;
}
