import fs from 'node:fs';
import { writeFileAtomic, writeFileAtomicSync } from '../common/atomic-file.js';

/**
 * Kafka's offset checkpoint format (recovery-point-offset-checkpoint, log-start-offset-checkpoint):
 *   0            <- version
 *   2            <- entry count
 *   orders 0 1234
 *   orders 1 977
 * Keyed here by partition directory name ("orders-0") for cheap lookup.
 */
const VERSION = 0;

export type OffsetCheckpoint = Map<string, number>;

function encode(entries: Iterable<[topic: string, partition: number, offset: number]>): string {
  const lines: string[] = [];
  for (const [topic, partition, offset] of entries) lines.push(`${topic} ${partition} ${offset}`);
  return `${VERSION}\n${lines.length}\n${lines.join('\n')}${lines.length ? '\n' : ''}`;
}

/**
 * Missing file: empty map. A malformed file is reported through `onInvalid` and treated as
 * missing, which only costs a longer recovery, never data.
 */
export function readOffsetCheckpoint(file: string, onInvalid: (why: string) => void): OffsetCheckpoint {
  const out: OffsetCheckpoint = new Map();
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return out;
    throw err;
  }
  const lines = text.split('\n').filter((l) => l.length > 0);
  const count = Number(lines[1]);
  if (lines[0] !== String(VERSION) || !Number.isInteger(count) || lines.length !== count + 2) {
    onInvalid(`${file} is malformed; ignoring it`);
    return out;
  }
  for (const line of lines.slice(2)) {
    const [topic, partition, offset] = line.split(' ');
    const p = Number(partition);
    const o = Number(offset);
    if (!topic || !Number.isInteger(p) || !Number.isInteger(o) || o < 0) {
      onInvalid(`${file} has a malformed line "${line}"; ignoring the file`);
      return new Map();
    }
    out.set(`${topic}-${p}`, o);
  }
  return out;
}

export function writeOffsetCheckpointSync(file: string, entries: Iterable<[string, number, number]>): void {
  writeFileAtomicSync(file, encode(entries));
}

export function writeOffsetCheckpoint(file: string, entries: Iterable<[string, number, number]>): Promise<void> {
  return writeFileAtomic(file, encode(entries));
}
