import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { DELETE_DIR_SUFFIX, unownedDirectories } from './data-dir.js';
import { loadPartitionLog } from './log-loader.js';
import type { PartitionLog } from './partition-log.js';
import { partitionDirName } from './topic-name.js';
import { StorageError, type StorageLogger, type TopicInfo } from './types.js';

/**
 * The partition directories of a data directory: opening, creating and removing them.
 * Removal renames a directory to "<name>.<random>-delete" (like Kafka) and deletes it in the
 * background; whatever cannot be removed now (files in use on Windows) goes at the next start.
 */
export class PartitionDirectories {
  private readonly background = new Set<Promise<void>>();

  constructor(
    readonly dataDir: string,
    private readonly logger: StorageLogger,
    private readonly onCheckpointDirty: () => void,
  ) {}

  open(info: TopicInfo, p: number, clean: boolean, recoveryPoint?: number, logStartOffset?: number): PartitionLog {
    const dir = path.join(this.dataDir, partitionDirName(info.name, p));
    try {
      return loadPartitionLog({
        dir,
        topic: info.name,
        partition: p,
        config: info.config,
        hooks: { logger: this.logger, onCheckpointDirty: this.onCheckpointDirty },
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

  /** New, empty partitions [from, to) of a topic; all or nothing. */
  create(info: TopicInfo, from: number, to: number): PartitionLog[] {
    const logs: PartitionLog[] = [];
    try {
      for (let p = from; p < to; p++) {
        const dir = path.join(this.dataDir, partitionDirName(info.name, p));
        // A directory here is the remains of a deleted topic that could not be removed yet (files in use on Windows).
        if (fs.existsSync(dir)) fs.rmSync(dir, { recursive: true, force: true });
        logs.push(this.open(info, p, true));
      }
    } catch (err) {
      void this.abandon(info.name, logs, from);
      throw new StorageError(`could not create partition directories for ${info.name}: ${(err as Error).message}`, 'KAFKA_STORAGE_ERROR', { cause: err });
    }
    return logs;
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

  /** At startup: remove what no topic owns, leftovers of deletions or partition creations cut short by a crash. */
  removeUnowned(owns: (topic: string, partition: number) => boolean, metaFile: string): void {
    for (const { name, stray } of unownedDirectories(this.dataDir, owns)) {
      if (stray) this.logger.warn(`removing ${name}: no such partition in ${metaFile} (left over from a deletion)`);
      void this.remove(path.join(this.dataDir, name));
    }
  }

  private remove(dir: string): Promise<void> {
    const task = fsp
      .rm(dir, { recursive: true, force: true, maxRetries: 5 })
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
