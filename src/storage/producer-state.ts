import { StorageError } from './types.js';

/** Kafka keeps the last 5 batches per producer: max.in.flight.requests with idempotence. */
const BATCHES_RETAINED = 5;
/** Producers remembered per partition unless the broker says otherwise (its maxProducersPerPartition). */
export const DEFAULT_MAX_PRODUCERS = 1000;
const INT32_MAX = 2147483647;

/** What a duplicate returns instead of being written again. */
export interface BatchMetadata {
  firstSeq: number;
  lastSeq: number;
  baseOffset: number;
  lastOffset: number;
}

interface ProducerEntry {
  epoch: number;
  /** Newest last. */
  batches: BatchMetadata[];
  /** Newest batch timestamp, for expiration (producer.id.expiration.ms). */
  lastTimestamp: number;
}

/** The fields of a batch header that sequencing looks at. */
export interface SequencedBatch {
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  lastOffsetDelta: number;
}

/** Sequence numbers wrap from Int32.MAX to 0 (DefaultRecordBatch.incrementSequence). */
export function lastSequenceOf(baseSequence: number, lastOffsetDelta: number): number {
  return baseSequence > INT32_MAX - lastOffsetDelta ? lastOffsetDelta - (INT32_MAX - baseSequence) - 1 : baseSequence + lastOffsetDelta;
}

function inSequence(lastSeq: number, nextSeq: number): boolean {
  return nextSeq === lastSeq + 1 || (nextSeq === 0 && lastSeq === INT32_MAX);
}

export interface ProducerSnapshot {
  version: 1;
  /** State after every batch below this offset. */
  offset: number;
  producers: { id: number; epoch: number; lastTimestamp: number; batches: [number, number, number, number][] }[];
}

/**
 * Per-partition idempotent-producer state (Kafka's ProducerStateManager, without transactions). Holds at most
 * `maxProducers`: any client can send batches under made-up producer ids, so past the bound the least recently
 * written producer is forgotten, exactly as if it had expired (producer.id.expiration.ms).
 */
export class ProducerStateTable {
  /** In order of last write, least recent first. */
  private readonly producers = new Map<number, ProducerEntry>();
  /** Changed since the last snapshot. */
  dirty = false;

  constructor(readonly maxProducers = DEFAULT_MAX_PRODUCERS) {}

  get size(): number {
    return this.producers.size;
  }

  /**
   * Validate a batch before it is written. Returns the original batch if this one is a
   * retry of one of the producer's last 5, else null (go ahead and append). Throws
   * INVALID_PRODUCER_EPOCH or OUT_OF_ORDER_SEQUENCE_NUMBER like Kafka.
   */
  check(b: SequencedBatch): BatchMetadata | null {
    const entry = this.producers.get(b.producerId);
    // Unknown producer: accept any sequence and start tracking it. Since Kafka 2.5 (KIP-360)
    // the broker does this instead of returning UNKNOWN_PRODUCER_ID, because the producer's
    // state legitimately disappears when retention deletes its batches or it expires; the
    // client, not the broker, decides whether a gap matters.
    if (!entry) return null;
    if (b.producerEpoch < entry.epoch) {
      throw new StorageError(
        `producer ${b.producerId} epoch ${b.producerEpoch} is older than the current epoch ${entry.epoch}; a newer producer with the same id has fenced it — restart the old producer`,
        'INVALID_PRODUCER_EPOCH',
      );
    }
    if (b.producerEpoch > entry.epoch) {
      if (b.baseSequence !== 0) {
        throw new StorageError(
          `producer ${b.producerId} started epoch ${b.producerEpoch} at sequence ${b.baseSequence}; a new epoch must start at sequence 0`,
          'OUT_OF_ORDER_SEQUENCE_NUMBER',
        );
      }
      return null;
    }
    const lastSeq = lastSequenceOf(b.baseSequence, b.lastOffsetDelta);
    for (const m of entry.batches) if (m.firstSeq === b.baseSequence && m.lastSeq === lastSeq) return m;
    const newest = entry.batches[entry.batches.length - 1];
    if (newest && !inSequence(newest.lastSeq, b.baseSequence)) {
      throw new StorageError(
        `producer ${b.producerId} sent sequence ${b.baseSequence} but ${newest.lastSeq + 1} was expected; a batch was lost in between — the producer must retry or reset`,
        'OUT_OF_ORDER_SEQUENCE_NUMBER',
      );
    }
    return null;
  }

  /** Record a batch that was appended (or replayed from the log during recovery). */
  update(b: SequencedBatch, baseOffset: number, timestamp: number): void {
    let entry = this.producers.get(b.producerId);
    if (entry) this.producers.delete(b.producerId); // re-inserted below: most recently written last
    if (!entry || entry.epoch !== b.producerEpoch) entry = { epoch: b.producerEpoch, batches: [], lastTimestamp: timestamp };
    this.producers.set(b.producerId, entry);
    if (this.producers.size > this.maxProducers) this.producers.delete(this.producers.keys().next().value!);
    entry.batches.push({
      firstSeq: b.baseSequence,
      lastSeq: lastSequenceOf(b.baseSequence, b.lastOffsetDelta),
      baseOffset,
      lastOffset: baseOffset + b.lastOffsetDelta,
    });
    if (entry.batches.length > BATCHES_RETAINED) entry.batches.shift();
    if (timestamp > entry.lastTimestamp) entry.lastTimestamp = timestamp;
    this.dirty = true;
  }

  /** Forget producers idle for longer than `maxIdleMs` (Kafka's producer.id.expiration.ms). */
  expire(now: number, maxIdleMs: number): number {
    let removed = 0;
    for (const [id, e] of this.producers) {
      if (now - e.lastTimestamp > maxIdleMs) {
        this.producers.delete(id);
        removed++;
      }
    }
    if (removed) this.dirty = true;
    return removed;
  }

  clear(): void {
    this.producers.clear();
    this.dirty = true;
  }

  toSnapshot(offset: number): ProducerSnapshot {
    const producers = [...this.producers].map(([id, e]) => ({
      id,
      epoch: e.epoch,
      lastTimestamp: e.lastTimestamp,
      batches: e.batches.map((m): [number, number, number, number] => [m.firstSeq, m.lastSeq, m.baseOffset, m.lastOffset]),
    }));
    return { version: 1, offset, producers };
  }

  /** Replace the state with a snapshot; throws if it is not one we wrote. */
  loadSnapshot(s: ProducerSnapshot): void {
    if (s?.version !== 1 || !Array.isArray(s.producers)) throw new Error('not a version 1 producer snapshot');
    this.producers.clear();
    for (const p of s.producers.slice(-this.maxProducers)) {
      this.producers.set(p.id, {
        epoch: p.epoch,
        lastTimestamp: p.lastTimestamp,
        batches: p.batches.map(([firstSeq, lastSeq, baseOffset, lastOffset]) => ({ firstSeq, lastSeq, baseOffset, lastOffset })),
      });
    }
    this.dirty = false;
  }
}
