/**
 * The contract between the broker and the segmented log. The broker validates batches
 * (magic, CRC, size) before calling append; storage assigns offsets, persists, indexes,
 * enforces idempotent-producer sequencing, retention and recovery.
 */

/** Per-topic settings, named and defaulted as in Apache Kafka. Durations in ms, sizes in bytes. */
export interface TopicConfig {
  'cleanup.policy': 'delete';
  'retention.ms': number; // -1 = keep forever
  'retention.bytes': number; // per partition, -1 = unlimited
  'segment.bytes': number;
  'segment.ms': number;
  'segment.index.bytes': number;
  'index.interval.bytes': number;
  'max.message.bytes': number; // largest batch accepted
  'flush.messages': number; // fsync after this many messages; 1 = every batch
  'flush.ms': number; // fsync at least this often; -1 = leave it to the OS
  'message.timestamp.type': 'CreateTime' | 'LogAppendTime';
  'file.delete.delay.ms': number;
}

export interface TopicInfo {
  name: string;
  /** 16 random bytes, stable across restarts (Kafka topic id). */
  id: Buffer;
  partitions: number;
  /** Only the keys set explicitly for this topic. */
  overrides: Partial<TopicConfig>;
  /** Effective configuration: broker defaults with overrides applied. */
  config: TopicConfig;
}

export interface AppendResult {
  /** Offset of the first record appended (or of the original append, for a duplicate). */
  baseOffset: number;
  lastOffset: number;
  /** -1 unless the topic uses LogAppendTime. */
  logAppendTime: number;
  logStartOffset: number;
  /** True when an idempotent producer re-sent a batch already in the log: nothing was written. */
  duplicate: boolean;
  /** Resolves when the data is fsynced, if the flush policy demands it before acknowledging; else null. */
  durable: Promise<void> | null;
}

export interface ReadResult {
  /**
   * Whole record batches, first one containing `offset`; zero-length array at the log end.
   * Each chunk is a view of one file read and holds one or more whole batches back to back,
   * so a fetch response can write them as-is.
   */
  chunks: Buffer[];
  bytes: number;
  highWatermark: number;
  logStartOffset: number;
}

export class StorageError extends Error {
  constructor(
    message: string,
    readonly code:
      | 'OFFSET_OUT_OF_RANGE'
      | 'OUT_OF_ORDER_SEQUENCE_NUMBER'
      | 'INVALID_PRODUCER_EPOCH'
      | 'UNKNOWN_PRODUCER_ID'
      | 'TOPIC_ALREADY_EXISTS'
      | 'UNKNOWN_TOPIC_OR_PARTITION'
      | 'INVALID_PARTITIONS'
      | 'INVALID_CONFIG'
      | 'INVALID_TOPIC_EXCEPTION'
      | 'MESSAGE_TOO_LARGE'
      | 'KAFKA_STORAGE_ERROR',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StorageError';
  }
}

export type StorageErrorCode = StorageError['code'];

