import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { captureJson } from '../common/record-capture.js';
import type { FlowRecord, FlowTarget } from './target.js';

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
 */
export class FileTarget implements FlowTarget {
  readonly deadLettered = 0;
  readonly retries = 0;
  private fh: fsp.FileHandle | null = null;
  private size = 0;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly sourceTopic: string,
    private readonly maxBytes: number,
    private readonly keep: number,
  ) {}

  async open(sourcePartitions: number): Promise<Map<number, number>> {
    await this.close();
    await fsp.mkdir(path.dirname(this.file), { recursive: true });
    await this.cutTornLine();
    const out = new Map<number, number>();
    for (let k = 0; k < this.keep && out.size < sourcePartitions; k++) {
      let text: string;
      try {
        text = await fsp.readFile(rotatedName(this.file, k), 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw e;
      }
      // Newest file first, and within a file the last line of a partition is its newest: the first found wins.
      const found = new Map<number, number>();
      for (const line of text.split('\n')) {
        if (line === '') continue;
        try {
          const o = JSON.parse(line) as { topic?: unknown; partition?: unknown; offset?: unknown };
          if (o.topic === this.sourceTopic && typeof o.partition === 'number' && typeof o.offset === 'number') found.set(o.partition, o.offset);
        } catch {
          // a line that is not ours (edited by hand): not a position
        }
      }
      for (const [p, o] of found) if (!out.has(p)) out.set(p, o + 1);
    }
    this.fh = await fsp.open(this.file, 'a');
    this.size = (await this.fh.stat()).size;
    return out;
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
      if (end < size) await fh.truncate(end);
    } finally {
      await fh.close();
    }
  }

  write(_partition: number, records: FlowRecord[]): Promise<void> {
    const lines = records.map((r) => Buffer.from(`${JSON.stringify(captureJson(r))}\n`));
    const run = this.queue.then(() => this.append(lines));
    this.queue = run.catch(() => undefined);
    return run;
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

  private async rotate(): Promise<void> {
    await this.fh!.close();
    this.fh = null;
    await fsp.rm(rotatedName(this.file, this.keep - 1), { force: true });
    for (let k = this.keep - 2; k >= 0; k--) {
      if (fs.existsSync(rotatedName(this.file, k))) await fsp.rename(rotatedName(this.file, k), rotatedName(this.file, k + 1));
    }
    this.fh = await fsp.open(this.file, 'a');
    this.size = 0;
  }

  async close(): Promise<void> {
    await this.queue;
    await this.fh?.close();
    this.fh = null;
  }
}
