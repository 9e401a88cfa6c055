import type { FoundRecord } from '../query/search/index.js';

/** A record read from a flow's source (buffers are views of the read: use them before the next read). */
export type FlowRecord = FoundRecord;

/**
 * Where a flow writes. One write per source partition at a time (the flow awaits each), in offset order; a target
 * that writes one shared file serialises the partitions itself.
 */
export interface FlowTarget {
  /**
   * Prepares the target (creates what is missing, refuses what does not fit) and returns, per source partition, the
   * offset to resume at as the target itself records it (absent: the target cannot tell; the flow's checkpoint or
   * the source's start is used).
   */
  open(sourcePartitions: number): Promise<Map<number, number>>;
  /** Writes `records` of source partition `partition`; resolves once they are stored or acknowledged. */
  write(partition: number, records: FlowRecord[]): Promise<void>;
  /** Records given up on and stored in the dead-letter topic (HTTP only). */
  readonly deadLettered: number;
  /** The last time a batch was refused and retried, for the status (HTTP only). */
  readonly retries: number;
  close(): Promise<void>;
}
