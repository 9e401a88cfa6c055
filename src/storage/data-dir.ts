import fs from 'node:fs';
import type { Logger } from '../common/logger.js';
import path from 'node:path';
import { fsyncDirSync, writeFileAtomicSync } from '../common/atomic-file.js';
import { DirLockedError, lockDirectory, type DirLock } from '../common/dir-lock.js';
import { ioHint } from './io-errors.js';
import { randomKafkaUuid, readMetadata, writeMetadata, type StoredMetadata } from './metadata-store.js';
import { rebuildTopics } from './dir-ownership.js';
import { StorageError } from './types.js';

/** Files at the top of the data directory, named like Kafka's where Kafka has one. */
export const META_DIR = '__meta';
/** The metrics store's own directory (src/metrics/store), beside the partitions. */
export const METRICS_DIR = '__metrics';
export const TOPICS_FILE = 'topics.json';
export const CLEAN_SHUTDOWN_FILE = '.clean-shutdown';
export const LOCK_FILE = '.lock';
export const RECOVERY_POINT_CHECKPOINT = 'recovery-point-offset-checkpoint';
export const LOG_START_OFFSET_CHECKPOINT = 'log-start-offset-checkpoint';
/** Partition directories of deleted topics, renamed before removal (Kafka's "-delete"). */
export const DELETE_DIR_SUFFIX = '-delete';

/**
 * Two brokers writing one data directory would corrupt it (a second app instance, say): the shared directory lock
 * (exclusive create, race-free takeover of a stale lock).
 */
export function acquireLock(dataDir: string): DirLock {
  try {
    return lockDirectory(dataDir, {
      name: LOCK_FILE,
      busyMessage: (pid, file) =>
        `data directory ${dataDir} is in use by process ${pid}; stop that Tributary instance or choose another data directory (if no such process is Tributary, delete ${file})`,
    });
  } catch (err) {
    if (err instanceof DirLockedError) throw new StorageError(err.message, 'KAFKA_STORAGE_ERROR');
    throw new StorageError(`cannot lock data directory ${dataDir}: ${(err as Error).message}; ${ioHint(err)}`, 'KAFKA_STORAGE_ERROR', { cause: err });
  }
}

/**
 * True if the last shutdown was clean. The marker is removed (durably) right away so that a
 * crash from now on is detected at the next start.
 */
export function consumeCleanShutdownMarker(dataDir: string): boolean {
  const file = path.join(dataDir, CLEAN_SHUTDOWN_FILE);
  if (!fs.existsSync(file)) return false;
  fs.rmSync(file);
  fsyncDirSync(dataDir);
  return true;
}

export function writeCleanShutdownMarker(dataDir: string): void {
  writeFileAtomicSync(path.join(dataDir, CLEAN_SHUTDOWN_FILE), '');
}

/**
 * Take the lock, load (or create) the metadata and consume the clean-shutdown marker.
 * Without topics.json the topic list is rebuilt from the directories that hold our partition
 * files (ids from their partition.metadata, configs lost); a directory that never held
 * anything counts as cleanly shut down.
 */
export function openDataDir(dataDir: string, logger: Logger): { meta: StoredMetadata; clean: boolean; metaFile: string; lock: DirLock } {
  fs.mkdirSync(path.join(dataDir, META_DIR), { recursive: true });
  const lock = acquireLock(dataDir);
  const metaFile = path.join(dataDir, META_DIR, TOPICS_FILE);
  try {
    const stored = readMetadata(metaFile);
    const marker = consumeCleanShutdownMarker(dataDir);
    if (stored) return { meta: stored, clean: marker, metaFile, lock };
    const topics = rebuildTopics(dataDir, (m) => logger.warn(m));
    if (topics.length) {
      logger.warn(
        `${metaFile} is missing; rebuilt ${topics.length} topic(s) from partition directories (${topics.map((t) => t.name).join(', ')}), with default configs`,
      );
    }
    const meta = { clusterId: randomKafkaUuid().toString('base64url'), producerIdBlockEnd: 0, topics };
    writeMetadata(metaFile, meta);
    return { meta, clean: marker || topics.length === 0, metaFile, lock };
  } catch (err) {
    lock.release();
    throw err;
  }
}
