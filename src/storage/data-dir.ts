import fs from 'node:fs';
import type { Logger } from '../common/logger.js';
import path from 'node:path';
import { fsyncDirSync, writeFileAtomicSync } from '../common/atomic-file.js';
import { randomKafkaUuid, readMetadata, writeMetadata, type StoredMetadata, type StoredTopic } from './metadata-store.js';
import { parsePartitionDirName } from './topic-name.js';
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

/** Without topics.json: one topic per partition-directory name, partition count from the highest index. */
export function topicsFromDirectories(dataDir: string): StoredTopic[] {
  const counts = new Map<string, number>();
  for (const entry of fs.readdirSync(dataDir, { withFileTypes: true })) {
    const parsed = entry.isDirectory() ? parsePartitionDirName(entry.name) : null;
    if (parsed) counts.set(parsed.topic, Math.max(counts.get(parsed.topic) ?? 0, parsed.partition + 1));
  }
  return [...counts].map(([name, partitions]) => ({ name, id: randomKafkaUuid(), partitions, overrides: {} }));
}

/**
 * Directories no topic owns: "-delete" leftovers of deletions, and partitions missing from
 * the metadata (a deletion or partition creation cut short by a crash). `stray` is true for
 * the latter, which deserve a warning.
 */
export function unownedDirectories(dataDir: string, owns: (topic: string, partition: number) => boolean): { name: string; stray: boolean }[] {
  const out: { name: string; stray: boolean }[] = [];
  for (const entry of fs.readdirSync(dataDir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name === META_DIR) continue;
    const parsed = parsePartitionDirName(entry.name);
    if (parsed ? !owns(parsed.topic, parsed.partition) : entry.name.endsWith(DELETE_DIR_SUFFIX)) out.push({ name: entry.name, stray: parsed !== null });
  }
  return out;
}

/**
 * Take the lock, load (or create) the metadata and consume the clean-shutdown marker.
 * Without topics.json the topic list is rebuilt from partition directories, losing only ids
 * and overrides; a directory that never held anything counts as cleanly shut down.
 */
export function openDataDir(dataDir: string, logger: Logger): { meta: StoredMetadata; clean: boolean; metaFile: string } {
  fs.mkdirSync(path.join(dataDir, META_DIR), { recursive: true });
  acquireLock(dataDir);
  const metaFile = path.join(dataDir, META_DIR, TOPICS_FILE);
  try {
    const stored = readMetadata(metaFile);
    const marker = consumeCleanShutdownMarker(dataDir);
    if (stored) return { meta: stored, clean: marker, metaFile };
    const topics = topicsFromDirectories(dataDir);
    if (topics.length) logger.warn(`${metaFile} is missing; rebuilt ${topics.length} topic(s) from partition directories with new topic ids and default configs`);
    const meta = { clusterId: randomKafkaUuid().toString('base64url'), producerIdBlockEnd: 0, topics };
    writeMetadata(metaFile, meta);
    return { meta, clean: marker || topics.length === 0, metaFile };
  } catch (err) {
    releaseLock(dataDir);
    throw err;
  }
}
