// The on-disk buffer for when the broker is unreachable: append-only segment files of framed record batches,
// fsynced before append() resolves (so a source may checkpoint past them), read back in order when the broker
// returns, and deleted once everything in them is acknowledged.
//
// Directory:  00000000000000000001.spool, 00000000000000000002.spool, …   cursor
// Frame    => length:uint32 crc32c:uint32 payload           (crc32c covers the payload; length is the payload's)
// Payload  => version:int8(1) topic:int16-string partition:int32 producerId:int64 producerEpoch:int16
//             baseSequence:int32 batch:rest                  (batch = one Kafka magic v2 record batch, as sent)
// Cursor   => segment:uint32 offset:uint32 crc32c:uint32     (everything before it is acknowledged by the broker)
import { crc32c } from '@node-rs/crc32';
import { fsyncDir } from '../../common/atomic-file.js';
import { mkdir, open, readdir, readFile, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { BATCH_HEADER_SIZE, BATCH_OFFSET_RECORDS_COUNT } from '../../protocol/record-batch.js';
import { formatBytes, formatCount } from '../../common/format.js';
import { type Logger } from '../../common/logger.js';

export interface SpoolFrame {
  topic: string;
  /** -1 when the partition was not known when it was buffered: it is chosen again when sent. */
  partition: number;
  /** The idempotent producer identity and sequence the batch was already sent with, or -1: see shipper.ts. */
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  /** One complete Kafka v2 record batch. */
  batch: Buffer;
}

export interface SpoolPosition {
  segment: number;
  offset: number;
}

export interface SpoolEntry {
  frame: SpoolFrame;
  records: number;
  /** Bytes the frame takes on disk. */
  bytes: number;
  /** Position just past this frame: acknowledge() it once the broker has the records. */
  end: SpoolPosition;
}

export class SpoolError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SpoolError';
  }
}

const FRAME_HEADER = 8;
const PAYLOAD_VERSION = 1;
const CURSOR_FILE = 'cursor';
const SEGMENT_SUFFIX = '.spool';
/** A frame larger than this is corruption, not data (batches are at most a few MiB). */
const MAX_FRAME_BYTES = 256 * 1024 * 1024;

const segmentName = (id: number): string => `${String(id).padStart(20, '0')}${SEGMENT_SUFFIX}`;
const recordsIn = (batch: Buffer): number => (batch.length >= BATCH_HEADER_SIZE ? batch.readInt32BE(BATCH_OFFSET_RECORDS_COUNT) : 0);

/** The frame as buffers to write (the batch by reference, not copied). */
export function encodeFrame(f: SpoolFrame): Buffer[] {
  const topic = Buffer.from(f.topic, 'utf8');
  const meta = Buffer.allocUnsafe(FRAME_HEADER + 1 + 2 + topic.length + 4 + 8 + 2 + 4);
  let pos = FRAME_HEADER;
  pos = meta.writeInt8(PAYLOAD_VERSION, pos);
  pos = meta.writeInt16BE(topic.length, pos);
  pos += topic.copy(meta, pos);
  pos = meta.writeInt32BE(f.partition, pos);
  pos = meta.writeBigInt64BE(BigInt(f.producerId), pos);
  pos = meta.writeInt16BE(f.producerEpoch, pos);
  meta.writeInt32BE(f.baseSequence, pos);
  meta.writeUInt32BE(meta.length - FRAME_HEADER + f.batch.length, 0);
  meta.writeUInt32BE(crc32c(f.batch, crc32c(meta.subarray(FRAME_HEADER))) >>> 0, 4);
  return [meta, f.batch];
}

/** Decodes a payload whose CRC has been checked. */
export function decodeFrame(payload: Buffer): SpoolFrame {
  if (payload.readInt8(0) !== PAYLOAD_VERSION) throw new SpoolError(`spool frame version ${payload.readInt8(0)} is not one this agent writes`);
  const topicLength = payload.readInt16BE(1);
  let pos = 3;
  const topic = payload.toString('utf8', pos, pos + topicLength);
  pos += topicLength;
  const partition = payload.readInt32BE(pos);
  const producerId = Number(payload.readBigInt64BE(pos + 4));
  const producerEpoch = payload.readInt16BE(pos + 12);
  const baseSequence = payload.readInt32BE(pos + 14);
  return { topic, partition, producerId, producerEpoch, baseSequence, batch: payload.subarray(pos + 18) };
}

interface Segment {
  id: number;
  /** Bytes written and fsynced. */
  size: number;
}

interface PendingAppend {
  buffers: Buffer[];
  bytes: number;
  records: number;
  resolve(): void;
  reject(err: Error): void;
}

export interface SpoolOptions {
  /** Roll to a new segment file past this size. */
  segmentBytes: number;
  logger: Logger;
}

export class Spool {
  private readonly segments: Segment[];
  private cursor: SpoolPosition;
  private readPos: SpoolPosition;
  private writeHandle: FileHandle | null = null;
  private readHandle: { id: number; handle: FileHandle } | null = null;
  private queue: PendingAppend[] = [];
  private writing: Promise<void> | null = null;
  private cursorWrite: Promise<void> | null = null;
  private cursorDirty = false;
  private unackedBytes: number;
  private unackedRecords: number;
  private queuedBytes = 0;
  private closed = false;
  private failure: SpoolError | null = null;

  private constructor(
    private readonly dir: string,
    private readonly options: SpoolOptions,
    segments: Segment[],
    cursor: SpoolPosition,
    bytes: number,
    records: number,
  ) {
    this.segments = segments;
    this.cursor = cursor;
    this.readPos = { ...cursor };
    this.unackedBytes = bytes;
    this.unackedRecords = records;
  }

  /** Opens (creating) the spool in `dir`, checking every unacknowledged frame and cutting a torn tail. */
  static async open(dir: string, options: SpoolOptions): Promise<Spool> {
    await mkdir(dir, { recursive: true });
    const ids = (await readdir(dir))
      .filter((f) => f.endsWith(SEGMENT_SUFFIX) && /^\d{20}\.spool$/.test(f))
      .map((f) => Number(f.slice(0, 20)))
      .sort((a, b) => a - b);
    let cursor = await readCursor(dir);
    const firstId = ids[0] ?? 1;
    if (cursor === null || !ids.includes(cursor.segment)) cursor = { segment: firstId, offset: 0 };
    const segments: Segment[] = [];
    let bytes = 0;
    let records = 0;
    for (const id of ids) {
      const file = join(dir, segmentName(id));
      if (id < cursor.segment) {
        await unlink(file); // fully acknowledged before the last stop, not yet deleted
        continue;
      }
      const data = await readFile(file);
      const start = id === cursor.segment ? Math.min(cursor.offset, data.length) : 0;
      const scan = scanFrames(data, start);
      if (scan.validEnd < data.length) {
        const cut = data.length - scan.validEnd;
        if (id === ids[ids.length - 1]) {
          options.logger.warn(`spool ${file}: cut a torn tail of ${formatBytes(cut)} (the agent stopped while writing it; that write had not been confirmed to its source)`);
        } else {
          options.logger.error(`spool ${file}: ${formatBytes(cut)} from byte ${scan.validEnd} on are corrupt and were skipped — their records are missing from the topic`);
        }
        const h = await open(file, 'r+');
        await h.truncate(scan.validEnd);
        await h.sync();
        await h.close();
      }
      segments.push({ id, size: scan.validEnd });
      bytes += scan.validEnd - start;
      records += scan.records;
    }
    if (cursor.offset > (segments[0]?.size ?? 0)) cursor = { segment: cursor.segment, offset: segments[0]?.size ?? 0 };
    const spool = new Spool(dir, options, segments, cursor, bytes, records);
    if (records > 0) options.logger.info(`spool ${dir} holds ${formatCount(records)} records (${formatBytes(bytes)}) not yet acknowledged by the broker`);
    return spool;
  }

  /** Bytes on disk not yet acknowledged, plus bytes waiting to be written. */
  get bytes(): number {
    return this.unackedBytes + this.queuedBytes;
  }

  get records(): number {
    return this.unackedRecords;
  }

  /** Nothing unacknowledged on disk and nothing waiting to be written. */
  get isEmpty(): boolean {
    return this.unackedBytes === 0 && this.queue.length === 0 && this.writing === null;
  }

  /** Every frame written so far has been handed out by read(), and no append is in progress. */
  get caughtUp(): boolean {
    return this.queue.length === 0 && this.writing === null && !this.hasUnread();
  }

  /** Resolves once the appends in progress (if any) are on disk or have failed. */
  whenWritten(): Promise<void> {
    return this.writing ?? Promise.resolve();
  }

  /** Appends frames; resolves once they are on disk (fsynced). Concurrent appends share one write and one fsync. */
  append(frames: SpoolFrame[]): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new SpoolError('the spool is closed'));
    const buffers = frames.flatMap(encodeFrame);
    let bytes = 0;
    for (const b of buffers) bytes += b.length;
    const records = frames.reduce((n, f) => n + recordsIn(f.batch), 0);
    this.queuedBytes += bytes;
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ buffers, bytes, records, resolve, reject });
      this.startWriting();
    });
  }

  /** One write loop at a time; an append that arrives as the loop ends (before `writing` is cleared) restarts it. */
  private startWriting(): void {
    if (this.writing) return;
    this.writing = this.writeLoop().finally(() => {
      this.writing = null;
      if (this.queue.length > 0) this.startWriting();
    });
  }

  private async writeLoop(): Promise<void> {
    while (this.queue.length > 0) {
      const group = this.queue.splice(0);
      const bytes = group.reduce((n, p) => n + p.bytes, 0);
      try {
        const segment = await this.writableSegment();
        const buffers = group.flatMap((p) => p.buffers);
        let written = 0;
        while (written < bytes) {
          // Positional: a failed attempt is overwritten by the next, never left in the middle of the file.
          const { bytesWritten } = await this.writeHandle!.writev(written === 0 ? buffers : [Buffer.concat(buffers).subarray(written)], segment.size + written);
          written += bytesWritten;
        }
        await this.writeHandle!.datasync();
        segment.size += bytes;
        this.queuedBytes -= bytes;
        this.unackedBytes += bytes;
        for (const p of group) this.unackedRecords += p.records;
        for (const p of group) p.resolve();
      } catch (err) {
        this.queuedBytes -= bytes;
        const e = err as NodeJS.ErrnoException;
        this.failure = new SpoolError(
          `cannot write the spool in ${this.dir}: ${e.code === 'ENOSPC' ? 'the disk is full' : e.message} — free space or move --data-dir, then restart the agent; nothing was confirmed to the sources past this point`,
          { cause: err },
        );
        for (const p of [...group, ...this.queue.splice(0)]) p.reject(this.failure);
        return;
      }
    }
  }

  private async writableSegment(): Promise<Segment> {
    let last = this.segments[this.segments.length - 1];
    if (last && this.writeHandle && last.size < this.options.segmentBytes) return last;
    if (last && !this.writeHandle && last.size < this.options.segmentBytes) {
      this.writeHandle = await open(join(this.dir, segmentName(last.id)), 'r+');
      return last;
    }
    await this.writeHandle?.close();
    this.writeHandle = null;
    const id = (last?.id ?? this.cursor.segment - 1) + 1;
    this.writeHandle = await open(join(this.dir, segmentName(id)), 'wx');
    await fsyncDir(this.dir);
    last = { id, size: 0 };
    this.segments.push(last);
    if (this.segments.length === 1) {
      this.cursor = { segment: id, offset: 0 };
      this.readPos = { segment: id, offset: 0 };
    }
    return last;
  }

  private hasUnread(): boolean {
    const seg = this.segments.find((s) => s.id === this.readPos.segment);
    if (seg && this.readPos.offset < seg.size) return true;
    return this.segments.some((s) => s.id > this.readPos.segment && s.size > 0);
  }

  /** The next frame after the read position, or null when everything written so far has been read. */
  async read(): Promise<SpoolEntry | null> {
    for (;;) {
      const idx = this.segments.findIndex((s) => s.id === this.readPos.segment);
      const seg = idx >= 0 ? this.segments[idx]! : this.segments.find((s) => s.id > this.readPos.segment);
      if (!seg) return null;
      if (seg.id !== this.readPos.segment) this.readPos = { segment: seg.id, offset: 0 };
      if (this.readPos.offset >= seg.size) {
        const next = this.segments.find((s) => s.id > seg.id);
        if (!next) return null;
        this.readPos = { segment: next.id, offset: 0 };
        continue;
      }
      const handle = await this.readHandleFor(seg.id);
      const head = Buffer.allocUnsafe(FRAME_HEADER);
      await readFully(handle, head, this.readPos.offset);
      const length = head.readUInt32BE(0);
      if (length > MAX_FRAME_BYTES || this.readPos.offset + FRAME_HEADER + length > seg.size) {
        throw new SpoolError(`spool segment ${segmentName(seg.id)} is corrupt at byte ${this.readPos.offset} (frame length ${length})`);
      }
      const payload = Buffer.allocUnsafe(length);
      await readFully(handle, payload, this.readPos.offset + FRAME_HEADER);
      if (crc32c(payload) >>> 0 !== head.readUInt32BE(4)) {
        throw new SpoolError(`spool segment ${segmentName(seg.id)} has a CRC mismatch at byte ${this.readPos.offset}`);
      }
      const frame = decodeFrame(payload);
      const bytes = FRAME_HEADER + length;
      this.readPos = { segment: seg.id, offset: this.readPos.offset + bytes };
      return { frame, records: recordsIn(frame.batch), bytes, end: { ...this.readPos } };
    }
  }

  private async readHandleFor(id: number): Promise<FileHandle> {
    if (this.readHandle?.id === id) return this.readHandle.handle;
    await this.readHandle?.handle.close();
    this.readHandle = null;
    const handle = await open(join(this.dir, segmentName(id)), 'r');
    this.readHandle = { id, handle };
    return handle;
  }

  /**
   * Everything up to `end` is acknowledged by the broker: move the cursor (persisted, without fsync — a lost cursor
   * update only means those records are sent again) and delete segments left behind.
   */
  acknowledge(end: SpoolPosition, records: number, bytes: number): void {
    this.unackedBytes = Math.max(0, this.unackedBytes - bytes);
    this.unackedRecords = Math.max(0, this.unackedRecords - records);
    this.cursor = end;
    while (this.segments.length > 1 && this.segments[0]!.id < end.segment) {
      const gone = this.segments.shift()!;
      if (this.readHandle?.id === gone.id) {
        void this.readHandle.handle.close().catch(() => undefined);
        this.readHandle = null;
      }
      void unlink(join(this.dir, segmentName(gone.id))).catch(() => undefined);
    }
    this.cursorDirty = true;
    this.startCursorWrite();
  }

  private startCursorWrite(): void {
    if (this.cursorWrite) return;
    this.cursorWrite = this.writeCursor().finally(() => {
      this.cursorWrite = null;
      if (this.cursorDirty) this.startCursorWrite();
    });
  }

  private async writeCursor(): Promise<void> {
    while (this.cursorDirty) {
      this.cursorDirty = false;
      const buf = Buffer.allocUnsafe(12);
      buf.writeUInt32BE(this.cursor.segment, 0);
      buf.writeUInt32BE(this.cursor.offset, 4);
      buf.writeUInt32BE(crc32c(buf.subarray(0, 8)) >>> 0, 8);
      try {
        await writeFile(join(this.dir, CURSOR_FILE), buf);
      } catch (err) {
        this.options.logger.warn(`cannot record spool progress in ${this.dir}: ${(err as Error).message} — buffered records may be sent twice`);
      }
    }
  }

  /** Waits for pending writes, persists the cursor and closes the files. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.writing || this.cursorWrite) await Promise.all([this.writing, this.cursorWrite]);
    await this.readHandle?.handle.close().catch(() => undefined);
    await this.writeHandle?.close().catch(() => undefined);
    this.readHandle = null;
    this.writeHandle = null;
  }
}

/** Walks frames from `start`; validEnd is where the first bad or incomplete frame begins (or the end). */
function scanFrames(data: Buffer, start: number): { validEnd: number; records: number } {
  let pos = start;
  let records = 0;
  while (pos + FRAME_HEADER <= data.length) {
    const length = data.readUInt32BE(pos);
    if (length > MAX_FRAME_BYTES || pos + FRAME_HEADER + length > data.length) break;
    const payload = data.subarray(pos + FRAME_HEADER, pos + FRAME_HEADER + length);
    if (crc32c(payload) >>> 0 !== data.readUInt32BE(pos + 4)) break;
    try {
      records += recordsIn(decodeFrame(payload).batch);
    } catch {
      break;
    }
    pos += FRAME_HEADER + length;
  }
  return { validEnd: pos, records };
}

async function readCursor(dir: string): Promise<SpoolPosition | null> {
  try {
    const buf = await readFile(join(dir, CURSOR_FILE));
    if (buf.length !== 12 || crc32c(buf.subarray(0, 8)) >>> 0 !== buf.readUInt32BE(8)) return null;
    return { segment: buf.readUInt32BE(0), offset: buf.readUInt32BE(4) };
  } catch {
    return null;
  }
}

async function readFully(handle: FileHandle, into: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < into.length) {
    const { bytesRead } = await handle.read(into, done, into.length - done, position + done);
    if (bytesRead === 0) throw new SpoolError(`spool file ended early at byte ${position + done}`);
    done += bytesRead;
  }
}
