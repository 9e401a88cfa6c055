import type { FileHandle } from 'node:fs/promises';
import type { CommitTracker } from './commit-tracker.js';
import { hashBytes, readAt, SAMPLE_BYTES, sampleAt } from './file-identity.js';
import { LineRecords } from './line-records.js';
import type { ResolvedMultiline } from './options.js';

/** Where records come from, as far as the batch being assembled is concerned. */
export interface LineSource {
  readonly fileId: string;
  /** Key and header `path` of its records. */
  readonly recordPath: string;
  readonly tracker: CommitTracker;
}

/** What a file needs from the tailer: limits, and where its records go. */
export interface FileContext {
  maxRecordBytes: number;
  fingerprintBytes: number;
  multiline: ResolvedMultiline | null;
  /** Adds a record covering bytes [startOffset, endOffset) of `file` to the batch being assembled. */
  add(file: LineSource, text: string, startOffset: number, endOffset: number, readTime: number): void;
}

export interface TrackedFileInit {
  fileId: string;
  dev: string;
  ino: string;
  path: string;
  /** Path written into records: where the lines were written (a renamed or copied log keeps its original path). */
  recordPath: string;
  fh: FileHandle;
  head: Buffer;
  readOffset: number;
  tracker: CommitTracker;
}

const EMPTY = Buffer.alloc(0);

/**
 * One incarnation of one file, read through an fd that stays open while the file is followed: a renamed or deleted
 * file is still read to its end through it. Reads go forward from readOffset; complete lines become records.
 */
export class TrackedFile implements LineSource {
  readonly fileId: string;
  readonly dev: string;
  readonly ino: string;
  readonly inode: string;
  recordPath: string;
  path: string;
  fh: FileHandle;
  tracker: CommitTracker;
  /** 'parked': a copy of another followed file, not read unless it turns out to hold something new. */
  state: 'active' | 'parked' = 'active';
  /** For a parked copy: the file it copies, and whether it was seen to be a true prefix of it. */
  copyOf: TrackedFile | null = null;
  verifiedCopy = false;
  readOffset: number;
  /** The first min(size, fingerprintBytes) bytes as last verified. */
  head: Buffer;
  headHash: string;
  /** Size and modification time at the last check(). */
  size = -1;
  private mtimeMs = -1;
  /** The last read found no more data. */
  atEof = false;
  /** Verify size and head before the next read (set by events and polls). */
  needsCheck = true;
  lastDataAt: number;
  detachedAt = 0;
  readonly foundAt = Date.now();
  /** startAt 'end' applies: when it becomes active, start at the last complete line. */
  skipToEnd = false;
  /** The sample last written to the checkpoint, reused while the committed offset stays put. */
  checkpointSample: { offset: number; hash: string | undefined } | null = null;
  /** The last up-to-64 bytes read (just before readOffset). */
  private lastBytes: Buffer = EMPTY;
  /** Offset just past the last \n read, and the up-to-64 bytes before it: where a copy continues after a truncation. */
  private boundary: number;
  private boundaryBytes: Buffer = EMPTY;
  private readTime = 0;
  private readonly lines: LineRecords;

  constructor(init: TrackedFileInit, private readonly ctx: FileContext) {
    this.fileId = init.fileId;
    this.dev = init.dev;
    this.ino = init.ino;
    this.inode = `${init.dev}:${init.ino}`;
    this.path = init.path;
    this.recordPath = init.recordPath;
    this.fh = init.fh;
    this.head = init.head;
    this.headHash = hashBytes(init.head);
    this.readOffset = init.readOffset;
    this.boundary = init.readOffset;
    this.tracker = init.tracker;
    this.lastDataAt = Date.now();
    this.lines = new LineRecords(ctx.maxRecordBytes, ctx.multiline, init.readOffset, (text, start, end) => ctx.add(this, text, start, end, this.readTime));
  }

  get bufferedBytes(): number {
    return this.lines.bufferedBytes;
  }

  get pendingRecord(): boolean {
    return this.lines.pending;
  }

  /**
   * Stats the file and checks that its first bytes are still the ones it started with. Returns false when the file
   * was truncated or rewritten in place (size below our offset, or a different head): the caller starts a new
   * incarnation. A fingerprint shorter than fingerprintBytes grows here as the file does.
   */
  async check(): Promise<boolean> {
    const st = await this.fh.stat();
    // Untouched since the last check (same size and modification time): nothing to verify, nothing to read.
    const untouched = st.size === this.size && st.mtimeMs === this.mtimeMs && this.head.length === Math.min(this.ctx.fingerprintBytes, st.size);
    this.size = st.size;
    this.mtimeMs = st.mtimeMs;
    if (st.size < this.readOffset) return false;
    if (untouched) return true;
    const want = Math.min(this.ctx.fingerprintBytes, st.size);
    if (want === 0) return this.head.length === 0;
    const now = await readAt(this.fh, 0, Math.max(want, this.head.length));
    if (now.length < this.head.length || !now.subarray(0, this.head.length).equals(this.head)) return false;
    if (now.length > this.head.length) {
      this.head = Buffer.from(now);
      this.headHash = hashBytes(this.head);
    }
    return true;
  }

  /** Reads one chunk into `buf` and hands out the lines it completes; returns the bytes read (0 at end of file). */
  async read(buf: Buffer, maxBytes: number): Promise<number> {
    const { bytesRead } = await this.fh.read(buf, 0, maxBytes, this.readOffset);
    // A short read reached the end as it was then; a change event or the next poll brings us back.
    this.atEof = bytesRead < maxBytes;
    if (bytesRead === 0) return 0;
    this.readTime = Date.now();
    this.lastDataAt = this.readTime;
    const at = this.readOffset;
    this.readOffset += bytesRead;
    this.keepSamples(buf, bytesRead, at);
    this.lines.push(buf, bytesRead, at);
    return bytesRead;
  }

  /** Hands out everything held back: the pending multiline record and an incomplete last line (the file is done). */
  finishLines(): void {
    this.readTime = Date.now();
    this.lines.finish();
  }

  /**
   * The file was truncated under us: hands out the pending multiline record (its lines are complete) and drops an
   * incomplete last line, whose rest the truncation took (a copy of the file continues from the line's start).
   * Returns the offset just past the last complete line, the sample before it, and the bytes dropped.
   */
  cutAtLastLine(): { offset: number; sample: string | undefined; dropped: number } {
    this.readTime = Date.now();
    this.lines.flushRecord();
    const dropped = this.readOffset - this.boundary;
    this.lines.dropPartial();
    const want = Math.min(SAMPLE_BYTES, this.boundary);
    const sample = want > 0 && this.boundaryBytes.length === want ? hashBytes(this.boundaryBytes) : undefined;
    return { offset: this.boundary, sample, dropped };
  }

  /** Hands out a pending multiline record once the file has been quiet at its end for `afterMs`. */
  flushIdle(now: number, afterMs: number): void {
    if (this.lines.pending && this.atEof && now - this.lastDataAt >= afterMs) {
      this.readTime = now;
      this.lines.flushRecord();
    }
  }

  /** Forgets what was read before readOffset (a parked file is about to be read from a chosen offset). */
  resetBoundary(): void {
    this.lines.restartAt(this.readOffset);
    this.boundary = this.readOffset;
    this.boundaryBytes = EMPTY;
    this.lastBytes = EMPTY;
  }

  /** sha1 of the bytes just before readOffset, when we still have them or can read them. */
  async sampleAtRead(): Promise<string | undefined> {
    return this.sampleFromMemory() ?? sampleAt(this.fh, this.readOffset).catch(() => undefined);
  }

  /** sha1 of the bytes just before readOffset as last read (the file may no longer hold them). */
  sampleFromMemory(): string | undefined {
    const want = Math.min(SAMPLE_BYTES, this.readOffset);
    return want > 0 && this.lastBytes.length === want ? hashBytes(this.lastBytes) : undefined;
  }

  async close(): Promise<void> {
    await this.fh.close().catch(() => {});
  }

  private keepSamples(buf: Buffer, n: number, at: number): void {
    const previous = this.lastBytes;
    this.lastBytes = lastOf(previous, buf, n);
    const nl = buf.lastIndexOf(10, n - 1);
    if (nl >= 0) {
      this.boundary = at + nl + 1;
      this.boundaryBytes = lastOf(previous, buf, nl + 1);
    }
  }
}

/** The last up-to-SAMPLE_BYTES bytes of `previous` followed by `buf[0, n)`, copied. */
function lastOf(previous: Buffer, buf: Buffer, n: number): Buffer {
  if (n >= SAMPLE_BYTES) return Buffer.from(buf.subarray(n - SAMPLE_BYTES, n));
  const joined = Buffer.concat([previous, buf.subarray(0, n)]);
  return joined.subarray(Math.max(0, joined.length - SAMPLE_BYTES));
}
