import fs from 'node:fs';
import { promisify } from 'node:util';
import { deflateRaw, deflateRawSync, inflateRawSync } from 'node:zlib';

const deflateRawAsync = promisify(deflateRaw);
import { writeFileAtomic } from '../../common/atomic-file.js';
import { ByteReader, ByteWriter, CorruptDataError } from './bytes.js';

/**
 * A part file: the blocks of every series of one hour (raw, 1m) or one day (1h), in frames, then an index of them.
 *
 *   Part   => "TRMP" version:u8 frame* index footer
 *   frame  => deflateRaw(block*)            blocks of series with consecutive ids, about FRAME_BYTES before deflate
 *   index  => frames:uvarint [frameLength:uvarint]* count:uvarint [id-delta:uvarint frame:uvarint offset:uvarint length:uvarint minTs:varint maxTs:varint]*
 *   footer => indexOffset:u32le indexLength:u32le "TRMP"
 *
 * Frames, not one deflate per block: a zlib call costs tens of microseconds whatever its size, and neighbouring series
 * compress better together. Blocks are laid out in the order the caller gives (the store: by measurement, field and
 * tags), so the series one query reads (one field of many hosts) sit in a few consecutive frames; the index is by id.
 * A read inflates one frame and keeps the last few, so such a query inflates each frame once.
 *
 * Written whole and atomically (temp file, fsync, rename): a part is never seen half-written, so the existence of a
 * part is a fact the checkpoint can rely on.
 */

const MAGIC = Buffer.from('TRMP');
const VERSION = 2;
const HEADER = 5;
const FOOTER = 12;
const FRAME_BYTES = 64 * 1024;
const FRAMES_KEPT = 4;
const DEFLATE = { level: 6, memLevel: 9 };

export interface PartEntry {
  id: number;
  /** The block's bytes (uncompressed: frames are deflated whole). */
  block: Uint8Array;
  minTs: number;
  maxTs: number;
}

/** Lays blocks out by `order` (default: id), indexes them by id. */
export function encodePart(entries: PartEntry[], order?: (id: number) => string): Buffer {
  const { layout, frames } = frameBlocks(entries, order);
  return assemble(layout, frames.map((f) => deflateRawSync(f, DEFLATE)));
}

/**
 * Frames deflated at once. Each deflate holds a zlib state of ~400 KiB, allocated on the thread-pool thread that
 * runs it: all of a part's frames at once (over a hundred for 14,600 series) took tens of MB in those threads' malloc
 * arenas, which the process kept as RSS after the seal.
 */
const DEFLATES_AT_ONCE = 2;

/** encodePart with the deflating on libuv's thread pool: sealing a large hour never holds the event loop for long. */
export async function encodePartAsync(entries: PartEntry[], order?: (id: number) => string): Promise<Buffer> {
  const { layout, frames } = frameBlocks(entries, order);
  const out: Buffer[] = new Array<Buffer>(frames.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < frames.length) {
      const i = next++;
      out[i] = await deflateRawAsync(frames[i]!, DEFLATE);
    }
  };
  await Promise.all(Array.from({ length: Math.min(DEFLATES_AT_ONCE, frames.length) }, worker));
  return assemble(layout, out);
}

interface Layout {
  entries: PartEntry[];
  frameOf: Map<PartEntry, number>;
  offsetOf: Map<PartEntry, number>;
}

function frameBlocks(entries: PartEntry[], order?: (id: number) => string): { layout: Layout; frames: Buffer[] } {
  if (order) {
    const keys = new Map(entries.map((e) => [e.id, order(e.id)]));
    entries.sort((a, b) => (keys.get(a.id)! < keys.get(b.id)! ? -1 : keys.get(a.id)! > keys.get(b.id)! ? 1 : a.id - b.id));
  } else entries.sort((a, b) => a.id - b.id);
  const frames: Buffer[] = [];
  const frameOf = new Map<PartEntry, number>();
  const offsetOf = new Map<PartEntry, number>();
  // Every frame is a view of one buffer of all the blocks: one large allocation per part, not a 64 KiB one per frame
  // (small enough for glibc's heap, where such transient buffers left holes the process kept as RSS).
  let total = 0;
  for (const e of entries) total += e.block.length;
  const all = Buffer.allocUnsafeSlow(total);
  let at = 0;
  let frameStart = 0;
  const cut = () => {
    if (at === frameStart) return;
    frames.push(all.subarray(frameStart, at));
    frameStart = at;
  };
  for (const e of entries) {
    if (at > frameStart && at - frameStart + e.block.length > FRAME_BYTES) cut();
    frameOf.set(e, frames.length);
    offsetOf.set(e, at - frameStart);
    all.set(e.block, at);
    at += e.block.length;
  }
  cut();
  return { layout: { entries, frameOf, offsetOf }, frames };
}

function assemble({ entries, frameOf, offsetOf }: Layout, frames: Buffer[]): Buffer {
  const index = new ByteWriter(16 + entries.length * 12 + frames.length * 3);
  index.uvarint(frames.length);
  for (const f of frames) index.uvarint(f.length);
  index.uvarint(entries.length);
  let prev = 0;
  const byId = [...entries].sort((a, b) => a.id - b.id);
  byId.forEach((e) => {
    index.uvarint(e.id - prev);
    index.uvarint(frameOf.get(e)!);
    index.uvarint(offsetOf.get(e)!);
    index.uvarint(e.block.length);
    index.varint(e.minTs);
    index.varint(e.maxTs);
    prev = e.id;
  });
  const body = frames.reduce((a, f) => a + f.length, 0);
  const out = Buffer.allocUnsafe(HEADER + body + index.len + FOOTER);
  MAGIC.copy(out, 0);
  out[4] = VERSION;
  let at = HEADER;
  for (const f of frames) {
    f.copy(out, at);
    at += f.length;
  }
  out.set(index.view(), at);
  out.writeUInt32LE(at, at + index.len);
  out.writeUInt32LE(index.len, at + index.len + 4);
  MAGIC.copy(out, at + index.len + 8);
  return out;
}

export async function writePart(file: string, entries: PartEntry[], order?: (id: number) => string): Promise<number> {
  const data = await encodePartAsync(entries, order);
  await writeFileAtomic(file, data);
  return data.length;
}

export class PartReader {
  readonly ids: Uint32Array;
  readonly minTs: Float64Array;
  readonly maxTs: Float64Array;
  private readonly frame: Uint32Array;
  private readonly offsets: Uint32Array;
  private readonly lengths: Uint32Array;
  private readonly frameAt: Float64Array;
  private readonly frameLength: Float64Array;
  /** The last frames inflated, most recent last. */
  private readonly inflated = new Map<number, Buffer>();

  private constructor(
    readonly file: string,
    private fd: number,
    readonly size: number,
    index: Uint8Array,
  ) {
    const r = new ByteReader(index);
    const frames = r.uvarint();
    this.frameAt = new Float64Array(frames);
    this.frameLength = new Float64Array(frames);
    for (let f = 0, at = HEADER; f < frames; f++) {
      this.frameAt[f] = at;
      this.frameLength[f] = r.uvarint();
      at += this.frameLength[f]!;
    }
    const n = r.uvarint();
    this.ids = new Uint32Array(n);
    this.frame = new Uint32Array(n);
    this.offsets = new Uint32Array(n);
    this.lengths = new Uint32Array(n);
    this.minTs = new Float64Array(n);
    this.maxTs = new Float64Array(n);
    let id = 0;
    for (let i = 0; i < n; i++) {
      id += r.uvarint();
      this.ids[i] = id;
      const f = r.uvarint();
      if (f >= frames) throw new CorruptDataError(`${file} names frame ${f} of ${frames}`);
      this.frame[i] = f;
      this.offsets[i] = r.uvarint();
      this.lengths[i] = r.uvarint();
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
      const head = Buffer.alloc(HEADER);
      fs.readSync(fd, head, 0, HEADER, 0);
      if (head[4] !== VERSION) throw new CorruptDataError(`${file} is a metrics part of version ${head[4]}, this Tributary reads version ${VERSION}`);
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

  /** The frame holding the block at index position i: readers of many blocks go frame by frame. */
  frameOf(i: number): number {
    return this.frame[i]!;
  }

  private inflate(f: number): Buffer {
    let data = this.inflated.get(f);
    if (data) {
      this.inflated.delete(f);
      this.inflated.set(f, data);
      return data;
    }
    const len = this.frameLength[f]!;
    const raw = Buffer.allocUnsafe(len);
    let done = 0;
    while (done < len) {
      const n = fs.readSync(this.fd, raw, done, len - done, this.frameAt[f]! + done);
      if (n === 0) throw new CorruptDataError(`${this.file} ends inside a frame`);
      done += n;
    }
    try {
      data = inflateRawSync(raw);
    } catch (e) {
      throw new CorruptDataError(`${this.file}: a frame does not inflate (${(e as Error).message})`);
    }
    this.inflated.set(f, data);
    if (this.inflated.size > FRAMES_KEPT) this.inflated.delete(this.inflated.keys().next().value as number);
    return data;
  }

  /** The block at index position i (a view into an inflated frame: decode it, do not keep it). */
  block(i: number): Buffer {
    const data = this.inflate(this.frame[i]!);
    const end = this.offsets[i]! + this.lengths[i]!;
    if (end > data.length) throw new CorruptDataError(`${this.file}: a block runs past its frame`);
    return data.subarray(this.offsets[i]!, end);
  }

  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
    this.inflated.clear();
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
