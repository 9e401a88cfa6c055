import { errorCode } from '../../protocol/errors.js';
import { offsetAfterBatches } from '../../protocol/record-batch.js';
import type { Encodable } from '../../protocol/schema.js';
import type { FetchResponse } from '../../protocol/schemas/fetch.js';
import { StorageError, type PartitionLog } from '../../storage/index.js';
import type { Logger } from '../../common/logger.js';
import type { ResponseMemory } from '../api.js';

export type PartitionData = Encodable<typeof FetchResponse>['responses'][number]['partitions'][number];

/** One partition of a fetch: what the request asked, and what has been read for the response so far. */
export interface PartitionRead {
  topic: string;
  log: PartitionLog | undefined;
  /** partition_max_bytes. */
  maxBytes: number;
  /** The offset the next read starts at: fetch_offset, then the offset after the last batch taken. */
  next: number;
  bytes: number;
  /** Read no more: an error, or the next batch does not fit in what is left. */
  done: boolean;
  data: PartitionData;
}

/** The response budget of one fetch: max_bytes (capped by fetchMaxBytes) and what has been taken. */
export interface FetchBudget {
  limit: number;
  bytes: number;
}

/** What reads need from the request: broker memory for what they read, the fetch's deadline, a logger. */
export interface ReadScope {
  memory: ResponseMemory;
  deadline: number;
  logger: Logger;
}

/**
 * Memory the chunks keep alive: each is a view of one file read (readLog), so the whole read buffer counts once.
 * Small reads share Node's 8 KiB pool slabs; those count for their own length.
 */
export function retainedBytes(chunks: readonly Buffer[]): number {
  let total = 0;
  const seen = new Set<ArrayBufferLike>();
  for (const c of chunks) {
    if (c.buffer.byteLength <= Buffer.poolSize) total += c.length;
    else if (!seen.has(c.buffer)) {
      seen.add(c.buffer);
      total += c.buffer.byteLength;
    }
  }
  return total;
}

export function emptyData(partitionIndex: number, code = 0, hw = -1, logStart = -1): PartitionData {
  return { partitionIndex, errorCode: code, highWatermark: hw, lastStableOffset: hw, logStartOffset: logStart, abortedTransactions: null, preferredReadReplica: -1, records: [] };
}

function fail(p: PartitionRead, code: number): void {
  p.done = true;
  p.data.errorCode = code;
  if (p.log) {
    p.data.highWatermark = p.data.lastStableOffset = p.log.logEndOffset;
    p.data.logStartOffset = p.log.logStartOffset;
  }
}

function refreshOffsets(p: PartitionRead, log: PartitionLog): void {
  p.data.highWatermark = p.data.lastStableOffset = log.logEndOffset;
  p.data.logStartOffset = log.logStartOffset;
}

/**
 * Reads up to `share` bytes of `p` for the response (Kafka's ReplicaManager.readFromLocalLog), and with `first` the
 * partition's first batch even when larger (KIP-74: the response's first batch, so a consumer always progresses).
 * With `final`, a read that stops before the log end means the next batch cannot fit: the partition is done. Returns
 * true when the partition ended in an error.
 */
export async function readPartition(p: PartitionRead, share: number, first: boolean, final: boolean, budget: FetchBudget, scope: ReadScope): Promise<boolean> {
  const log = p.log;
  if (!log || p.done) return false;
  const want = Math.max(0, share);
  const outOfRange = p.next < log.logStartOffset || p.next > log.logEndOffset;
  // Nothing new, or no room: no read, but the offsets (and an out-of-range fetch offset) are still reported.
  if (!outOfRange && (p.next === log.logEndOffset || (want === 0 && !first))) {
    refreshOffsets(p, log);
    return false;
  }
  // The read buffer comes out of the broker's fetch memory: none free in time means no read this time.
  const granted = outOfRange ? 0 : await scope.memory.reserve(Math.max(want, 1), scope.deadline);
  if (granted === 0 && !outOfRange) {
    refreshOffsets(p, log);
    return false;
  }
  let held = 0;
  try {
    const r = await log.read(p.next, want, first);
    held = retainedBytes(r.chunks);
    p.data.highWatermark = p.data.lastStableOffset = r.highWatermark;
    p.data.logStartOffset = r.logStartOffset;
    if (r.bytes > 0) {
      (p.data.records as Buffer[]).push(...r.chunks);
      p.bytes += r.bytes;
      budget.bytes += r.bytes;
      p.next = offsetAfterBatches(r.chunks[r.chunks.length - 1]!);
    }
    if (p.bytes >= p.maxBytes || (final && p.next < r.highWatermark)) p.done = true;
    return false;
  } catch (e) {
    if (p.bytes > 0) {
      // What was read stays valid (retention or a deletion raced a later read): answer with it.
      p.done = true;
      return false;
    }
    if (e instanceof StorageError && (e.code === 'OFFSET_OUT_OF_RANGE' || e.code === 'UNKNOWN_TOPIC_OR_PARTITION')) {
      fail(p, errorCode(e.code));
    } else {
      scope.logger.error(`fetch ${log.name}@${p.next} failed: ${(e as Error).stack ?? (e as Error).message}`);
      fail(p, errorCode('KAFKA_STORAGE_ERROR'));
    }
    return true;
  } finally {
    scope.memory.settle(granted, held);
  }
}

/**
 * Reads `partitions` for the response, in request order as far as the budget goes, but side by side: every read is
 * a trip through libuv's thread pool, and one after another those trips added up (p99 end-to-end latency rose from
 * ~9 to ~16 ms with six partitions). Shares are planned first, in request order, from what each partition holds
 * (bytesFrom: no I/O), so the reads in flight never hold more than the response budget; the first partition with data
 * may return one batch beyond its share (KIP-74). Partitions whose share the budget cut short then continue one
 * after another with what the others left. Returns true if any ended in an error.
 */
export async function readPartitions(partitions: Iterable<PartitionRead>, budget: FetchBudget, scope: ReadScope): Promise<boolean> {
  const reads: Promise<boolean>[] = [];
  const cut: PartitionRead[] = [];
  let promised = budget.bytes;
  let first = budget.bytes === 0;
  for (const p of partitions) {
    if (!p.log || p.done) continue;
    const wanted = Math.max(0, p.maxBytes - p.bytes);
    const holds = p.log.bytesFrom(p.next);
    const isFirst = first && holds > 0;
    if (isFirst) first = false;
    const share = Math.max(0, Math.min(wanted, holds, budget.limit - promised));
    const isCut = !isFirst && share < Math.min(wanted, holds);
    if (isCut) cut.push(p);
    promised += share;
    reads.push(readPartition(p, share, isFirst, !isCut, budget, scope));
  }
  let error = (await Promise.all(reads)).some(Boolean);
  for (const p of cut) {
    if (await readPartition(p, Math.min(p.maxBytes - p.bytes, budget.limit - budget.bytes), false, true, budget, scope)) error = true;
  }
  return error;
}

/**
 * Long-poll wake-ups: which partitions of a waiting fetch were appended to, so only those are read again. One
 * listener per partition for the whole wait; `wait()` resolves on the first append since the last wait, the deadline,
 * or the client going away.
 */
export class AppendWatch {
  private readonly dirty = new Set<PartitionRead>();
  private wake: (() => void) | null = null;
  private readonly detach: (() => void)[] = [];

  constructor(partitions: readonly PartitionRead[]) {
    for (const p of partitions) {
      const log = p.log;
      if (!log || p.done) continue;
      const onAppend = () => {
        this.dirty.add(p);
        this.wake?.();
      };
      log.on('append', onAppend);
      this.detach.push(() => log.off('append', onAppend));
    }
  }

  /** Resolves with the partitions appended to since the last call (empty on timeout or abort), in no set order. */
  async wait(ms: number, signal: AbortSignal): Promise<Set<PartitionRead>> {
    if (this.dirty.size === 0 && ms > 0 && !signal.aborted) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          this.wake = null;
          resolve();
        };
        const timer = setTimeout(done, ms);
        signal.addEventListener('abort', done);
        this.wake = done;
      });
    }
    const woken = new Set(this.dirty);
    this.dirty.clear();
    return woken;
  }

  close(): void {
    for (const d of this.detach) d();
    this.detach.length = 0;
  }
}
