// Reads a partition through the broker's own Fetch API with our codec (no client library in between), so tests can
// see the stored batches exactly as served: headers, compression attributes, offsets.
import { batchSizeAt, BATCH_HEADER_SIZE, readBatchHeader, type BatchHeader } from '../../src/protocol/record-batch.js';
import { decodeRecords, type DecodedRecord } from '../../src/protocol/record-decoder.js';
import { FetchRequest, FetchResponse } from '../../src/protocol/schemas/fetch.js';
import type { WireClient } from './wire-client.js';

const FETCH_VERSION = 11;

export interface ServedBatch {
  header: BatchHeader;
  /** The whole batch, offset prefix included. */
  bytes: Buffer;
}

export interface FetchResult {
  errorCode: number;
  highWatermark: number;
  logStartOffset: number;
  batches: ServedBatch[];
}

/** One Fetch for one partition; a trailing partial batch (allowed by the protocol) is dropped. */
export async function fetchOnce(client: WireClient, topic: string, partition: number, offset: number, maxBytes = 1 << 20): Promise<FetchResult> {
  const res = await client.send(FetchRequest, FetchResponse, FETCH_VERSION, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition, fetchOffset: offset, partitionMaxBytes: maxBytes }] }],
    forgottenTopicsData: [],
    rackId: '',
  });
  const p = res.responses[0]?.partitions[0];
  if (!p) throw new Error(`fetch ${topic}-${partition}@${offset}: no partition in the response`);
  const batches: ServedBatch[] = [];
  const buf = p.records ?? Buffer.alloc(0);
  for (let pos = 0; pos < buf.length; ) {
    const size = batchSizeAt(buf, pos);
    if (size < BATCH_HEADER_SIZE || pos + size > buf.length) break;
    batches.push({ header: readBatchHeader(buf, pos), bytes: buf.subarray(pos, pos + size) });
    pos += size;
  }
  return { errorCode: p.errorCode, highWatermark: p.highWatermark, logStartOffset: p.logStartOffset, batches };
}

/**
 * Every batch from `from` to the high watermark, fetching until the end is reached. Bounded: throws if a round makes
 * no progress or after `maxRounds`.
 */
export async function readBatches(client: WireClient, topic: string, partition: number, from = 0, maxRounds = 10_000): Promise<{ batches: ServedBatch[]; highWatermark: number }> {
  const batches: ServedBatch[] = [];
  let offset = from;
  for (let round = 0; round < maxRounds; round++) {
    const r = await fetchOnce(client, topic, partition, offset);
    if (r.errorCode !== 0) throw new Error(`fetch ${topic}-${partition}@${offset} failed with error ${r.errorCode}`);
    for (const b of r.batches) {
      const next = b.header.baseOffset + b.header.lastOffsetDelta + 1;
      if (next <= offset) continue; // a batch before the requested offset (the fetch starts at a batch boundary)
      batches.push(b);
      offset = next;
    }
    if (offset >= r.highWatermark) return { batches, highWatermark: r.highWatermark };
    if (r.batches.length === 0) throw new Error(`fetch ${topic}-${partition}@${offset} returned nothing below the high watermark ${r.highWatermark}`);
  }
  throw new Error(`reading ${topic}-${partition} did not reach the end in ${maxRounds} fetches`);
}

/** Every record from `from` to the end, decoded (uncompressed or gzip batches only). */
export async function readRecords(client: WireClient, topic: string, partition: number, from = 0): Promise<{ records: DecodedRecord[]; highWatermark: number }> {
  const { batches, highWatermark } = await readBatches(client, topic, partition, from);
  const records = batches.flatMap((b) => decodeRecords(b.bytes)).filter((r) => r.offset >= from);
  return { records, highWatermark };
}
