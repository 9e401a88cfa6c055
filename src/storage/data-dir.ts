import fs from 'node:fs';
import path from 'node:path';
import { fsyncDirSync, writeFileAtomicSync } from './atomic-file.js';
import { StorageError } from './types.js';

/** Files at the top of the data directory, named like Kafka's where Kafka has one. */
export const META_DIR = '__meta';
export const TOPICS_FILE = 'topics.json';
export const CLEAN_SHUTDOWN_FILE = '.clean-shutdown';
export const LOCK_FILE = '.lock';
export const RECOVERY_POINT_CHECKPOINT = 'recovery-point-offset-checkpoint';
export const LOG_START_OFFSET_CHECKPOINT = 'log-start-offset-checkpoint';
/** Partition directories of deleted topics, renamed before removal (Kafka's "-delete"). */
export const DELETE_DIR_SUFFIX = '-delete';

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A killed broker whose parent has not reaped it yet (common in containers) is a zombie: signal 0 still
  // succeeds, but it holds nothing. /proc tells on Linux; elsewhere trust the signal.
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/**
 * Two brokers writing one data directory would corrupt it (a second app instance, say).
 * Node has no portable file locks, so the lock holds a pid; a stale one (dead pid) is taken over.
 */
export function acquireLock(dataDir: string): void {
  const file = path.join(dataDir, LOCK_FILE);
  let holder = NaN;
  try {
    holder = Number(fs.readFileSync(file, 'utf8').trim());
  } catch {
    // no lock yet
  }
  if (Number.isInteger(holder) && holder !== process.pid && pidAlive(holder)) {
    throw new StorageError(
      `data directory ${dataDir} is in use by process ${holder}; stop that Tributary instance or choose another data directory (if no such process is Tributary, delete ${file})`,
      'KAFKA_STORAGE_ERROR',
    );
  }
  fs.writeFileSync(file, String(process.pid));
}

export function releaseLock(dataDir: string): void {
  fs.rmSync(path.join(dataDir, LOCK_FILE), { force: true });
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
