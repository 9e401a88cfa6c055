// Reading records: Fetch to each partition's leader, record batches checked (CRC) and decoded — all four codecs —
// control batches (transaction markers) skipped but stepped over. Kafka's "assign" mode: no consumer group involved.
import { errorCode } from '../protocol/errors.js';
import { ATTR_CONTROL, batchSizeAt, BATCH_HEADER_SIZE, BatchFormatError, validateBatch } from '../protocol/record-batch.js';
import { decodeRecords, RecordDecodeError, type DecodedRecord } from '../protocol/record-decoder.js';
import { FetchRequest, FetchResponse } from '../protocol/schemas/fetch.js';
import type { Cluster } from './cluster.js';
import { check, KafkaError, kafkaError, OffsetOutOfRangeError } from './errors.js';
import { retryIfMoved } from './retry.js';

export type FetchedRecord = DecodedRecord;

export interface PartitionFetch {
  partition: number;
  /** Records at or after the requested offset, in offset order, transaction markers left out. */
  records: FetchedRecord[];
  /** Where the next fetch of this partition starts: past the last batch returned, markers included. */
  nextOffset: number;
  highWatermark: number;
  logStartOffset: number;
}

/** One record batch as the broker sent it: a view into the response (not a copy), CRC checked, never decoded. */
export interface RawBatch {
  bytes: Buffer;
  baseOffset: number;
  lastOffset: number;
  recordsCount: number;
  maxTimestamp: number;
}

export interface PartitionBatches {
  partition: number;
  /** Whole batches ending at or after the requested offset, in order; control batches included (a copy keeps them). */
  batches: RawBatch[];
  nextOffset: number;
  highWatermark: number;
  logStartOffset: number;
}

interface PartitionData {
  partition: number;
  requested: number;
  highWatermark: number;
  logStartOffset: number;
  records: Buffer | null;
}

export interface FetcherOptions {
  /** Per partition per request; the first batch is returned even if larger, as Kafka does. */
  partitionMaxBytes?: number;
  /** Per response. */
  maxBytes?: number;
}

const FETCH_VERSIONS: [number, number] = [4, 12];
const READ_UNCOMMITTED = 0;

export class Fetcher {
  private readonly partitionMaxBytes: number;
  private readonly maxBytes: number;

  constructor(
    private readonly cluster: Cluster,
    readonly topic: string,
    options: FetcherOptions = {},
  ) {
    this.partitionMaxBytes = options.partitionMaxBytes ?? 1024 * 1024;
    this.maxBytes = options.maxBytes ?? 16 * 1024 * 1024;
  }

  /**
   * One fetch round for partition → offset `positions`, one request per leader, waiting up to `maxWaitMs` for data.
   * Throws OffsetOutOfRangeError (its `subject.partition` says which) when an offset no longer exists.
   */
  async fetch(positions: ReadonlyMap<number, number>, maxWaitMs: number): Promise<PartitionFetch[]> {
    const data = await retryIfMoved(() => this.fetchOnce(positions, maxWaitMs), () => this.cluster.metadata([this.topic]));
    return data.map((d) => this.decode(d.partition, d.requested, d.highWatermark, d.logStartOffset, d.records));
  }

  /**
   * A fetch round that hands back the record batches as they came, for a copy that stores or forwards them (follow,
   * mirroring): nothing is decoded or copied, only each batch's framing and CRC checked. Same errors as fetch().
   */
  async fetchBatches(positions: ReadonlyMap<number, number>, maxWaitMs: number): Promise<PartitionBatches[]> {
    const data = await retryIfMoved(() => this.fetchOnce(positions, maxWaitMs), () => this.cluster.metadata([this.topic]));
    return data.map((d) => this.batchesOf(d));
  }

  private async fetchOnce(positions: ReadonlyMap<number, number>, maxWaitMs: number): Promise<PartitionData[]> {
    const byLeader = await this.leadersOf([...positions.keys()]);
    const responses = await Promise.all(
      [...byLeader].map(async ([leader, partitions]) => {
        const conn = await this.cluster.leader(leader);
        const version = conn.version(FetchRequest, FETCH_VERSIONS);
        return conn.request(
          FetchRequest,
          FetchResponse,
          version,
          {
            replicaId: -1, // a consumer, not a follower broker
            maxWaitMs,
            minBytes: 1,
            maxBytes: this.maxBytes,
            isolationLevel: READ_UNCOMMITTED,
            sessionId: 0,
            sessionEpoch: -1, // no fetch session: every request names its partitions
            topics: [
              {
                topic: this.topic,
                partitions: partitions.map((partition) => ({ partition, fetchOffset: positions.get(partition)!, partitionMaxBytes: this.partitionMaxBytes })),
              },
            ],
            forgottenTopicsData: [],
            rackId: '',
          },
          // The broker may hold a fetch for maxWaitMs: allow for that on top of the usual patience.
          { timeoutMs: 30_000 + maxWaitMs },
        );
      }),
    );
    const out: PartitionData[] = [];
    for (const res of responses) {
      check(res.errorCode, { topic: this.topic });
      for (const t of res.responses) {
        for (const p of t.partitions) {
          const requested = positions.get(p.partitionIndex);
          if (requested === undefined) continue;
          if (p.errorCode === errorCode('OFFSET_OUT_OF_RANGE')) throw new OffsetOutOfRangeError(this.topic, p.partitionIndex, requested);
          check(p.errorCode, { topic: this.topic, partition: p.partitionIndex });
          out.push({ partition: p.partitionIndex, requested, highWatermark: p.highWatermark, logStartOffset: p.logStartOffset, records: p.records });
        }
      }
    }
    return out;
  }

  private async leadersOf(partitions: number[]): Promise<Map<number, number[]>> {
    let layout = this.cluster.layout(this.topic);
    if (!layout || partitions.some((p) => (layout!.leaders[p] ?? -1) < 0)) {
      await this.cluster.metadata([this.topic]);
      layout = this.cluster.layout(this.topic);
    }
    const byLeader = new Map<number, number[]>();
    for (const partition of partitions) {
      const leader = layout?.leaders[partition] ?? -1;
      if (leader < 0) {
        throw layout && partition < layout.leaders.length ? kafkaError('LEADER_NOT_AVAILABLE', { topic: this.topic, partition }) : kafkaError('UNKNOWN_TOPIC_OR_PARTITION', { topic: this.topic, partition });
      }
      let list = byLeader.get(leader);
      if (!list) byLeader.set(leader, (list = []));
      list.push(partition);
    }
    return byLeader;
  }

  /** A batch's records can start before the offset asked for (whole batches are served) and have gaps. */
  private decode(partition: number, requested: number, highWatermark: number, logStartOffset: number, data: Buffer | null): PartitionFetch {
    const records: FetchedRecord[] = [];
    let nextOffset = requested;
    const buf = data ?? Buffer.alloc(0);
    for (let pos = 0; pos < buf.length; ) {
      const size = batchSizeAt(buf, pos);
      if (size < BATCH_HEADER_SIZE || pos + size > buf.length) break; // a partial batch at the end, as Fetch allows
      let header;
      try {
        header = validateBatch(buf, pos, size);
      } catch (err) {
        if (err instanceof BatchFormatError) throw this.corrupt(partition, err);
        throw err;
      }
      const end = header.baseOffset + header.lastOffsetDelta + 1;
      if (end > nextOffset) nextOffset = end;
      if ((header.attributes & ATTR_CONTROL) === 0 && end > requested) {
        let decoded: DecodedRecord[];
        try {
          decoded = decodeRecords(buf, pos);
        } catch (err) {
          if (err instanceof RecordDecodeError) throw this.corrupt(partition, err);
          throw err;
        }
        for (const r of decoded) if (r.offset >= requested) records.push(r);
      }
      pos += size;
    }
    return { partition, records, nextOffset, highWatermark, logStartOffset };
  }

  private batchesOf(d: PartitionData): PartitionBatches {
    const batches: RawBatch[] = [];
    let nextOffset = d.requested;
    const buf = d.records ?? Buffer.alloc(0);
    for (let pos = 0; pos < buf.length; ) {
      const size = batchSizeAt(buf, pos);
      if (size < BATCH_HEADER_SIZE || pos + size > buf.length) break; // a partial batch at the end, as Fetch allows
      let header;
      try {
        header = validateBatch(buf, pos, size);
      } catch (err) {
        if (err instanceof BatchFormatError) throw this.corrupt(d.partition, err);
        throw err;
      }
      const lastOffset = header.baseOffset + header.lastOffsetDelta;
      if (lastOffset + 1 > nextOffset) nextOffset = lastOffset + 1;
      if (lastOffset >= d.requested) {
        batches.push({ bytes: buf.subarray(pos, pos + size), baseOffset: header.baseOffset, lastOffset, recordsCount: header.recordsCount, maxTimestamp: header.maxTimestamp });
      }
      pos += size;
    }
    return { partition: d.partition, batches, nextOffset, highWatermark: d.highWatermark, logStartOffset: d.logStartOffset };
  }

  private corrupt(partition: number, err: Error): KafkaError {
    return kafkaError('CORRUPT_MESSAGE', { topic: this.topic, partition }, `${err.message}; the batch cannot be read`);
  }
}
