import fs from 'node:fs';
import { brotliDecompressSync, constants as zlibConstants, inflateRawSync } from 'node:zlib';
import { ByteReader, CorruptDataError } from './bytes.js';
import { FrameCache } from './frame-cache.js';

/**
 * A part file: the blocks of every series of one hour (raw, 1m) or one day (1h), in frames, then an index of them.
 *
 *   Part   => "TRMP" version:u8 frame* index footer
 *   frame  => brotli(block*)                blocks laid out consecutively, about FRAME_BYTES before compression
 *                                           (version 2: deflateRaw, 64 KiB)
 *   index  => frames:uvarint [frameLength:uvarint]* count:uvarint [id-delta:uvarint frame:uvarint offset:uvarint length:uvarint minTs-delta:varint maxTs-delta:varint]*
 *
 * Version 3: frames of 256 KiB compressed with brotli (quality 5, a window as large as the frame): the blocks of one
 * field of many hosts are followed by the next field's, so a host's timestamps recur some 100 KiB later, beyond
 * deflate's 32 KiB window; on a day of host metrics raw parts came out ~17 % smaller, for the same compression and
 * decompression CPU. minTs and maxTs are deltas from the previous entry's (the first from 0): the series of one hour start and
 * end within milliseconds of each other, so 1–2 bytes each instead of 6; the index is not compressed and was about a
 * tenth of a part. Blocks may hold the value tags of point-codec.ts that version 2 lacks (near decimals, derived
 * values). Version 2 (absolute minTs and maxTs) is still read.
 *   footer => indexOffset:u32le indexLength:u32le "TRMP"
 *
 * Frames, not one deflate per block: a zlib call costs tens of microseconds whatever its size, and neighbouring series
 * compress better together. Blocks are laid out in the order the caller gives (the store: by measurement, field and
 * tags), so the series one query reads (one field of many hosts) sit in a few consecutive frames; the index is by id.
 * A read inflates one frame and keeps it in the PartCache's frames (frame-cache.ts), so such a query inflates each
 * frame once, and a query of the same hours again (a dashboard's refresh) none while they stay there.
 *
 * Written atomically (part-writer.ts: frame by frame into a temp file, fsync, rename): a part is never seen
 * half-written, so the existence of a part is a fact the checkpoint can rely on.
 */

export const MAGIC = Buffer.from('TRMP');
export const VERSION = 3;
/** Versions this build reads. */
const READABLE = new Set([2, 3]);
export const HEADER = 5;
export const FOOTER = 12;
export const FRAME_BYTES = 256 * 1024;
/** Frames kept inflated by a reader without a FrameCache: a query reads frame by frame. */
const FRAMES_KEPT = 2;
/** Bytes of inflated frames a PartCache keeps for all its parts (frame-cache.ts): some 32 frames. */
export const FRAME_CACHE_BYTES = 8 * 1024 * 1024;
/** Numbers readers (FrameCache keys): a part reopened, or rewritten, never finds the frames of a reader before. */
let readers = 0;
export const BROTLI = {
  params: {
    [zlibConstants.BROTLI_PARAM_QUALITY]: 5,
    [zlibConstants.BROTLI_PARAM_LGWIN]: 18,
    [zlibConstants.BROTLI_PARAM_MODE]: zlibConstants.BROTLI_MODE_GENERIC,
  },
};

export interface PartEntry {
  id: number;
  /** The block's bytes (uncompressed: frames are deflated whole). */
  block: Uint8Array;
  minTs: number;
  maxTs: number;
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
  /** Without a FrameCache: the last frames inflated, most recent last. */
  private readonly inflated = new Map<number, Buffer>();
  private readonly owner = ++readers;

  private constructor(
    readonly file: string,
    private fd: number,
    readonly size: number,
    index: Uint8Array,
    private readonly version: number,
    private readonly cache: FrameCache | null,
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
      if (version >= 3 && i > 0) {
        this.minTs[i]! += this.minTs[i - 1]!;
        this.maxTs[i]! += this.maxTs[i - 1]!;
      }
    }
  }

  /** With `frames`, inflated frames are kept there (bounded for all readers sharing it), else the last two here. */
  static open(file: string, frames: FrameCache | null = null): PartReader {
    const fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      if (size < HEADER + FOOTER) throw new CorruptDataError(`${file} is too short to be a metrics part (${size} bytes)`);
      const footer = Buffer.alloc(FOOTER);
      fs.readSync(fd, footer, 0, FOOTER, size - FOOTER);
      if (!footer.subarray(8).equals(MAGIC)) throw new CorruptDataError(`${file} is not a metrics part (bad footer)`);
      const head = Buffer.alloc(HEADER);
      fs.readSync(fd, head, 0, HEADER, 0);
      if (!READABLE.has(head[4]!)) throw new CorruptDataError(`${file} is a metrics part of version ${head[4]}, this Tributary reads versions ${[...READABLE].join(' and ')}`);
      const at = footer.readUInt32LE(0);
      const len = footer.readUInt32LE(4);
      if (at + len + FOOTER !== size) throw new CorruptDataError(`${file} has an index outside the file`);
      const index = Buffer.alloc(len);
      fs.readSync(fd, index, 0, len, at);
      return new PartReader(file, fd, size, index, head[4]!, frames);
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

  /** Where the block at index position i starts in its frame (with frameOf: the part's layout order). */
  offsetOf(i: number): number {
    return this.offsets[i]!;
  }

  private inflate(f: number): Buffer {
    let data = this.cache ? this.cache.get(this.owner, f) : this.inflated.get(f);
    if (data) {
      if (this.cache) return data;
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
      data = this.version >= 3 ? brotliDecompressSync(raw) : inflateRawSync(raw);
    } catch (e) {
      throw new CorruptDataError(`${this.file}: a frame does not inflate (${(e as Error).message})`);
    }
    if (this.cache) {
      this.cache.put(this.owner, f, data);
      return data;
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
    this.cache?.dropOwner(this.owner);
  }
}

/**
 * Open parts, at most `max` at once (least recently used closed first), and their inflated frames, at most
 * `frameBytes` for all of them (frame-cache.ts; a reader closed drops its frames).
 */
export class PartCache {
  private readonly open = new Map<string, PartReader>();
  readonly frames: FrameCache;

  constructor(
    private readonly max = 64,
    frameBytes = FRAME_CACHE_BYTES,
  ) {
    this.frames = new FrameCache(frameBytes);
  }

  get(file: string): PartReader {
    let p = this.open.get(file);
    if (p) {
      this.open.delete(file);
      this.open.set(file, p);
      return p;
    }
    p = PartReader.open(file, this.frames);
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
    this.frames.clear();
  }
}

/**
 * Calls visit(k, block) for every series ids[k] the part holds, in the part's frame order (each frame inflated once,
 * whatever order the ids come in).
 */
export function eachBlock(r: PartReader, ids: readonly number[], visit: (k: number, block: Uint8Array) => void): void {
  const pos = new Int32Array(ids.length);
  const order: number[] = [];
  for (let k = 0; k < ids.length; k++) {
    const p = r.find(ids[k]!);
    pos[k] = p;
    if (p >= 0) order.push(k);
  }
  order.sort((a, b) => r.frameOf(pos[a]!) - r.frameOf(pos[b]!) || pos[a]! - pos[b]!);
  for (const k of order) visit(k, r.block(pos[k]!));
}
