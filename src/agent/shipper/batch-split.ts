// MESSAGE_TOO_LARGE recovery: a batch re-encoded as two halves, each unsent (no producer id or sequence yet). The
// halves cannot be rebuilt after a crash (where one ends in the files is not known): the send journal says so.
import type { AgentRecord } from '../../collect/record.js';
import { BatchBuilder, recordsOfBatch } from './batch-builder.js';
import type { Batch } from './partition-queue.js';

/** The batch's records, for the caller to decide; halves when there are at least two. */
export function splitBatch(b: Batch): { records: AgentRecord[]; halves: [Batch, Batch] | null } {
  const records = recordsOfBatch(b.wire ?? b.raw!);
  if (records.length <= 1) return { records, halves: null };
  const half = Math.ceil(records.length / 2);
  const [first, second] = [records.slice(0, half), records.slice(half)].map((part): Batch => {
    const builder = new BatchBuilder(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    for (const r of part) builder.append(r);
    const raw = builder.seal();
    return { ...b, wire: raw, raw: null, records: part.length, bytes: builder.recordBytes, owners: [...b.owners], producerId: -1, producerEpoch: -1, baseSequence: -1, runs: null, spool: null, journaled: false, replay: false };
  });
  return { records, halves: [first!, second!] };
}
