// One partition's share of the sender: its open batch, the sealed batches waiting in order, the one in flight, and
// the idempotent producer's next sequence number for it.
import { ATTR_COMPRESSION_MASK, BATCH_OFFSET_ATTRIBUTES, BATCH_OFFSET_RECORDS_COUNT } from '../../protocol/record-batch.js';
import { Backoff, type BackoffOptions } from '../../client/backoff.js';
import type { AgentRecord, SourcedRecord } from '../../collect/record.js';
import type { BatchBuilder } from './batch-builder.js';
import type { Owner } from './owners.js';
import type { SourceRun } from './send-journal.js';
import type { SpoolPosition } from './spool.js';

export interface Batch {
  topic: string;
  partition: number;
  /** The bytes sent: compressed if configured; null while compression runs. */
  wire: Buffer | null;
  /** The uncompressed batch while compression runs (spooled instead if the broker goes away meanwhile). */
  raw: Buffer | null;
  records: number;
  /** Counted against maxMemoryBytes. */
  bytes: number;
  owners: Owner[];
  /** The producer identity and sequence stamped when first sent; -1 before. Retries reuse them. */
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  /** Read back from the spool: already durable, so it stays in memory (not re-spooled) across a disconnect. */
  fromSpool: boolean;
  /** The byte ranges of files its records came from, to rebuild it after a crash; null when it cannot be. */
  runs: SourceRun[] | null;
  /** The end of the spool frame it is, when it is one. */
  spool: SpoolPosition | null;
  /** Its sequence is in the send journal (set when first sent under the current producer). */
  journaled: boolean;
  /** Sent before a crash and rebuilt: its producer fields go into the header when it is sent. */
  replay: boolean;
}

export class PartitionQueue {
  open: BatchBuilder | null = null;
  openOwners: Owner[] = [];
  openFromSpool = false;
  openSince = 0;
  /** Source ranges of the open batch's records; null once one record has no file position. */
  openRuns: SourceRun[] | null = [];
  readonly queue: Batch[] = [];
  inflight: Batch | null = null;
  nextSequence = 0;
  retryAt = 0;
  /** The problem last logged for this partition, so it is logged once and its end once. */
  problem: string | null = null;
  readonly backoff: Backoff;

  constructor(
    readonly topic: string,
    readonly partition: number,
    backoff: BackoffOptions,
  ) {
    this.backoff = new Backoff(backoff);
  }

  get name(): string {
    return `${this.topic}-${this.partition}`;
  }

  /** Makes `builder` the open batch, started now. */
  startOpen(builder: BatchBuilder, fromSpool: boolean): BatchBuilder {
    this.open = builder;
    this.openSince = Date.now();
    this.openFromSpool = fromSpool;
    return builder;
  }

  /** Notes where a record of the open batch came from, as ranges of files (a file's records are contiguous). */
  noteSource(record: AgentRecord): void {
    const runs = this.openRuns;
    if (runs === null) return;
    const pos = (record as SourcedRecord).position;
    if (pos === undefined || pos.start === undefined) {
      this.openRuns = null;
      return;
    }
    const last = runs[runs.length - 1];
    if (last !== undefined && last.fileId === pos.fileId && last.end === pos.start) {
      last.end = pos.offset;
      last.records++;
    } else runs.push({ fileId: pos.fileId, start: pos.start, end: pos.offset, records: 1 });
  }

  /** Adds `owner` to the open batch's owners, once (it waits for every batch its records end up in). */
  noteOwner(owner: Owner): void {
    if (this.openOwners[this.openOwners.length - 1] === owner) return;
    this.openOwners.push(owner);
    owner.pending++;
  }
}

export const isCompressed = (batch: Buffer): boolean => (batch.readInt16BE(BATCH_OFFSET_ATTRIBUTES) & ATTR_COMPRESSION_MASK) !== 0;

/** The queue's open batch, sealed: uncompressed (`raw` doubles as `wire` when no compression is configured). */
export function sealOpen(q: PartitionQueue, compressing: boolean): Batch {
  const builder = q.open!;
  const raw = builder.seal();
  const b: Batch = {
    topic: q.topic,
    partition: q.partition,
    wire: compressing ? null : raw,
    raw,
    records: builder.count,
    bytes: builder.recordBytes,
    owners: q.openOwners,
    producerId: -1,
    producerEpoch: -1,
    baseSequence: -1,
    fromSpool: q.openFromSpool,
    runs: q.openRuns,
    spool: null,
    journaled: false,
    replay: false,
  };
  q.open = null;
  q.openOwners = [];
  q.openRuns = [];
  return b;
}

/** A batch sent before a crash, rebuilt from the same records (`builder`, sealed as `wire`), with the sequence it was sent with. */
export function replayBatch(topic: string, partition: number, builder: BatchBuilder, wire: Buffer, sent: { producerId: number; producerEpoch: number; baseSequence: number }, runs: SourceRun[], owner: Owner): Batch {
  return { topic, partition, wire, raw: null, records: builder.count, bytes: builder.recordBytes, owners: [owner], ...sent, fromSpool: false, runs, spool: null, journaled: false, replay: true };
}

/** A batch read back from the spool; it keeps the producer identity it was sent with only when told to. */
export function spooledBatch(topic: string, partition: number, wire: Buffer, owner: Owner, sent: { producerId: number; producerEpoch: number; baseSequence: number } | null, spool: SpoolPosition | null): Batch {
  return {
    topic,
    partition,
    wire,
    raw: null,
    records: wire.readInt32BE(BATCH_OFFSET_RECORDS_COUNT),
    bytes: wire.length,
    owners: [owner],
    producerId: sent?.producerId ?? -1,
    producerEpoch: sent?.producerEpoch ?? -1,
    baseSequence: sent?.baseSequence ?? -1,
    fromSpool: true,
    runs: null,
    spool,
    journaled: false,
    replay: false,
  };
}
