import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fsyncDir } from '../common/atomic-file.js';
import { captureJson } from '../common/record-capture.js';
import type { FlowRecord, FlowTarget } from './target.js';

/** How much of a file is read at a time, backwards, looking for each partition's last line. */
const READ_BACK_BYTES = 64 * 1024;

/** `name.ndjson` → `name.K.ndjson`: the K-th older file. */
export function rotatedName(file: string, k: number): string {
  return k === 0 ? file : `${file.slice(0, -'.ndjson'.length)}.${k}.ndjson`;
}

/**
 * An NDJSON file in the capture format (`tributary import` reads it back), rotated by size: when the next write would
 * pass `maxBytes`, `name.ndjson` becomes `name.1.ndjson`, older ones move up, and beyond `keep` files in all the
 * oldest is deleted. Each line names its partition and offset, so where to resume is in the files themselves: the
 * last complete line per partition, newest file first; a torn last line (a kill in mid-write) is cut off on open.
 * Lines of all partitions go to one file, written one write at a time.
 *
 * A write resolves only once its lines are on disk (fsync), and a created or rotated file's directory entry too, so
 * the flow never records a position past lines a power loss could take back. The fsyncs are shared (group commit):
 * writes that finish while one runs all wait for the next, so the partitions' writes cost about one fsync a round.
 */
export class FileTarget implements FlowTarget {
  readonly deadLettered = 0;
  readonly retries = 0;
  private fh: fsp.FileHandle | null = null;
  private size = 0;
  private queue: Promise<void> = Promise.resolve();
  /** The fsync running now, and the one that will start after it (shared by every write that waits for it). */
  private syncing: Promise<void> = Promise.resolve();
  private nextSync: Promise<void> | null = null;

  constructor(
    private readonly file: string,
    private readonly sourceTopic: string,
    private readonly maxBytes: number,
    private readonly keep: number,
  ) {}

  async open(sourcePartitions: number): Promise<Map<number, number>> {
    await this.close();
    const dir = path.dirname(this.file);
    const created = await fsp.mkdir(dir, { recursive: true });
    // New directories are entries of their parents: those must reach the disk too, from the top one created down.
    if (created !== undefined) {
      for (let d = dir; d !== path.dirname(created); d = path.dirname(d)) await fsyncDir(path.dirname(d));
    }
    await this.cutTornLine();
    // Newest file first, and within a file from its end: the first line found of a partition is its newest.
    const out = new Map<number, number>();
    for (let k = 0; k < this.keep && out.size < sourcePartitions; k++) await this.lastPositions(rotatedName(this.file, k), out, sourcePartitions);
    this.fh = await fsp.open(this.file, 'a');
    this.size = (await this.fh.stat()).size;
    // The file may have just been created (or renamed by a rotation that a crash cut short): its entry is made durable.
    await fsyncDir(dir);
    return out;
  }

  /**
   * Adds to `out` the next offset of each partition not in it yet, from the file's lines read backwards in pieces:
   * it stops once `want` partitions are known, and never holds more than a piece and one line (files may be far
   * larger than a string can be).
   */
  private async lastPositions(file: string, out: Map<number, number>, want: number): Promise<void> {
    let fh: fsp.FileHandle;
    try {
      fh = await fsp.open(file, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    try {
      const piece = Buffer.alloc(READ_BACK_BYTES);
      // The start of the data read so far, up to its first newline: the end of a line that begins further back.
      let rest = Buffer.alloc(0);
      for (let end = (await fh.stat()).size; end > 0 && out.size < want; ) {
        const from = Math.max(0, end - piece.length);
        const { bytesRead } = await fh.read(piece, 0, end - from, from);
        const data = rest.length > 0 ? Buffer.concat([piece.subarray(0, bytesRead), rest]) : piece.subarray(0, bytesRead);
        let pos = data.length;
        while (pos > 0 && out.size < want) {
          // pos - 1 is the newline that ends this line (or the end of the file): its start is after the one before.
          const nl = pos >= 2 ? data.lastIndexOf(0x0a, pos - 2) : -1;
          if (nl < 0 && from > 0) break;
          this.notePosition(data.subarray(nl + 1, pos), out);
          pos = nl + 1;
        }
        rest = Buffer.from(data.subarray(0, pos));
        end = from;
      }
    } finally {
      await fh.close();
    }
  }

  private notePosition(line: Buffer, out: Map<number, number>): void {
    if (line.length <= 1) return;
    try {
      const o = JSON.parse(line.toString('utf8')) as { topic?: unknown; partition?: unknown; offset?: unknown };
      if (o.topic === this.sourceTopic && typeof o.partition === 'number' && typeof o.offset === 'number' && !out.has(o.partition)) out.set(o.partition, o.offset + 1);
    } catch {
      // a line that is not ours (edited by hand): not a position
    }
  }

  /** A kill in mid-write can leave the newest file ending inside a line: that line is cut off (it is written again). */
  private async cutTornLine(): Promise<void> {
    let fh: fsp.FileHandle;
    try {
      fh = await fsp.open(this.file, 'r+');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    try {
      const size = (await fh.stat()).size;
      let end = size;
      const buf = Buffer.alloc(64 * 1024);
      // Back from the end to the last newline (bounded: a line is one record).
      while (end > 0) {
        const from = Math.max(0, end - buf.length);
        const { bytesRead } = await fh.read(buf, 0, end - from, from);
        const nl = buf.subarray(0, bytesRead).lastIndexOf(0x0a);
        if (nl >= 0) {
          end = from + nl + 1;
          break;
        }
        end = from;
      }
      if (end < size) {
        await fh.truncate(end);
        await fh.sync();
      }
    } finally {
      await fh.close();
    }
  }

  write(_partition: number, records: FlowRecord[]): Promise<void> {
    const lines = records.map((r) => Buffer.from(`${JSON.stringify(captureJson(r))}\n`));
    const run = this.queue.then(() => this.append(lines));
    this.queue = run.catch(() => undefined);
    return run.then(() => this.durable());
  }

  /**
   * Resolves once every line appended so far is on disk. A sync already running may have started before the caller's
   * lines were written, so the caller waits for the next one; all callers that arrive before that one starts share it.
   */
  private durable(): Promise<void> {
    this.nextSync ??= this.syncing.then(() => {
      this.nextSync = null;
      // No file: between two in a rotation (which synced the old one whole) or closed after the last write synced.
      return this.fh?.sync();
    });
    this.syncing = this.nextSync.catch(() => undefined);
    return this.nextSync;
  }

  /** Writes whole lines, as many per write as fit under maxBytes; rotates between lines, never inside one. */
  private async append(lines: Buffer[]): Promise<void> {
    for (let i = 0; i < lines.length; ) {
      if (!this.fh) throw new Error(`the file target ${this.file} is not open`);
      if (this.size > 0 && this.size + lines[i]!.length > this.maxBytes) await this.rotate();
      let j = i;
      let bytes = 0;
      while (j < lines.length && (j === i || this.size + bytes + lines[j]!.length <= this.maxBytes)) bytes += lines[j++]!.length;
      const data = Buffer.concat(lines.slice(i, j), bytes);
      for (let done = 0; done < data.length; ) done += (await this.fh!.write(data, done, data.length - done)).bytesWritten;
      this.size += data.length;
      i = j;
    }
  }

  /**
   * The full file is synced before it is renamed (the next fsync is the new file's), and the directory after the
   * renames and the new file, before any line of the new file is acknowledged.
   */
  private async rotate(): Promise<void> {
    const old = this.fh!;
    await old.sync();
    this.fh = null;
    await this.syncing; // a shared fsync may have started on the old file
    await old.close();
    await fsp.rm(rotatedName(this.file, this.keep - 1), { force: true });
    for (let k = this.keep - 2; k >= 0; k--) {
      if (fs.existsSync(rotatedName(this.file, k))) await fsp.rename(rotatedName(this.file, k), rotatedName(this.file, k + 1));
    }
    this.fh = await fsp.open(this.file, 'a');
    this.size = 0;
    await fsyncDir(path.dirname(this.file));
  }

  async close(): Promise<void> {
    await this.queue;
    await this.syncing;
    await this.fh?.close();
    this.fh = null;
  }
}
