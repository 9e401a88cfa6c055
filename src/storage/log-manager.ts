import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { readOffsetCheckpoint, writeOffsetCheckpoint, writeOffsetCheckpointSync } from './checkpoint-file.js';
import {
  acquireLock,
  consumeCleanShutdownMarker,
  DELETE_DIR_SUFFIX,
  LOG_START_OFFSET_CHECKPOINT,
  META_DIR,
  RECOVERY_POINT_CHECKPOINT,
  releaseLock,
  TOPICS_FILE,
  writeCleanShutdownMarker,
} from './data-dir.js';
import { loadPartitionLog } from './log-loader.js';
import { randomKafkaUuid, readMetadata, writeMetadata, type StoredMetadata, type StoredTopic } from './metadata-store.js';
import type { PartitionLog } from './partition-log.js';
import {
  describeTopicConfig,
  effectiveTopicConfig,
  isTopicConfigKey,
  parseTopicConfigOverrides,
  TOPIC_CONFIG_DEFAULTS,
  topicConfigToStrings,
  validateTopicConfig,
  type TopicConfigEntry,
} from './topic-config.js';
import { assertValidTopicName, parsePartitionDirName, partitionDirName, topicCollisionKey, validateTopicName } from './topic-name.js';
import { StorageError, type StorageLogger, type TopicConfig, type TopicInfo } from './types.js';

export interface LogManagerOptions {
  dataDir: string;
  /** Broker-wide topic defaults: typed values, or Kafka-style strings (e.g. from a config file). */
  defaults?: Partial<TopicConfig> | Record<string, string>;
  logger?: StorageLogger;
  /** How often retention runs (Kafka's log.retention.check.interval.ms); default 30 s. */
  retentionCheckIntervalMs?: number;
  /** How often recovery points and log start offsets are checkpointed when they moved; default 10 s. */
  checkpointIntervalMs?: number;
}

export interface PartitionStats {
  partition: number;
  logStartOffset: number;
  logEndOffset: number;
  size: number;
  segments: number;
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

const SILENT: StorageLogger = { info: () => {}, warn: (m) => console.warn(m), error: (m) => console.error(m) };

function toTypedDefaults(defaults: LogManagerOptions['defaults']): TopicConfig {
  const given = defaults ?? {};
  const strings = Object.values(given).every((v) => typeof v === 'string');
  const overrides = strings ? parseTopicConfigOverrides(given as Record<string, string>) : (given as Partial<TopicConfig>);
  if (!strings) validateTopicConfig(overrides);
  return effectiveTopicConfig(TOPIC_CONFIG_DEFAULTS, overrides);
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
  private checkpointDirty = false;
  private checkpointWrite: Promise<void> = Promise.resolve();
  private readonly background = new Set<Promise<void>>();
  private closed = false;

  private constructor(
    readonly dataDir: string,
    readonly clusterId: string,
    readonly defaults: TopicConfig,
    private readonly logger: StorageLogger,
    producerIdBlockEnd: number,
  ) {
    this.metaFile = path.join(dataDir, META_DIR, TOPICS_FILE);
    this.producerIdBlockEnd = producerIdBlockEnd;
    this.nextProducerId = producerIdBlockEnd;
  }

  static async open(options: LogManagerOptions): Promise<LogManager> {
    const dataDir = path.resolve(options.dataDir);
    const logger = options.logger ?? SILENT;
    const defaults = toTypedDefaults(options.defaults);
    fs.mkdirSync(path.join(dataDir, META_DIR), { recursive: true });
    acquireLock(dataDir);
    const metaFile = path.join(dataDir, META_DIR, TOPICS_FILE);
    let meta: StoredMetadata;
    let clean: boolean;
    try {
      const stored = readMetadata(metaFile);
      clean = consumeCleanShutdownMarker(dataDir);
      if (stored) meta = stored;
      else {
        const topics = topicsFromDirectories(dataDir);
        if (topics.length) logger.warn(`${metaFile} is missing; rebuilt ${topics.length} topic(s) from partition directories with new topic ids and default configs`);
        meta = { clusterId: randomKafkaUuid().toString('base64url'), producerIdBlockEnd: 0, topics };
        writeMetadata(metaFile, meta);
      }
    } catch (err) {
      releaseLock(dataDir);
      throw err;
    }
    const manager = new LogManager(dataDir, meta.clusterId, defaults, logger, meta.producerIdBlockEnd);
    if (!clean) logger.warn(`${dataDir} was not shut down cleanly; checking partitions written since the last checkpoint`);
    const warn = (m: string) => logger.warn(m);
    const recoveryPoints = readOffsetCheckpoint(path.join(dataDir, RECOVERY_POINT_CHECKPOINT), warn);
    const logStarts = readOffsetCheckpoint(path.join(dataDir, LOG_START_OFFSET_CHECKPOINT), warn);
    try {
      for (const t of meta.topics) {
        const overrides = manager.loadOverrides(t);
        const info: TopicInfo = { name: t.name, id: t.id, partitions: t.partitions, overrides, config: effectiveTopicConfig(defaults, overrides) };
        const logs: PartitionLog[] = [];
        for (let p = 0; p < t.partitions; p++) {
          const dir = partitionDirName(t.name, p);
          logs.push(manager.openPartition(info, p, clean, recoveryPoints.get(dir), logStarts.get(dir)));
        }
        manager.topics.set(t.name, { info, logs });
      }
      manager.removeStrayDirectories();
      // Recovered data may exist only in the page cache (process crash): fsync it, then checkpoint.
      if (!clean) await manager.flushAll();
    } catch (err) {
      await manager.close(false);
      throw err;
    }
    manager.startTimers(options.retentionCheckIntervalMs ?? 30_000, options.checkpointIntervalMs ?? 10_000);
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

  private openPartition(info: TopicInfo, p: number, clean: boolean, recoveryPoint?: number, logStartOffset?: number): PartitionLog {
    const { log } = loadPartitionLog({
      dir: path.join(this.dataDir, partitionDirName(info.name, p)),
      topic: info.name,
      partition: p,
      config: info.config,
      hooks: { logger: this.logger, onCheckpointDirty: () => (this.checkpointDirty = true) },
      clean,
      recoveryPoint,
      logStartOffset,
    });
    return log;
  }

  /** Partition directories no topic owns: leftovers of deletions or partition creations cut short by a crash. */
  private removeStrayDirectories(): void {
    for (const entry of fs.readdirSync(this.dataDir, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name === META_DIR) continue;
      const parsed = parsePartitionDirName(entry.name);
      const owned = parsed && (this.topics.get(parsed.topic)?.info.partitions ?? 0) > parsed.partition;
      if (owned || (!parsed && !entry.name.endsWith(DELETE_DIR_SUFFIX))) continue;
      if (parsed) this.logger.warn(`removing ${entry.name}: no such partition in ${this.metaFile} (left over from a deletion)`);
      this.removeDir(path.join(this.dataDir, entry.name));
    }
  }

  private removeDir(dir: string): Promise<void> {
    const task = fsp
      .rm(dir, { recursive: true, force: true, maxRetries: 5 })
      .catch((err: Error) => this.logger.warn(`could not remove ${dir} (${err.message}); it will be removed at the next start`))
      .finally(() => this.background.delete(task));
    this.background.add(task);
    return task;
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
      if (this.checkpointDirty) void this.writeCheckpoints();
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

  createTopic(name: string, partitions: number, overrides: Record<string, string> = {}): TopicInfo {
    this.assertOpen();
    const info = this.validateTopic(name, partitions, overrides);
    const logs = this.createPartitionLogs(info, 0, partitions);
    this.topics.set(name, { info, logs });
    try {
      this.persistMetadata();
    } catch (err) {
      this.topics.delete(name);
      this.abandon(info.name, logs, 0);
      throw new StorageError(`could not save metadata for topic ${name}: ${(err as Error).message}`, 'KAFKA_STORAGE_ERROR', { cause: err });
    }
    return info;
  }

  private createPartitionLogs(info: TopicInfo, from: number, to: number): PartitionLog[] {
    const logs: PartitionLog[] = [];
    try {
      for (let p = from; p < to; p++) {
        const dir = path.join(this.dataDir, partitionDirName(info.name, p));
        // A directory here is the remains of a deleted topic that could not be removed yet (files in use on Windows).
        if (fs.existsSync(dir)) fs.rmSync(dir, { recursive: true, force: true });
        logs.push(this.openPartition(info, p, true));
      }
    } catch (err) {
      this.abandon(info.name, logs, from);
      throw new StorageError(`could not create partition directories for ${info.name}: ${(err as Error).message}`, 'KAFKA_STORAGE_ERROR', { cause: err });
    }
    return logs;
  }

  /** Drop logs and remove their directories in the background. */
  private abandon(topic: string, logs: PartitionLog[], firstPartition: number): Promise<void> {
    const tasks = logs.map((log, i) => {
      log.drop();
      const dir = path.join(this.dataDir, partitionDirName(topic, firstPartition + i));
      const doomed = `${dir}.${randomBytes(8).toString('hex')}${DELETE_DIR_SUFFIX}`;
      try {
        fs.renameSync(dir, doomed);
        return this.removeDir(doomed);
      } catch {
        return this.removeDir(dir);
      }
    });
    return Promise.all(tasks).then(() => {});
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
    this.checkpointDirty = true;
    return this.abandon(name, t.logs, 0);
  }

  /** CreatePartitions: the count may only grow (existing keys would move partitions otherwise). */
  createPartitions(name: string, newTotal: number): TopicInfo {
    this.assertOpen();
    const t = this.require(name);
    const current = t.info.partitions;
    if (!Number.isInteger(newTotal) || newTotal <= current) {
      throw new StorageError(`topic ${name} has ${current} partitions; the new count must be a whole number larger than that, got ${newTotal}`, 'INVALID_PARTITIONS');
    }
    const added = this.createPartitionLogs(t.info, current, newTotal);
    const before = t.info;
    t.info = { ...before, partitions: newTotal };
    t.logs.push(...added);
    try {
      this.persistMetadata();
    } catch (err) {
      t.info = before;
      t.logs.splice(current);
      this.abandon(name, added, current);
      throw new StorageError(`could not save metadata for ${name}: ${(err as Error).message}`, 'KAFKA_STORAGE_ERROR', { cause: err });
    }
    return t.info;
  }

  /**
   * Change a topic's overrides. By default `changes` are merged, a null value reverting a
   * key to its default (IncrementalAlterConfigs SET/DELETE); `replace` makes `changes` the
   * complete override set (legacy AlterConfigs).
   */
  alterTopicConfig(name: string, changes: Record<string, string | null>, options: { replace?: boolean; validateOnly?: boolean } = {}): TopicInfo {
    this.assertOpen();
    const t = this.require(name);
    const next = options.replace ? {} : topicConfigToStrings(t.info.overrides);
    for (const [k, v] of Object.entries(changes)) {
      if (!isTopicConfigKey(k)) throw new StorageError(`Unknown topic config "${k}"`, 'INVALID_CONFIG');
      if (v === null) delete next[k];
      else next[k] = v;
    }
    const overrides = parseTopicConfigOverrides(next);
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
    await this.writeCheckpoints();
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Serialized, so two writes never race on the same temp file. */
  private writeCheckpoints(): Promise<void> {
    this.checkpointDirty = false;
    const recovery: [string, number, number][] = [];
    const starts: [string, number, number][] = [];
    for (const log of this.allLogs()) {
      recovery.push([log.topic, log.partition, log.recoveryPoint]);
      starts.push([log.topic, log.partition, log.logStartOffset]);
    }
    this.checkpointWrite = this.checkpointWrite.then(async () => {
      try {
        await writeOffsetCheckpoint(path.join(this.dataDir, RECOVERY_POINT_CHECKPOINT), recovery);
        await writeOffsetCheckpoint(path.join(this.dataDir, LOG_START_OFFSET_CHECKPOINT), starts);
      } catch (err) {
        this.checkpointDirty = true;
        this.logger.error(`writing offset checkpoints failed: ${(err as Error).message}`);
      }
    });
    return this.checkpointWrite;
  }

  stats(): TopicStats[] {
    return [...this.topics.values()].map(({ info, logs }) => {
      const partitions = logs.map((l, partition) => ({ partition, ...l.stats() }));
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
    const logs = [...this.allLogs()];
    const results = await Promise.allSettled(logs.map((l) => l.close()));
    await Promise.allSettled([...this.background]);
    await this.checkpointWrite;
    let ok = results.every((r) => r.status === 'fulfilled') && logs.every((l) => !l.failed);
    try {
      const entries = (f: (l: PartitionLog) => number) => logs.map((l): [string, number, number] => [l.topic, l.partition, f(l)]);
      writeOffsetCheckpointSync(path.join(this.dataDir, RECOVERY_POINT_CHECKPOINT), entries((l) => l.recoveryPoint));
      writeOffsetCheckpointSync(path.join(this.dataDir, LOG_START_OFFSET_CHECKPOINT), entries((l) => l.logStartOffset));
    } catch (err) {
      ok = false;
      this.logger.error(`writing offset checkpoints at shutdown failed: ${(err as Error).message}`);
    }
    if (ok && markClean) writeCleanShutdownMarker(this.dataDir);
    else if (markClean) this.logger.warn('shutdown was not clean (see errors above); the next start will run recovery');
    releaseLock(this.dataDir);
  }
}

/** Without topics.json: one topic per partition-directory name, partition count from the highest index. */
function topicsFromDirectories(dataDir: string): StoredTopic[] {
  const counts = new Map<string, number>();
  for (const entry of fs.readdirSync(dataDir, { withFileTypes: true })) {
    const parsed = entry.isDirectory() ? parsePartitionDirName(entry.name) : null;
    if (parsed) counts.set(parsed.topic, Math.max(counts.get(parsed.topic) ?? 0, parsed.partition + 1));
  }
  return [...counts].map(([name, partitions]) => ({ name, id: randomKafkaUuid(), partitions, overrides: {} }));
}
