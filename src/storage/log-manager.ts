import path from 'node:path';
import type { Logger } from '../common/logger.js';
import type { DirLock } from '../common/dir-lock.js';
import { META_DIR, openDataDir, TOPICS_FILE, writeCleanShutdownMarker } from './data-dir.js';
import { DEFAULT_DISK_CHECK_INTERVAL_MS, DiskSpace } from './disk-space.js';
import { FdCache } from './fd-cache.js';
import { ioHint } from './io-errors.js';
import { randomKafkaUuid, writeMetadata, type StoredTopic } from './metadata-store.js';
import { OffsetCheckpoints } from './offset-checkpoints.js';
import { PartitionDirectories } from './partition-dirs.js';
import type { PartitionLog } from './partition-log.js';
import type { TokenIndexStats } from './token-index/partition-token-index.js';
import { TokenIndexer, type TokenIndexerOptions } from './token-index/token-indexer.js';
import {
  applyOverrideChanges,
  describeTopicConfig,
  effectiveTopicConfig,
  parseTopicConfigOverrides,
  TOPIC_CONFIG_DEFAULTS,
  topicConfigToStrings,
  type TopicConfigEntry,
} from './topic-config.js';
import { assertValidTopicName, partitionDirName, topicCollisionKey, validateTopicName } from './topic-name.js';
import { StorageError, type TopicConfig, type TopicInfo } from './types.js';

export interface LogManagerOptions {
  dataDir: string;
  /** Broker-wide topic defaults: typed values, or Kafka-style strings (e.g. from a config file). */
  defaults?: Partial<TopicConfig> | Record<string, string>;
  logger?: Logger;
  /** How often retention runs (Kafka's log.retention.check.interval.ms); default 30 s. */
  retentionCheckIntervalMs?: number;
  /** How often recovery points and log start offsets are checkpointed when they moved; default 10 s. */
  checkpointIntervalMs?: number;
  /**
   * Segment files kept open at once across all partitions (least recently used ones are
   * closed and reopened on demand); default 128. More may be open briefly while in use.
   */
  maxOpenSegmentFiles?: number;
  /** How often free space on the data directory's disk is checked (a warning before it is full); default 10 s, 0 never. */
  diskCheckIntervalMs?: number;
  /** Idempotent producers remembered per partition; the least recently written is forgotten beyond it. Default 1000. */
  maxProducersPerPartition?: number;
  /** Build a token index beside every segment for search (the broker's searchIndex); default true. Off: no sidecar is read or written. */
  searchIndex?: boolean;
  /** Where blocks are built ('worker' thread by default when built, else 'inline') and how many filter bytes stay in memory. */
  tokenIndex?: Omit<TokenIndexerOptions, 'logger'>;
}

export const DEFAULT_MAX_OPEN_SEGMENT_FILES = 128;

export interface PartitionStats {
  partition: number;
  logStartOffset: number;
  logEndOffset: number;
  size: number;
  segments: number;
  /** Sizes of the partition's token index (searchIndex). */
  tokenIndex: TokenIndexStats;
}

export interface TopicStats {
  name: string;
  size: number;
  partitions: PartitionStats[];
}

interface TopicState {
  info: TopicInfo;
  logs: PartitionLog[];
}

/** Producer ids are persisted in blocks so InitProducerId rarely writes metadata. */
const PRODUCER_ID_BLOCK = 1000;

const SILENT: Logger = { debug: () => {}, info: () => {}, warn: (m) => console.warn(m), error: (m) => console.error(m) };

/** Broker defaults may come typed (code) or as strings (a config file); both go through the same validation. */
function toTypedDefaults(defaults: LogManagerOptions['defaults']): TopicConfig {
  const strings: Record<string, string> = {};
  for (const [k, v] of Object.entries(defaults ?? {})) strings[k] = String(v);
  return effectiveTopicConfig(TOPIC_CONFIG_DEFAULTS, parseTopicConfigOverrides(strings));
}

/**
 * The data directory: every topic's partition logs, their metadata, checkpoints and the
 * background work (retention, checkpointing). The only entry point the broker uses.
 */
export class LogManager {
  private readonly topics = new Map<string, TopicState>();
  private readonly metaFile: string;
  private producerIdBlockEnd: number;
  private nextProducerId: number;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly checkpoints: OffsetCheckpoints;
  private readonly dirs: PartitionDirectories;
  private readonly files: FdCache;
  readonly disk: DiskSpace;
  /** The token-index builder shared by every partition; null when searchIndex is off. */
  readonly tokenIndexer: TokenIndexer | null;
  private closed = false;

  private constructor(
    readonly dataDir: string,
    readonly clusterId: string,
    readonly defaults: TopicConfig,
    private readonly logger: Logger,
    producerIdBlockEnd: number,
    maxOpenSegmentFiles: number,
    private readonly lock: DirLock,
    maxProducersPerPartition: number | undefined,
    tokenIndexer: TokenIndexer | null,
  ) {
    this.tokenIndexer = tokenIndexer;
    this.metaFile = path.join(dataDir, META_DIR, TOPICS_FILE);
    this.checkpoints = new OffsetCheckpoints(dataDir, logger);
    this.files = new FdCache(maxOpenSegmentFiles);
    this.disk = new DiskSpace(dataDir, logger);
    this.dirs = new PartitionDirectories(dataDir, logger, () => (this.checkpoints.dirty = true), this.files, this.disk, maxProducersPerPartition, tokenIndexer);
    this.producerIdBlockEnd = producerIdBlockEnd;
    this.nextProducerId = producerIdBlockEnd;
  }

  static async open(options: LogManagerOptions): Promise<LogManager> {
    const dataDir = path.resolve(options.dataDir);
    const logger = options.logger ?? SILENT;
    const defaults = toTypedDefaults(options.defaults);
    const maxOpen = options.maxOpenSegmentFiles ?? DEFAULT_MAX_OPEN_SEGMENT_FILES;
    if (!Number.isInteger(maxOpen) || maxOpen < 1) {
      throw new StorageError(`maxOpenSegmentFiles must be a whole number of at least 1, got ${maxOpen}`, 'INVALID_CONFIG');
    }
    const { meta, clean, lock } = openDataDir(dataDir, logger);
    const indexer = options.searchIndex === false ? null : new TokenIndexer({ logger, ...options.tokenIndex });
    const manager = new LogManager(dataDir, meta.clusterId, defaults, logger, meta.producerIdBlockEnd, maxOpen, lock, options.maxProducersPerPartition, indexer);
    if (!clean) logger.warn(`${dataDir} was not shut down cleanly; checking partitions written since the last checkpoint`);
    const { recoveryPoints, logStarts } = manager.checkpoints.read();
    try {
      for (const t of meta.topics) {
        const overrides = manager.loadOverrides(t);
        const info: TopicInfo = { name: t.name, id: t.id, partitions: t.partitions, overrides, config: effectiveTopicConfig(defaults, overrides) };
        const logs: PartitionLog[] = [];
        for (let p = 0; p < t.partitions; p++) {
          const dir = partitionDirName(t.name, p);
          logs.push(manager.dirs.open(info, p, clean, recoveryPoints.get(dir), logStarts.get(dir)));
        }
        manager.topics.set(t.name, { info, logs });
      }
      manager.dirs.removeUnowned((topic, p) => (manager.topics.get(topic)?.info.partitions ?? 0) > p, manager.metaFile);
      // Recovered data may exist only in the page cache (process crash): fsync it, then checkpoint.
      if (!clean) await manager.flushAll();
    } catch (err) {
      await manager.close(false);
      throw err;
    }
    manager.startTimers(options.retentionCheckIntervalMs ?? 30_000, options.checkpointIntervalMs ?? 10_000);
    manager.disk.start(options.diskCheckIntervalMs ?? DEFAULT_DISK_CHECK_INTERVAL_MS);
    // Only now: reading sidecars and rebuilding missing blocks never delays start-up.
    indexer?.start();
    return manager;
  }

  private loadOverrides(t: StoredTopic): Partial<TopicConfig> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(t.overrides)) {
      try {
        parseTopicConfigOverrides({ [k]: v });
        out[k] = v;
      } catch (err) {
        this.logger.warn(`topic ${t.name}: ignoring stored config ${k}=${v} (${(err as Error).message})`);
      }
    }
    return parseTopicConfigOverrides(out);
  }

  private startTimers(retentionMs: number, checkpointMs: number): void {
    const retention = setInterval(() => {
      try {
        this.applyRetention(Date.now());
      } catch (err) {
        this.logger.error(`retention failed: ${(err as Error).message}`);
      }
    }, retentionMs);
    const checkpoint = setInterval(() => {
      if (this.checkpoints.dirty) void this.checkpoints.save(this.allLogs());
    }, checkpointMs);
    for (const t of [retention, checkpoint]) {
      t.unref();
      this.timers.push(t);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new StorageError('storage is closed (the broker is shutting down)', 'KAFKA_STORAGE_ERROR');
  }

  private persistMetadata(): void {
    writeMetadata(this.metaFile, {
      clusterId: this.clusterId,
      producerIdBlockEnd: this.producerIdBlockEnd,
      topics: [...this.topics.values()].map(({ info }) => ({
        name: info.name,
        id: info.id,
        partitions: info.partitions,
        overrides: topicConfigToStrings(info.overrides),
      })),
    });
  }

  private require(name: string): TopicState {
    const t = this.topics.get(name);
    if (!t) throw new StorageError(`topic ${name} does not exist; create it first`, 'UNKNOWN_TOPIC_OR_PARTITION');
    return t;
  }

  listTopics(): TopicInfo[] {
    return [...this.topics.values()].map((t) => t.info);
  }

  getTopic(name: string): TopicInfo | undefined {
    return this.topics.get(name)?.info;
  }

  partition(topic: string, partition: number): PartitionLog | undefined {
    return this.topics.get(topic)?.logs[partition];
  }

  /** Segment file descriptors open right now (at most maxOpenSegmentFiles, plus any in use). */
  get openSegmentFiles(): number {
    return this.files.open;
  }

  validateTopicName(name: string): string | null {
    return validateTopicName(name);
  }

  /** Everything createTopic checks, without creating anything (CreateTopics validate_only). */
  validateTopic(name: string, partitions: number, overrides: Record<string, string> = {}): TopicInfo {
    assertValidTopicName(name);
    if (this.topics.has(name)) throw new StorageError(`topic ${name} already exists`, 'TOPIC_ALREADY_EXISTS');
    const key = topicCollisionKey(name);
    for (const other of this.topics.keys()) {
      if (topicCollisionKey(other) === key) {
        throw new StorageError(
          `topic ${name} collides with existing topic ${other} (names may not differ only in case or in "." versus "_"); choose another name`,
          'INVALID_TOPIC_EXCEPTION',
        );
      }
    }
    if (!Number.isInteger(partitions) || partitions < 1) {
      throw new StorageError(`number of partitions must be a whole number of at least 1, got ${partitions}`, 'INVALID_PARTITIONS');
    }
    const typed = parseTopicConfigOverrides(overrides);
    return { name, id: randomKafkaUuid(), partitions, overrides: typed, config: effectiveTopicConfig(this.defaults, typed) };
  }

  /**
   * All or nothing: directories first, then the metadata that makes the topic exist. If
   * either fails, the directories made are removed and the topic does not exist.
   */
  createTopic(name: string, partitions: number, overrides: Record<string, string> = {}): TopicInfo {
    this.assertOpen();
    const info = this.validateTopic(name, partitions, overrides);
    const logs = this.dirs.create(info, 0, partitions);
    this.topics.set(name, { info, logs });
    try {
      this.persistMetadata();
    } catch (err) {
      this.topics.delete(name);
      this.dirs.discard(logs);
      throw new StorageError(`could not save metadata for topic ${name}: ${(err as Error).message}; nothing was created (${ioHint(err)})`, 'KAFKA_STORAGE_ERROR', {
        cause: err,
      });
    }
    return info;
  }

  /**
   * Forget the topic (metadata first, so a crash cannot resurrect it), then remove its
   * files in the background. Reads in flight finish on their open files. The promise
   * resolves when the files are gone or their removal was deferred to the next start.
   */
  deleteTopic(name: string): Promise<void> {
    this.assertOpen();
    const t = this.require(name);
    this.topics.delete(name);
    try {
      this.persistMetadata();
    } catch (err) {
      this.topics.set(name, t);
      throw new StorageError(`could not save metadata while deleting ${name}: ${(err as Error).message}`, 'KAFKA_STORAGE_ERROR', { cause: err });
    }
    this.checkpoints.dirty = true;
    return this.dirs.abandon(name, t.logs, 0);
  }

  /** CreatePartitions: the count may only grow (existing keys would move partitions otherwise). All or nothing, like createTopic. */
  createPartitions(name: string, newTotal: number): TopicInfo {
    this.assertOpen();
    const t = this.require(name);
    const current = t.info.partitions;
    if (!Number.isInteger(newTotal) || newTotal <= current) {
      throw new StorageError(`topic ${name} has ${current} partitions; the new count must be a whole number larger than that, got ${newTotal}`, 'INVALID_PARTITIONS');
    }
    const added = this.dirs.create(t.info, current, newTotal);
    const before = t.info;
    t.info = { ...before, partitions: newTotal };
    t.logs.push(...added);
    try {
      this.persistMetadata();
    } catch (err) {
      t.info = before;
      t.logs.splice(current);
      this.dirs.discard(added);
      throw new StorageError(`could not save metadata for ${name}: ${(err as Error).message}; no partition was added (${ioHint(err)})`, 'KAFKA_STORAGE_ERROR', {
        cause: err,
      });
    }
    return t.info;
  }

  /**
   * Change a topic's overrides. By default `changes` are merged, a null value reverting a
   * key to its default (IncrementalAlterConfigs SET/DELETE); `replace` makes `changes` the
   * complete override set (legacy AlterConfigs). Applies to the partitions at once.
   */
  alterTopicConfig(name: string, changes: Record<string, string | null>, options: { replace?: boolean; validateOnly?: boolean } = {}): TopicInfo {
    this.assertOpen();
    const t = this.require(name);
    const overrides = applyOverrideChanges(t.info.overrides, changes, options.replace);
    const info: TopicInfo = { ...t.info, overrides, config: effectiveTopicConfig(this.defaults, overrides) };
    if (options.validateOnly) return info;
    const before = t.info;
    t.info = info;
    try {
      this.persistMetadata();
    } catch (err) {
      t.info = before;
      throw new StorageError(`could not save config of ${name}: ${(err as Error).message}`, 'KAFKA_STORAGE_ERROR', { cause: err });
    }
    for (const log of t.logs) log.config = info.config;
    return info;
  }

  /** DescribeConfigs for a topic: every key with its value, source and documentation. */
  describeTopicConfig(name: string): TopicConfigEntry[] {
    return describeTopicConfig(this.require(name).info.overrides, this.defaults);
  }

  /** InitProducerId: unique and increasing across restarts. */
  allocateProducerId(): number {
    this.assertOpen();
    if (this.nextProducerId >= this.producerIdBlockEnd) {
      this.producerIdBlockEnd = this.nextProducerId + PRODUCER_ID_BLOCK;
      this.persistMetadata();
    }
    return this.nextProducerId++;
  }

  /** One retention pass over every partition; returns the number of segments deleted. */
  applyRetention(now = Date.now()): number {
    let deleted = 0;
    for (const t of this.topics.values()) for (const log of t.logs) deleted += log.applyRetention(now);
    return deleted;
  }

  private *allLogs(): Generator<PartitionLog> {
    for (const t of this.topics.values()) yield* t.logs;
  }

  /** fsync every partition, then checkpoint recovery points. */
  async flushAll(): Promise<void> {
    const results = await Promise.allSettled([...this.allLogs()].map((l) => l.flush()));
    await this.checkpoints.save(this.allLogs());
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  stats(): TopicStats[] {
    return [...this.topics.values()].map(({ info, logs }) => {
      const partitions = logs.map((l, partition) => ({ partition, ...l.stats(), tokenIndex: l.tokenIndexStats() }));
      return { name: info.name, size: partitions.reduce((s, p) => s + p.size, 0), partitions };
    });
  }

  /**
   * Flush and close everything, checkpoint, and mark the shutdown clean so the next start
   * skips recovery. If any fsync failed the marker is not written and the next start recovers.
   * (`markClean` false is for a failed open.)
   */
  async close(markClean = true): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.disk.stop();
    const logs = [...this.allLogs()];
    const results = await Promise.allSettled(logs.map((l) => l.close()));
    await this.tokenIndexer?.close();
    await this.dirs.settled();
    let ok = results.every((r) => r.status === 'fulfilled') && logs.every((l) => !l.failed);
    try {
      await this.checkpoints.saveFinal(logs);
    } catch (err) {
      ok = false;
      this.logger.error(`writing offset checkpoints at shutdown failed: ${(err as Error).message}`);
    }
    if (ok && markClean) {
      try {
        writeCleanShutdownMarker(this.dataDir);
      } catch (err) {
        ok = false;
        this.logger.error(`writing the clean-shutdown marker failed: ${(err as Error).message}; ${ioHint(err)}`);
      }
    }
    if (!ok && markClean) this.logger.warn('shutdown was not clean (see errors above); the next start will run recovery');
    this.lock.release();
  }
}
