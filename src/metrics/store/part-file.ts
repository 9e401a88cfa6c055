import fs from 'node:fs';
import { writeFileAtomic } from '../../common/atomic-file.js';
import { ByteReader, ByteWriter, CorruptDataError } from './bytes.js';

/**
 * A part file: the blocks of every series of one hour (raw, 1m) or one day (1h), then an index of them.
 *
 *   Part   => "TRMP" version:u8 blocks index footer
 *   index  => count:uvarint [id-delta:uvarint length:uvarint minTs:varint maxTs:varint]*   (ids ascending)
 *   footer => indexOffset:u32le indexLength:u32le "TRMP"
 *
 * Written whole and atomically (temp file, fsync, rename): a part is never seen half-written, so the existence of a
 * part is a fact the checkpoint can rely on. Read with positioned reads of one block at a time.
 */

const MAGIC = Buffer.from('TRMP');
const VERSION = 1;
const HEADER = 5;
const FOOTER = 12;

export interface PartEntry {
  id: number;
  block: Uint8Array;
  minTs: number;
  maxTs: number;
}

export function encodePart(entries: PartEntry[]): Buffer {
  entries.sort((a, b) => a.id - b.id);
  const index = new ByteWriter(16 + entries.length * 12);
  index.uvarint(entries.length);
  let prev = 0;
  let size = HEADER;
  for (const e of entries) {
    index.uvarint(e.id - prev);
    index.uvarint(e.block.length);
    index.varint(e.minTs);
    index.varint(e.maxTs);
    prev = e.id;
    size += e.block.length;
  }
  const out = Buffer.allocUnsafe(size + index.len + FOOTER);
  MAGIC.copy(out, 0);
  out[4] = VERSION;
  let at = HEADER;
  for (const e of entries) {
    out.set(e.block, at);
    at += e.block.length;
  }
  out.set(index.view(), at);
  out.writeUInt32LE(at, at + index.len);
  out.writeUInt32LE(index.len, at + index.len + 4);
  MAGIC.copy(out, at + index.len + 8);
  return out;
}

export function writePart(file: string, entries: PartEntry[]): Promise<number> {
  const data = encodePart(entries);
  return writeFileAtomic(file, data).then(() => data.length);
}

export class PartReader {
  readonly ids: Float64Array;
  readonly offsets: Float64Array;
  readonly lengths: Float64Array;
  readonly minTs: Float64Array;
  readonly maxTs: Float64Array;

  private constructor(
    readonly file: string,
    private fd: number,
    readonly size: number,
    index: Uint8Array,
  ) {
    const r = new ByteReader(index);
    const n = r.uvarint();
    this.ids = new Float64Array(n);
    this.offsets = new Float64Array(n);
    this.lengths = new Float64Array(n);
    this.minTs = new Float64Array(n);
    this.maxTs = new Float64Array(n);
    let id = 0;
    let at = HEADER;
    for (let i = 0; i < n; i++) {
      id += r.uvarint();
      this.ids[i] = id;
      this.offsets[i] = at;
      this.lengths[i] = r.uvarint();
      at += this.lengths[i]!;
      this.minTs[i] = r.varint();
      this.maxTs[i] = r.varint();
    }
  }

  static open(file: string): PartReader {
    const fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      if (size < HEADER + FOOTER) throw new CorruptDataError(`${file} is too short to be a metrics part (${size} bytes)`);
      const footer = Buffer.alloc(FOOTER);
      fs.readSync(fd, footer, 0, FOOTER, size - FOOTER);
      if (!footer.subarray(8).equals(MAGIC)) throw new CorruptDataError(`${file} is not a metrics part (bad footer)`);
      const at = footer.readUInt32LE(0);
      const len = footer.readUInt32LE(4);
      if (at + len + FOOTER !== size) throw new CorruptDataError(`${file} has an index outside the file`);
      const index = Buffer.alloc(len);
      fs.readSync(fd, index, 0, len, at);
      return new PartReader(file, fd, size, index);
    } catch (e) {
      fs.closeSync(fd);
      throw e;
    }
  }

  /** Position of a series in the index, or -1. */
  find(id: number): number {
    let lo = 0;
    let hi = this.ids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = this.ids[mid]!;
      if (v === id) return mid;
      if (v < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  block(i: number): Buffer {
    const len = this.lengths[i]!;
    const out = Buffer.allocUnsafe(len);
    let done = 0;
    while (done < len) {
      const n = fs.readSync(this.fd, out, done, len - done, this.offsets[i]! + done);
      if (n === 0) throw new CorruptDataError(`${this.file} ends inside a block`);
      done += n;
    }
    return out;
  }

  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }
}

/** Open parts, at most `max` at once (least recently used closed first). */
export class PartCache {
  private readonly open = new Map<string, PartReader>();

  constructor(private readonly max = 64) {}

  get(file: string): PartReader {
    let p = this.open.get(file);
    if (p) {
      this.open.delete(file);
      this.open.set(file, p);
      return p;
    }
    p = PartReader.open(file);
    this.open.set(file, p);
    if (this.open.size > this.max) {
      const [oldest, reader] = this.open.entries().next().value as [string, PartReader];
      this.open.delete(oldest);
      reader.close();
    }
    return p;
  }

  /** The file was replaced or deleted: forget its reader. */
  drop(file: string): void {
    this.open.get(file)?.close();
    this.open.delete(file);
  }

  close(): void {
    for (const p of this.open.values()) p.close();
    this.open.clear();
  }
}
