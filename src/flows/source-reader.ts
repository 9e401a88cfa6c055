import { BATCH_HEADER_SIZE, batchSizeAt, readBatchHeader } from '../protocol/record-batch.js';
import type { CompiledQuery } from '../query/language/index.js';
import { emptyStats, scanBatches, type SearchStats } from '../query/search/index.js';
import type { PartitionLog } from '../storage/index.js';
import type { FlowRecord } from './target.js';

/** Bytes read from the source log per step. */
const READ_BYTES = 1024 * 1024;

export interface SourceStep {
  /** Matching records of the step, in offset order. */
  records: FlowRecord[];
  /** Where the next step reads: past every batch read, matching or not. */
  next: number;
  /** Records the source's retention removed before the flow read them. */
  skipped: number;
}

/**
 * Reads a source partition from its local log, as search does: whole batches as stored, records outside the wanted
 * offsets or without the query's literals passed over undecoded (scanBatches), the rest decoded and tested.
 */
export class SourceReader {
  private readonly stats: SearchStats = emptyStats();

  constructor(
    private readonly log: PartitionLog,
    readonly topic: string,
    readonly partition: number,
    private readonly query: CompiledQuery,
  ) {}

  get end(): number {
    return this.log.logEndOffset;
  }

  /** One read from `position`: empty at the log's end. */
  async step(position: number): Promise<SourceStep> {
    let skipped = 0;
    if (position < this.log.logStartOffset) {
      skipped = this.log.logStartOffset - position;
      position = this.log.logStartOffset;
    }
    if (position >= this.log.logEndOffset) return { records: [], next: position, skipped };
    const read = await this.log.read(position, READ_BYTES);
    const records: FlowRecord[] = [];
    let next = position;
    const filter = { topic: this.topic, partition: this.partition, lo: position, hi: Number.MAX_SAFE_INTEGER, from: -Infinity, to: Infinity, query: this.query, prefilter: this.query.text.trim() !== '' };
    for (const chunk of read.chunks) {
      scanBatches(chunk, filter, this.stats, (r) => records.push(r));
      for (let pos = 0; pos + BATCH_HEADER_SIZE <= chunk.length; ) {
        const size = batchSizeAt(chunk, pos);
        if (size < BATCH_HEADER_SIZE || pos + size > chunk.length) break;
        const h = readBatchHeader(chunk, pos);
        next = Math.max(next, h.baseOffset + h.lastOffsetDelta + 1);
        pos += size;
      }
    }
    return { records, next, skipped };
  }

  /** Resolves when the log grows past `position`, after `ms`, or when `signal` aborts. */
  waitForMore(position: number, ms: number, signal: AbortSignal): Promise<void> {
    if (this.log.logEndOffset > position || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.log.off('append', onAppend);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const onAppend = (end: number) => {
        if (end > position) done();
      };
      const timer = setTimeout(done, ms);
      this.log.on('append', onAppend);
      signal.addEventListener('abort', done);
    });
  }
}
