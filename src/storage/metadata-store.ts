import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { writeFileAtomicSync } from '../common/atomic-file.js';
import { StorageError } from './types.js';

/**
 * dataDir/__meta/topics.json: everything about the data directory that is not in a log —
 * cluster id, topics (name, id, partition count, config overrides) and the producer-id
 * high-water mark. Rewritten atomically on every change; changes are rare admin operations.
 */

export interface StoredTopic {
  name: string;
  id: Buffer;
  partitions: number;
  /** As given by the user (strings, like Kafka's configs); parsed again on load. */
  overrides: Record<string, string>;
}

export interface StoredMetadata {
  clusterId: string;
  /** Producer ids below this may have been handed out; allocation resumes here after a restart. */
  producerIdBlockEnd: number;
  topics: StoredTopic[];
}

const VERSION = 1;

/** 16 random bytes whose base64url form does not start with "-" (Kafka's Uuid.randomUuid, CLI-safe). */
export function randomKafkaUuid(): Buffer {
  for (;;) {
    const b = randomBytes(16);
    if (!b.toString('base64url').startsWith('-') && b.some((x) => x !== 0)) return b;
  }
}

export function uuidToString(id: Buffer): string {
  return id.toString('base64url');
}

function corrupt(file: string, why: string): StorageError {
  return new StorageError(
    `topic metadata ${file} is unreadable (${why}); restore it from a backup, or move it away to rebuild the topic list from the partition directories (topic ids and config overrides will be lost)`,
    'KAFKA_STORAGE_ERROR',
  );
}

/** Null when the file does not exist yet. */
export function readMetadata(file: string): StoredMetadata | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw corrupt(file, (err as Error).message);
  }
  let raw: {
    version?: unknown;
    clusterId?: unknown;
    producerIdBlockEnd?: unknown;
    topics?: { name: unknown; id: unknown; partitions: unknown; overrides: unknown }[];
  };
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw corrupt(file, (err as Error).message);
  }
  if (raw.version !== VERSION) throw corrupt(file, `unsupported version ${String(raw.version)}`);
  if (typeof raw.clusterId !== 'string' || !Number.isSafeInteger(raw.producerIdBlockEnd) || !Array.isArray(raw.topics)) {
    throw corrupt(file, 'missing clusterId, producerIdBlockEnd or topics');
  }
  const topics = raw.topics.map((t): StoredTopic => {
    if (typeof t.name !== 'string' || typeof t.id !== 'string' || !Number.isInteger(t.partitions) || typeof t.overrides !== 'object' || t.overrides === null) {
      throw corrupt(file, `bad topic entry ${JSON.stringify(t)}`);
    }
    const id = Buffer.from(t.id, 'base64url');
    if (id.length !== 16) throw corrupt(file, `topic ${t.name} has a malformed id`);
    return { name: t.name, id, partitions: t.partitions as number, overrides: t.overrides as Record<string, string> };
  });
  return { clusterId: raw.clusterId, producerIdBlockEnd: raw.producerIdBlockEnd as number, topics };
}

export function writeMetadata(file: string, meta: StoredMetadata): void {
  const doc = {
    version: VERSION,
    clusterId: meta.clusterId,
    producerIdBlockEnd: meta.producerIdBlockEnd,
    topics: meta.topics.map((t) => ({ name: t.name, id: uuidToString(t.id), partitions: t.partitions, overrides: t.overrides })),
  };
  writeFileAtomicSync(file, JSON.stringify(doc, null, 2) + '\n');
}
