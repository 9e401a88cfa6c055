import { LineSplitter } from './line-splitter.js';
import { MultilineJoiner } from './multiline.js';
import type { ResolvedMultiline } from './options.js';
import { truncateBytes } from './truncate.js';

/**
 * A file's bytes in, records out: complete lines (cut to maxRecordBytes), joined into multiline records when
 * configured. Each record covers the bytes from the previous record's end to its own end, so a record's start offset
 * is known without being stored with every line: a batch of records covers one contiguous byte range per file, which
 * the agent's send journal records to rebuild a batch after a crash.
 */
export type EmitRecord = (text: string, startOffset: number, endOffset: number) => void;

export class LineRecords {
  private readonly splitter: LineSplitter;
  private readonly joiner: MultilineJoiner | null;
  /** Where the next record starts: the end of the last one handed out. */
  private recordStart: number;

  constructor(
    private readonly maxRecordBytes: number,
    multiline: ResolvedMultiline | null,
    start: number,
    private readonly emit: EmitRecord,
  ) {
    this.recordStart = start;
    this.splitter = new LineSplitter(maxRecordBytes);
    this.joiner = multiline ? new MultilineJoiner(multiline, maxRecordBytes, (text, end) => this.record(text, end)) : null;
  }

  get bufferedBytes(): number {
    return this.splitter.bufferedBytes;
  }

  /** A multiline record is waiting for its next line. */
  get pending(): boolean {
    return this.joiner?.pending ?? false;
  }

  /** Feeds `chunk[0, len)`, read at byte `at`. */
  push(chunk: Buffer, len: number, at: number): void {
    this.splitter.push(chunk, len, at, this.onLine);
  }

  /** The file is finished: hands out the incomplete last line and the pending multiline record. */
  finish(): void {
    this.splitter.flush(this.onLine);
    this.joiner?.flush();
  }

  /** Hands out the pending multiline record (its file has been quiet, or is being cut). */
  flushRecord(): void {
    this.joiner?.flush();
  }

  /** Forgets the incomplete line (its rest was truncated away). */
  dropPartial(): void {
    this.splitter.reset();
  }

  /** The next record starts at `offset` (reading resumes there). */
  restartAt(offset: number): void {
    this.splitter.reset();
    this.recordStart = offset;
  }

  private record(text: string, end: number): void {
    const start = this.recordStart;
    this.recordStart = end;
    this.emit(text, start, end);
  }

  private readonly onLine = (buf: Buffer, start: number, end: number, total: number, endOffset: number): void => {
    const max = this.maxRecordBytes;
    const text = total > max ? truncateBytes(buf, start, end, total, max) : buf.toString('utf8', start, end);
    if (this.joiner) this.joiner.push(text, total, endOffset);
    else this.record(text, endOffset);
  };
}
