import type { DecodedRecord } from '../../protocol/record-decoder.js';
import type { PartitionLog, TopicInfo } from '../../storage/index.js';

/** What browsing reads: topics and their partition logs (the LogManager satisfies it). */
export interface BrowseLogs {
  getTopic(name: string): TopicInfo | undefined;
  partition(topic: string, partition: number): PartitionLog | undefined;
}

/** One decoded record of a partition. Buffers are views of the bytes read (or decompressed) for it. */
export interface BrowsedRecord extends DecodedRecord {
  partition: number;
  /** Bytes of key, value, and header names and values. */
  size: number;
}

export type Direction = 'forward' | 'backward';

/** Where a page starts when there is no cursor. */
export type Seek = { from: 'newest' } | { from: 'oldest' } | { from: 'offset'; offset: number } | { from: 'timestamp'; timestamp: number };

export class BrowseError extends Error {
  constructor(
    message: string,
    /** not-found: no such topic, partition or record; invalid: a request that cannot mean anything. */
    readonly kind: 'not-found' | 'invalid',
  ) {
    super(message);
    this.name = 'BrowseError';
  }
}
