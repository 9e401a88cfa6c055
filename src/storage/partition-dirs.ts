import fs from 'node:fs';
import type { Logger } from '../common/logger.js';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fsyncDirSync } from '../common/atomic-file.js';
import { DELETE_DIR_SUFFIX } from './data-dir.js';
import { partitionDirContents, strayEntries } from './dir-ownership.js';
import type { DiskSpace } from './disk-space.js';
import type { FdCache } from './fd-cache.js';
import { ioHint } from './io-errors.js';
import { loadPartitionLog, newPartitionLog } from './log-loader.js';
import { PARTITION_METADATA_FILE, readPartitionMetadata, writePartitionMetadata } from './partition-metadata.js';
import type { PartitionLog, PartitionLogHooks } from './partition-log.js';
import type { TokenIndexer } from './token-index/token-indexer.js';
import { partitionDirName } from './topic-name.js';
import { StorageError, type TopicInfo } from './types.js';

/**
 * The partition directories of a data directory: opening, creating and removing them.
 * Removal renames a directory to "<name>.<random>-delete" (like Kafka) and deletes it in the
 * background; whatever cannot be removed now (files in use on Windows) goes at the next start.
 */
export class PartitionDirectories {
  private readonly background = new Set<Promise<void>>();
  private readonly hooks: PartitionLogHooks;

  constructor(
    readonly dataDir: string,
    private readonly logger: Logger,
    onCheckpointDirty: () => void,
    private readonly files: FdCache,
    disk: DiskSpace,
    maxProducersPerPartition?: number,
    tokens?: TokenIndexer | null,
  ) {
    this.hooks = { logger, onCheckpointDirty, files, disk, maxProducersPerPartition, tokens };
  }

  open(info: TopicInfo, p: number, clean: boolean, recoveryPoint?: number, logStartOffset?: number): PartitionLog {
    const dir = path.join(this.dataDir, partitionDirName(info.name, p));
    try {
      fs.mkdirSync(dir, { recursive: true });
      this.claim(dir, info);
      return loadPartitionLog({
        dir,
        topic: info.name,
        partition: p,
        config: info.config,
        hooks: this.hooks,
        clean,
        recoveryPoint,
        logStartOffset,
      }).log;
    } catch (err) {
      if (err instanceof StorageError) throw err;
      throw new StorageError(
        `cannot open partition ${info.name}-${p} in ${dir}: ${(err as Error).message}; check the disk and the directory's permissions`,
        'KAFKA_STORAGE_ERROR',
        { cause: err },
      );
    }
  }

  /**
   * Make sure the directory carries this topic's partition.metadata (partitions written before
   * it existed get one now). A directory that names another topic id is not this topic's: refuse
   * to mix them. A failed write (a full disk) only costs a warning; the next start tries again.
   */
  private claim(dir: string, info: TopicInfo): void {
    const found = readPartitionMetadata(dir);
    if (found instanceof Buffer) {
      if (found.equals(info.id)) return;
      throw new StorageError(
        `partition directory ${dir} belongs to topic id ${found.toString('base64url')}, but topics.json gives topic ${info.name} the id ${info.id.toString('base64url')}; ` +
          'move the directory out of the data directory (it is another topic\'s data) and restart',
        'KAFKA_STORAGE_ERROR',
      );
    }
    try {
      writePartitionMetadata(dir, info.id);
    } catch (err) {
      this.logger.warn(`could not write partition.metadata in ${dir} (${(err as Error).message}); the next start tries again`);
    }
  }

  /**
   * New, empty partitions [from, to) of a topic, all or nothing: if any directory cannot be
   * made, those made so far are removed before the error is thrown.
   *
   * Still synchronous, and why: one mkdir per partition and one fsync of the data directory
   * for all of them, so that the caller can write the metadata right after and no request
   * observes a half-created topic (CreateTopics is capped at 10,000 partitions). The mkdir
   * is the floor; what each partition used to cost besides (an existence check, two
   * directory listings, creating the segment file and holding its descriptor, and at every
   * shutdown two empty index files and a producer snapshot) is gone: the first append
   * creates the segment file, index files appear when a segment has data, and a snapshot
   * only when there is something new to record. The data-directory fsync is what makes the
   * new entries durable before any segment inside them can be. A crash before the metadata
   * is written leaves empty directories that the next start removes (removeUnowned).
   */
  create(info: TopicInfo, from: number, to: number): PartitionLog[] {
    const made: string[] = [];
    for (let p = from; p < to; p++) {
      const dir = path.join(this.dataDir, partitionDirName(info.name, p));
      try {
        makeEmptyDir(dir);
        made.push(dir);
        writePartitionMetadata(dir, info.id);
      } catch (err) {
        this.removeEmptyDirs(made);
        throw new StorageError(`could not create partition dir ${dir}: ${(err as Error).message}; nothing was created (${ioHint(err)})`, 'KAFKA_STORAGE_ERROR', {
          cause: err,
        });
      }
    }
    try {
      // The directories' entries must be durable before segment files inside them can be (see PartitionLog.flush).
      fsyncDirSync(this.dataDir);
    } catch (err) {
      this.removeEmptyDirs(made);
      throw new StorageError(`could not sync ${this.dataDir} after creating partition dirs: ${(err as Error).message}; nothing was created (${ioHint(err)})`, 'KAFKA_STORAGE_ERROR', {
        cause: err,
      });
    }
    return made.map((dir, i) => newPartitionLog({ dir, topic: info.name, partition: from + i, config: info.config, hooks: this.hooks }));
  }

  /** Undo create() (the metadata could not be saved): the logs are still empty, so their directories go now. */
  discard(logs: PartitionLog[]): void {
    for (const log of logs) log.drop();
    this.removeEmptyDirs(logs.map((l) => l.dir));
  }

  /** Directories this process just made, holding at most their partition.metadata. */
  private removeEmptyDirs(dirs: string[]): void {
    for (const dir of dirs) {
      try {
        fs.rmSync(path.join(dir, PARTITION_METADATA_FILE), { force: true });
        fs.rmdirSync(dir);
      } catch (err) {
        this.logger.warn(`could not remove the new partition dir ${dir} (${(err as Error).message}); it will be removed at the next start`);
      }
    }
  }

  /** Drop `logs` (partitions firstPartition, firstPartition + 1, …) and remove their directories. */
  abandon(topic: string, logs: PartitionLog[], firstPartition: number): Promise<void> {
    const tasks = logs.map((log, i) => {
      log.drop();
      const dir = path.join(this.dataDir, partitionDirName(topic, firstPartition + i));
      const doomed = `${dir}.${randomBytes(8).toString('hex')}${DELETE_DIR_SUFFIX}`;
      try {
        fs.renameSync(dir, doomed);
        return this.remove(doomed);
      } catch {
        return this.remove(dir);
      }
    });
    return Promise.all(tasks).then(() => {});
  }

  /**
   * At startup: remove what no topic owns and is provably ours (leftovers of deletions or of
   * creations cut short by a crash); name everything else in a warning and leave it alone.
   */
  removeUnowned(owns: (topic: string, partition: number) => boolean, metaFile: string): void {
    for (const { name, action, why } of strayEntries(this.dataDir, owns)) {
      if (action === 'leave') {
        this.logger.warn(`leaving ${path.join(this.dataDir, name)} alone: ${why}; Tributary did not create it (move it out of the data directory to silence this warning)`);
        continue;
      }
      if (!name.endsWith(DELETE_DIR_SUFFIX)) this.logger.warn(`removing ${name}: ${why} (${metaFile})`);
      void this.remove(path.join(this.dataDir, name));
    }
  }

  private remove(dir: string): Promise<void> {
    // Each removal holds a directory open while it runs: take a slot of the fd cache, so deleting a topic of
    // thousands of partitions cannot exhaust the process's open files.
    const task = this.files
      .withSlot(() => fsp.rm(dir, { recursive: true, force: true, maxRetries: 5 }))
      .catch((err: Error) => this.logger.warn(`could not remove ${dir} (${err.message}); it will be removed at the next start`))
      .finally(() => this.background.delete(task));
    this.background.add(task);
    return task;
  }

  /** Wait for background removals (at close). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.background]);
  }
}

function makeEmptyDir(dir: string): void {
  try {
    fs.mkdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // The remains of a deleted topic that could not be removed yet (files in use on Windows) may go; anything that
    // is not provably ours stays, and the creation fails.
    const contents = partitionDirContents(dir);
    if (contents.kind !== 'ours' && contents.kind !== 'empty') {
      throw Object.assign(new Error(`${dir} already exists and was not made by Tributary; move it out of the data directory`), { code: 'EEXIST' });
    }
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir);
  }
}
