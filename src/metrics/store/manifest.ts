import fs from 'node:fs';
import { writeFileAtomic } from '../../common/atomic-file.js';

/**
 * The store's checkpoint, `manifest.json`, rewritten atomically after every seal pass (after the parts it vouches for
 * and the series file are durable):
 *   frontier     every hour ending at or before it is sealed on disk;
 *   partitions   per metric partition: `checkpoint`, the offset to resume reading from (no record before it has a
 *                point in an hour still open in memory), and `applied`, how far the store had read (points of sealed
 *                hours from records before it are on disk already, so a replay skips them instead of merging them);
 *   topics       the decision, per topic id, whether a topic outside the configured ones carries metrics.
 */

export interface PartitionCheckpoint {
  /** Hex id of the topic: a topic deleted and created again under the same name starts over. */
  topicId: string;
  checkpoint: number;
  applied: number;
}

export interface Manifest {
  version: 1;
  frontier: number;
  partitions: Record<string, PartitionCheckpoint>;
  topics: Record<string, { name: string; follow: boolean }>;
}

export const EMPTY_MANIFEST: Manifest = { version: 1, frontier: -Infinity, partitions: {}, topics: {} };

export function readManifest(file: string, onInvalid: (why: string) => void): Manifest {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return structuredClone(EMPTY_MANIFEST);
    throw e;
  }
  try {
    const m = JSON.parse(text) as Manifest & { frontier: number | null };
    if (m.version !== 1 || typeof m.partitions !== 'object' || typeof m.topics !== 'object') throw new Error('unknown layout');
    return { ...m, frontier: m.frontier ?? -Infinity };
  } catch (e) {
    onInvalid(`${file} is unreadable (${(e as Error).message}); reading the metric topics from their start again`);
    return structuredClone(EMPTY_MANIFEST);
  }
}

export function writeManifest(file: string, m: Manifest): Promise<void> {
  return writeFileAtomic(file, `${JSON.stringify({ ...m, frontier: Number.isFinite(m.frontier) ? m.frontier : null }, null, 1)}\n`);
}
