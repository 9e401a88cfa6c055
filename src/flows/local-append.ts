import { buildRecordBatch, type RecordInput } from '../protocol/record-batch-builder.js';
import { readBatchHeader } from '../protocol/record-batch.js';
import { decodeBatches, type DecodedRecord } from '../protocol/record-decoder.js';
import type { PartitionLog } from '../storage/index.js';

/** Records per batch written locally, and the bytes a batch aims under (well below the default max.message.bytes). */
const BATCH_RECORDS = 2000;
const BATCH_BYTES = 512 * 1024;

const size = (v: Buffer | string | null | undefined) => (v == null ? 0 : typeof v === 'string' ? Buffer.byteLength(v) : v.length);

/**
 * Appends records to a local partition as batches (split by count and size); resolves once durable per its flush
 * policy. With `lastOfBatch`, the last record of each batch is replaced by what it returns for it (the flow markers).
 */
export async function appendLocal(log: PartitionLog, records: readonly RecordInput[], lastOfBatch?: (index: number) => RecordInput): Promise<void> {
  const waits: Promise<void>[] = [];
  for (let i = 0; i < records.length; ) {
    let bytes = 0;
    let j = i;
    while (j < records.length && j - i < BATCH_RECORDS && (j === i || bytes < BATCH_BYTES)) {
      const r = records[j++]!;
      bytes += 32 + size(r.key) + size(r.value) + (r.headers ?? []).reduce((n, [k, v]) => n + k.length + size(v) + 4, 0);
    }
    const inputs = records.slice(i, j);
    if (lastOfBatch) inputs[inputs.length - 1] = lastOfBatch(j - 1);
    const batch = buildRecordBatch(inputs, { timestamp: Date.now() });
    const res = log.append(batch, readBatchHeader(batch));
    if (res.durable) waits.push(res.durable);
    i = j;
  }
  await Promise.all(waits);
}

/** Reads a local partition from `offset`: its records (decoded) and where the next read starts. */
export async function readLocal(log: PartitionLog, offset: number): Promise<{ records: DecodedRecord[]; next: number }> {
  const read = await log.read(offset, 1024 * 1024);
  const records: DecodedRecord[] = [];
  let next = offset;
  for (const chunk of read.chunks) {
    for (const b of decodeBatches(chunk)) {
      next = Math.max(next, b.header.baseOffset + b.header.lastOffsetDelta + 1);
      for (const r of b.records) if (r.offset >= offset) records.push(r);
    }
  }
  return { records, next };
}
