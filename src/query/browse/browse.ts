import type { PartitionLog, TopicInfo } from '../../storage/index.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { PartitionStream } from './partition-stream.js';
import { BrowseError, type BrowseLogs, type BrowsedRecord, type Direction, type Seek } from './types.js';

/** Largest page: the API's cap on `limit`. */
export const MAX_BROWSE_LIMIT = 1000;

export interface BrowseRequest {
  topic: string;
  /** One partition; all of them (merged by time) when absent. */
  partition?: number;
  /** Ignored when `cursor` is given. */
  seek: Seek;
  /** Default: backward from newest, forward from anywhere else. Ignored when `cursor` is given. */
  direction?: Direction;
  limit: number;
  cursor?: string;
}

export interface BrowsePage {
  records: BrowsedRecord[];
  direction: Direction;
  /**
   * Resumes after the last record of this page. Backward: null once every partition reached its log start. Forward:
   * always set, since producers may add more; `atEnd` says whether this page reached the end seen when it was read.
   */
  cursor: string | null;
  atEnd: boolean;
}

function topicOf(logs: BrowseLogs, name: string): TopicInfo {
  const t = logs.getTopic(name);
  if (!t) throw new BrowseError(`topic ${name} does not exist`, 'not-found');
  return t;
}

function partitionOf(logs: BrowseLogs, topic: TopicInfo, p: number): PartitionLog {
  const log = p >= 0 && p < topic.partitions ? logs.partition(topic.name, p) : undefined;
  if (!log) throw new BrowseError(`topic ${topic.name} has no partition ${p} (it has ${topic.partitions}: 0 to ${topic.partitions - 1})`, 'not-found');
  return log;
}

const clamp = (n: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, n));

/** The stream position a seek means in one partition (see PartitionStream for what a position is). */
async function startPosition(log: PartitionLog, seek: Seek, direction: Direction): Promise<number> {
  const { logStartOffset: start, logEndOffset: end } = log;
  switch (seek.from) {
    case 'oldest':
      return start;
    case 'newest':
      return end;
    case 'offset':
      // Backward from an offset includes that record.
      return clamp(direction === 'forward' ? seek.offset : seek.offset + 1, start, end);
    case 'timestamp': {
      // Forward: the first record at or after the time. Backward: the records at or before it.
      const at = await log.offsetForTimestamp(direction === 'forward' ? seek.timestamp : seek.timestamp + 1);
      return at ? clamp(at.offset, start, end) : end;
    }
  }
}

/** Forward: earliest first, by (timestamp, partition, offset); backward: the reverse. */
function before(a: BrowsedRecord, b: BrowsedRecord, direction: Direction): boolean {
  const c = a.timestamp - b.timestamp || a.partition - b.partition || a.offset - b.offset;
  return direction === 'forward' ? c < 0 : c > 0;
}

/**
 * One page of a topic: every partition (merged by record time) or one, from a seek or a cursor, in either direction.
 * Each partition is read in offset order, in chunks, and the merge takes the earliest (or latest) head each time:
 * records of one partition keep their offset order even when producers' clocks disagree.
 */
export async function browseTopic(logs: BrowseLogs, req: BrowseRequest): Promise<BrowsePage> {
  const topic = topicOf(logs, req.topic);
  const limit = clamp(Math.floor(req.limit), 1, MAX_BROWSE_LIMIT);
  let direction: Direction;
  const streams: PartitionStream[] = [];
  if (req.cursor !== undefined) {
    const c = decodeCursor(req.cursor);
    if (c.topic !== topic.name) throw new BrowseError(`this cursor belongs to topic ${c.topic}, not ${topic.name}`, 'invalid');
    direction = c.direction;
    for (const [p, position] of c.positions) {
      if (req.partition !== undefined && p !== req.partition) throw new BrowseError(`this cursor is for other partitions than ${req.partition}`, 'invalid');
      streams.push(new PartitionStream(partitionOf(logs, topic, p), p, direction, position, limit));
    }
  } else {
    direction = req.direction ?? (req.seek.from === 'newest' ? 'backward' : 'forward');
    const ps = req.partition !== undefined ? [req.partition] : Array.from({ length: topic.partitions }, (_, i) => i);
    for (const p of ps) {
      const log = partitionOf(logs, topic, p);
      streams.push(new PartitionStream(log, p, direction, await startPosition(log, req.seek, direction), limit));
    }
  }
  const records: BrowsedRecord[] = [];
  while (records.length < limit) {
    let best: PartitionStream | undefined;
    for (const s of streams) {
      const h = s.peek() ?? (await s.head());
      if (h && (!best || before(h, best.peek()!, direction))) best = s;
    }
    if (!best) break;
    records.push(best.take());
  }
  // Looking one record ahead tells whether this page reached the end (it reads at most one more chunk).
  let atEnd = true;
  for (const s of streams) if (await s.head()) atEnd = false;
  const positions = new Map(streams.map((s) => [s.partition, s.position]));
  const cursor = direction === 'backward' && atEnd ? null : encodeCursor({ topic: topic.name, direction, positions });
  return { records, direction, cursor, atEnd };
}

/** One record, or a not-found error naming the partition's range. */
export async function readRecord(logs: BrowseLogs, topicName: string, partition: number, offset: number): Promise<BrowsedRecord> {
  const topic = topicOf(logs, topicName);
  const log = partitionOf(logs, topic, partition);
  const s = new PartitionStream(log, partition, 'forward', offset, 1);
  const r = offset >= log.logStartOffset ? await s.head() : undefined;
  if (!r || r.offset !== offset) {
    throw new BrowseError(`${topic.name}-${partition} has no record at offset ${offset} (it holds ${log.logStartOffset} to ${log.logEndOffset - 1})`, 'not-found');
  }
  return r;
}

/** Up to `n` records before and after one record of a partition, like `grep -C`, in offset order with the record itself. */
export async function recordContext(logs: BrowseLogs, topicName: string, partition: number, offset: number, n: number): Promise<{ records: BrowsedRecord[]; index: number }> {
  const anchor = await readRecord(logs, topicName, partition, offset);
  const log = partitionOf(logs, topicOf(logs, topicName), partition);
  const back = new PartitionStream(log, partition, 'backward', offset, n);
  const earlier: BrowsedRecord[] = [];
  while (earlier.length < n && (await back.head())) earlier.push(back.take());
  const fwd = new PartitionStream(log, partition, 'forward', offset + 1, n);
  const later: BrowsedRecord[] = [];
  while (later.length < n && (await fwd.head())) later.push(fwd.take());
  return { records: [...earlier.reverse(), anchor, ...later], index: earlier.length };
}
