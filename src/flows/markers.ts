import type { RecordInput } from '../protocol/record-batch-builder.js';
import type { DecodedRecord } from '../protocol/record-decoder.js';
import type { FlowRecord } from './target.js';

/*
 * The last record of each batch a flow writes into a topic carries where it came from: `tributary.source` =
 * `topic/partition` and `tributary.offset` = its source offset. A batch is appended (or refused) whole, and source
 * partition p goes to target partition p, so the last record of target partition p says exactly where p's copy
 * stopped: the position is written with the data, in the same batch, and a crash between the write and anything else
 * can neither lose nor repeat a record. Only the last record is marked because the markers on every record cost more
 * than the record itself for short log lines (bytes, encoding, and the receiving broker's index tokenizing them).
 */

export const SOURCE_HEADER = 'tributary.source';
export const OFFSET_HEADER = 'tributary.offset';

export function sourceId(topic: string, partition: number): string {
  return `${topic}/${partition}`;
}

/** The record as written to a topic target: its key, timestamp and headers, `value` (reshaped or not). */
export function plainInput(r: FlowRecord, value: Buffer | string | null = r.value): RecordInput {
  return { key: r.key, value, timestamp: r.timestamp, headers: r.headers };
}

/** As plainInput, with the markers: for the last record of each batch written. */
export function markedInput(r: FlowRecord, value: Buffer | string | null = r.value): RecordInput {
  return {
    key: r.key,
    value,
    timestamp: r.timestamp,
    headers: [...r.headers, [SOURCE_HEADER, sourceId(r.topic, r.partition)], [OFFSET_HEADER, String(r.offset)]],
  };
}

/** The source offset a written record carries, when it is one of this source partition's; else null. */
export function markedOffset(r: DecodedRecord, source: string): number | null {
  let from: string | null = null;
  let offset: string | null = null;
  for (let i = r.headers.length - 1; i >= 0 && (from === null || offset === null); i--) {
    const [k, v] = r.headers[i]!;
    if (k === SOURCE_HEADER && from === null) from = v?.toString('utf8') ?? '';
    else if (k === OFFSET_HEADER && offset === null) offset = v?.toString('utf8') ?? '';
  }
  if (from !== source || offset === null || !/^\d{1,16}$/.test(offset)) return null;
  return Number(offset);
}

/** Reads a target partition's records from `offset` on: the records and where the next read starts. */
export type TailReader = (offset: number) => Promise<{ records: DecodedRecord[]; next: number }>;

/** How far back from a target partition's end the last marked record is looked for (records written by others). */
const WINDOWS = [1, 256, 65_536];

/**
 * The offset after the last record of `source` in a target partition [start, end), looking back in widening windows;
 * null when the window reaching the partition's start holds none (nothing of this source was written yet).
 */
export async function resumeFromTail(read: TailReader, start: number, end: number, source: string): Promise<number | null> {
  if (end <= start) return null;
  for (const w of WINDOWS) {
    const from = Math.max(start, end - w);
    let found: number | null = null;
    for (let at = from, rounds = 0; at < end && rounds < 100_000; rounds++) {
      const { records, next } = await read(at);
      for (const r of records) {
        const o = markedOffset(r, source);
        if (o !== null) found = o;
      }
      if (next <= at) break;
      at = next;
    }
    if (found !== null) return found + 1;
    if (from === start) return null;
  }
  throw new Error(`the last ${WINDOWS[WINDOWS.length - 1]} records of the target partition hold none from ${source}, though it is not empty: another producer writes there; give the flow a topic of its own`);
}
