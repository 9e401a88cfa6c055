// What goes into the disk buffer: records written while offline become new batches (no producer identity yet), and
// batches taken out of memory keep the sequence they were sent with, so the broker can still recognise them.
import type { AgentRecord } from '../../collect/record.js';
import type { Partitioner } from '../../client/partitioner.js';
import { BatchBuilder } from './batch-builder.js';
import type { Batch } from './partition-queue.js';
import type { SpoolFrame } from './spool.js';

/** Records of `topic` as frames, one run of batches per partition; `partitions` 0: unknown yet (-1, chosen when sent). */
export function framesOfRecords(topic: string, records: readonly AgentRecord[], partitions: number, partitioner: Partitioner, limits: { batchMaxBytes: number; batchMaxRecords: number }): SpoolFrame[] {
  const open = new Map<number, BatchBuilder>();
  const frames: SpoolFrame[] = [];
  const frame = (partition: number, b: BatchBuilder): SpoolFrame => ({ topic, partition, producerId: -1, producerEpoch: -1, baseSequence: -1, batch: b.seal() });
  const builder = () => new BatchBuilder(limits.batchMaxBytes, limits.batchMaxRecords, 4096);
  partitioner.nextCall();
  for (const r of records) {
    const p = partitions > 0 ? partitioner.partition(r.key, partitions) : -1;
    let b = open.get(p);
    if (!b) open.set(p, (b = builder()));
    if (!b.append(r)) {
      frames.push(frame(p, b));
      open.set(p, (b = builder()));
      b.append(r);
    }
  }
  for (const [p, b] of open) frames.push(frame(p, b));
  return frames;
}

/** Batches taken out of memory (disconnect, shutdown), with the producer identity they were sent with, if any. */
export function framesOfBatches(batches: readonly Batch[]): SpoolFrame[] {
  return batches.map((b) => ({
    topic: b.topic,
    partition: b.partition,
    producerId: b.baseSequence >= 0 ? b.producerId : -1,
    producerEpoch: b.baseSequence >= 0 ? b.producerEpoch : -1,
    baseSequence: b.baseSequence,
    batch: b.wire ?? b.raw!,
  }));
}
