import type { DecodedRecord } from '../../protocol/record-decoder.js';
import type { PartitionLog, TopicInfo } from '../../storage/index.js';

/** What a search reads: topics and their partition logs (the LogManager satisfies it). */
export interface SearchLogs {
  listTopics(): TopicInfo[];
  getTopic(name: string): TopicInfo | undefined;
  partition(topic: string, partition: number): PartitionLog | undefined;
}

export type SearchOrder = 'newest' | 'oldest';

/** One matching record. Buffers are views of the block read (or decompressed) for it: render before the next block. */
export interface FoundRecord extends DecodedRecord {
  topic: string;
  partition: number;
}

/** What a search did, for `stats` in every answer: how much the time range and the index let it skip. */
export interface SearchStats {
  partitions: number;
  /** Segments of which at least one byte was read. */
  segmentsScanned: number;
  /** Segments walked past without reading a byte (time range or index). */
  segmentsSkipped: number;
  /** Indexed blocks read (in part or whole), and pieces (≤ 256 KiB) of unindexed ranges read (the block being filled, or everything with searchIndex off). */
  blocksScanned: number;
  unindexedRangesScanned: number;
  /** Blocks (and unindexed ranges) skipped because their timestamps lie outside the range. */
  blocksSkippedByTime: number;
  /** Blocks skipped because their bloom filter lacks a word the query needs. */
  blocksSkippedByIndex: number;
  /** Histograms: blocks counted from the level counts stored in the index, unread. */
  blocksCountedFromIndex: number;
  /** Histograms: blocks counted from the summary an earlier histogram of the same query kept in memory, unread. */
  blocksCountedFromCache: number;
  bytesScanned: number;
  bytesSkipped: number;
  /** Batches not decoded because a literal the query needs is not in their (decompressed) bytes. */
  batchesSkippedByBytes: number;
  /** Batches that could not be decoded (corrupt records, unknown codec): counted, not fatal. */
  batchesUnreadable: number;
  recordsDecoded: number;
  recordsMatched: number;
  elapsedMs: number;
}

export function emptyStats(): SearchStats {
  return {
    partitions: 0,
    segmentsScanned: 0,
    segmentsSkipped: 0,
    blocksScanned: 0,
    unindexedRangesScanned: 0,
    blocksSkippedByTime: 0,
    blocksSkippedByIndex: 0,
    blocksCountedFromIndex: 0,
    blocksCountedFromCache: 0,
    bytesScanned: 0,
    bytesSkipped: 0,
    batchesSkippedByBytes: 0,
    batchesUnreadable: 0,
    recordsDecoded: 0,
    recordsMatched: 0,
    elapsedMs: 0,
  };
}

export class SearchError extends Error {
  constructor(
    message: string,
    /** invalid: the request cannot mean anything (the API answers 400); not-found: no such topic (404). */
    readonly kind: 'invalid' | 'not-found',
  ) {
    super(message);
    this.name = 'SearchError';
  }
}

/** Thrown by a scan whose AbortSignal fired (the client went away, or asked to stop). */
export class SearchCancelled extends Error {
  constructor() {
    super('the search was cancelled');
    this.name = 'SearchCancelled';
  }
}
