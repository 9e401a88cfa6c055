import fs from 'node:fs';
import path from 'node:path';
import type { ProducerSnapshot, ProducerStateTable } from './producer-state.js';
import { offsetFileName } from './segment.js';

/*
 * Producer-state snapshots, <offset>.snapshot in the partition directory (like Kafka): the
 * state after every batch below <offset>. They only shorten the replay of batch headers at
 * startup, so they are written without fsync: a snapshot lost to a power cut costs a longer
 * replay from the previous one (we keep two), never correctness.
 */

const SUFFIX = '.snapshot';
const KEEP = 2;

export function listSnapshotOffsets(dir: string): number[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(SUFFIX) && /^\d{20}$/.test(f.slice(0, -SUFFIX.length)))
    .map((f) => Number(f.slice(0, -SUFFIX.length)))
    .sort((a, b) => a - b);
}

function fileFor(dir: string, offset: number): string {
  return path.join(dir, offsetFileName(offset) + SUFFIX);
}

export function writeProducerSnapshot(dir: string, table: ProducerStateTable, offset: number): void {
  const file = fileFor(dir, offset);
  try {
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(table.toSnapshot(offset)));
  } catch (err) {
    fs.rmSync(`${file}.tmp`, { force: true }); // half a snapshot only takes space (a full disk)
    throw err;
  }
  fs.renameSync(`${file}.tmp`, file);
  table.dirty = false;
  const offsets = listSnapshotOffsets(dir);
  for (const old of offsets.slice(0, Math.max(0, offsets.length - KEEP))) fs.rmSync(fileFor(dir, old), { force: true });
}

/**
 * Load the newest readable snapshot at or below `maxOffset` into `table`, deleting newer
 * ones (their batches were truncated away). Returns its offset, or null if none is usable.
 */
export function loadLatestSnapshot(dir: string, maxOffset: number, table: ProducerStateTable, warn: (msg: string) => void): number | null {
  const offsets = listSnapshotOffsets(dir).reverse();
  for (const offset of offsets) {
    const file = fileFor(dir, offset);
    if (offset > maxOffset) {
      fs.rmSync(file, { force: true });
      continue;
    }
    try {
      const snap = JSON.parse(fs.readFileSync(file, 'utf8')) as ProducerSnapshot;
      if (snap.offset !== offset) throw new Error(`holds offset ${snap.offset}`);
      table.loadSnapshot(snap);
      return offset;
    } catch (err) {
      warn(`ignoring unreadable producer snapshot ${file} (${(err as Error).message}); rebuilding from the log instead`);
      fs.rmSync(file, { force: true });
    }
  }
  table.clear();
  table.dirty = false;
  return null;
}
