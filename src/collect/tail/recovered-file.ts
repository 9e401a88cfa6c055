import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { CommitTracker } from './commit-tracker.js';
import { sampleAt } from './file-identity.js';
import { LineRecords } from './line-records.js';
import type { ResolvedMultiline } from './options.js';
import { fileChunks, RollingSample } from './rotated-files.js';
import type { LineSource } from './tracked-file.js';

/*
 * A finished file read once from an offset to its end (or to a given end): a log rotated away while the tailer was
 * not looking (renamed, or copied by copytruncate, perhaps gzip-compressed), or a byte range the agent rebuilds a
 * batch from. It is not followed: no rotation or truncation checks, no waiting for more lines; its last line is
 * handed out without a newline. A gzip file is decompressed as a stream and skipped up to the start offset, so a
 * large one costs time but no memory.
 */

export interface RecoveredFileInit {
  fileId: string;
  /** Key and header `path` of the records: where the lines were written. */
  recordPath: string;
  /** Where the bytes are now. */
  path: string;
  fh: FileHandle;
  gzip: boolean;
  tracker: CommitTracker;
  /** First byte to read (decompressed offset for gzip). */
  start: number;
  /** Stop before this byte; undefined: read to the end of the file. */
  end?: number;
  /** sha1 of the bytes just before `start` (file-identity.ts sampleAt), checked before anything is handed out. */
  sample?: string;
  /** Identity written to the checkpoint while it is read. */
  identity: { dev: string; ino: string; fingerprint: string; fingerprintBytes: number };
}

export interface RecoveredFileContext {
  maxRecordBytes: number;
  multiline: ResolvedMultiline | null;
  add(file: LineSource, text: string, startOffset: number, endOffset: number, readTime: number): void;
}

/** The file does not hold the expected content at the start offset: nothing was handed out. */
export class NotTheSameContent extends Error {
  override name = 'NotTheSameContent';
}

const GZIP_CHUNK = 64 * 1024;

export class RecoveredFile implements LineSource {
  readonly fileId: string;
  readonly recordPath: string;
  readonly path: string;
  readonly gzip: boolean;
  readonly tracker: CommitTracker;
  readonly identity: RecoveredFileInit['identity'];
  readonly start: number;
  /** The next byte to read (decompressed offset). */
  offset: number;
  done = false;
  private readonly end: number;
  private readonly fh: FileHandle;
  private readonly lines: LineRecords;
  private readonly sample: string | undefined;
  private readTime = 0;
  private checked = false;
  private stream: { input: Readable; iterator: AsyncIterator<Buffer> } | null = null;
  private pending: Buffer | null = null;
  private pendingAt = 0;
  private readonly rolling = new RollingSample();

  constructor(init: RecoveredFileInit, ctx: RecoveredFileContext) {
    this.fileId = init.fileId;
    this.recordPath = init.recordPath;
    this.path = init.path;
    this.fh = init.fh;
    this.gzip = init.gzip;
    this.tracker = init.tracker;
    this.identity = init.identity;
    this.start = init.start;
    this.offset = init.start;
    this.end = init.end ?? Infinity;
    this.sample = init.sample;
    this.lines = new LineRecords(ctx.maxRecordBytes, ctx.multiline, init.start, (text, s, e) => ctx.add(this, text, s, e, this.readTime));
  }

  get bufferedBytes(): number {
    return this.lines.bufferedBytes;
  }

  /**
   * Reads the next chunk and hands out the records it completes; returns the bytes read, 0 once the end is reached
   * (the last line is then handed out too). Throws NotTheSameContent if the bytes before the start offset are not
   * the expected ones.
   */
  async read(buf: Buffer): Promise<number> {
    if (this.done) return 0;
    const n = this.gzip ? await this.readGzip() : await this.readPlain(buf);
    if (n === 0) {
      this.readTime = Date.now();
      this.lines.finish();
      this.done = true;
    }
    return n;
  }

  /** sha1 of the bytes just before the current offset (for the checkpoint of a finished file). */
  async sampleAtOffset(): Promise<string | undefined> {
    if (this.gzip) return this.rolling.hashAt(this.offset);
    return sampleAt(this.fh, this.offset).catch(() => undefined);
  }

  async close(): Promise<void> {
    this.stream?.input.destroy();
    this.stream = null;
    await this.fh.close().catch(() => {});
  }

  private async readPlain(buf: Buffer): Promise<number> {
    if (!this.checked) {
      this.checked = true;
      if (this.sample !== undefined && this.start > 0 && (await sampleAt(this.fh, this.start)) !== this.sample) {
        throw new NotTheSameContent(`${this.path} does not hold the expected bytes before byte ${this.start}`);
      }
    }
    const want = Math.min(buf.length, this.end - this.offset);
    if (want <= 0) return 0;
    const { bytesRead } = await this.fh.read(buf, 0, want, this.offset);
    if (bytesRead === 0) return 0;
    this.readTime = Date.now();
    const at = this.offset;
    this.offset += bytesRead;
    this.lines.push(buf, bytesRead, at);
    return bytesRead;
  }

  private async readGzip(): Promise<number> {
    for (;;) {
      if (this.offset >= this.end) return 0;
      const chunk = await this.nextChunk();
      if (chunk === null) {
        if (this.offset < this.start) throw new NotTheSameContent(`${this.path} decompresses to ${this.offset} bytes, fewer than the ${this.start} already read`);
        return 0;
      }
      const at = this.pendingAt;
      const chunkEnd = at + chunk.length;
      if (chunkEnd <= this.start) {
        this.rolling.push(chunk);
        this.offset = chunkEnd;
        continue;
      }
      let from = 0;
      if (!this.checked) {
        this.checked = true;
        from = Math.max(0, this.start - at);
        this.rolling.push(chunk.subarray(0, from));
        if (this.sample !== undefined && this.start > 0 && this.rolling.hashAt(this.start) !== this.sample) {
          throw new NotTheSameContent(`${this.path} does not hold the expected bytes before byte ${this.start}`);
        }
      }
      const to = Math.min(chunk.length, this.end - at);
      const part = chunk.subarray(from, to);
      this.rolling.push(part);
      this.readTime = Date.now();
      this.offset = at + to;
      this.lines.push(part, part.length, at + from);
      return part.length;
    }
  }

  /** The next decompressed chunk (null at the end), tracking its offset in pendingAt. */
  private async nextChunk(): Promise<Buffer | null> {
    if (!this.stream) {
      const input = fileChunks(this.fh, GZIP_CHUNK);
      const gunzip = createGunzip({ chunkSize: GZIP_CHUNK });
      input.on('error', (e) => gunzip.destroy(e));
      input.pipe(gunzip);
      this.stream = { input, iterator: (gunzip as AsyncIterable<Buffer>)[Symbol.asyncIterator]() };
      this.pendingAt = 0;
      this.pending = null;
    } else if (this.pending) {
      this.pendingAt += this.pending.length;
    }
    const r = await this.stream.iterator.next();
    this.pending = r.done ? null : r.value;
    return this.pending;
  }
}
