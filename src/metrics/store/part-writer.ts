import fsp from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, brotliCompressSync } from 'node:zlib';
import { fsyncDir } from '../../common/atomic-file.js';
import { ByteWriter } from './bytes.js';
import { BROTLI, FOOTER, FRAME_BYTES, HEADER, MAGIC, VERSION, type PartEntry } from './part-file.js';
import { grown } from './grown.js';

const brotliAsync = promisify(brotliCompress);

/**
 * A part's blocks laid out as they come (part-file.ts's format): each block goes into the current frame, which is cut
 * when the next block would take it past FRAME_BYTES (a larger block is a frame of its own). The index is kept in
 * typed arrays, not an object per block: a seal pass lays out 15,000 blocks an hour.
 */
class PartLayout {
  private frame = Buffer.allocUnsafe(FRAME_BYTES);
  private used = 0;
  private frames = 0;
  n = 0;
  private ids = new Uint32Array(256);
  private frameOf = new Uint32Array(256);
  private offsets = new Uint32Array(256);
  private lengths = new Uint32Array(256);
  private minTs = new Float64Array(256);
  private maxTs = new Float64Array(256);

  /** Whether a block of `len` bytes starts a new frame: cut() the current one first. */
  full(len: number): boolean {
    return this.used > 0 && this.used + len > FRAME_BYTES;
  }

  /** Copies the block into the current frame (the caller checked full() and cut). */
  add(id: number, block: Uint8Array, minTs: number, maxTs: number): void {
    const i = this.n++;
    if (i >= this.ids.length) {
      const cap = this.ids.length * 2;
      this.ids = grown(this.ids, cap);
      this.frameOf = grown(this.frameOf, cap);
      this.offsets = grown(this.offsets, cap);
      this.lengths = grown(this.lengths, cap);
      this.minTs = grown(this.minTs, cap);
      this.maxTs = grown(this.maxTs, cap);
    }
    if (this.used + block.length > this.frame.length) {
      const bigger = Buffer.allocUnsafe(this.used + block.length);
      this.frame.copy(bigger, 0, 0, this.used);
      this.frame = bigger;
    }
    this.ids[i] = id;
    this.frameOf[i] = this.frames;
    this.offsets[i] = this.used;
    this.lengths[i] = block.length;
    this.minTs[i] = minTs;
    this.maxTs[i] = maxTs;
    this.frame.set(block, this.used);
    this.used += block.length;
  }

  /** The current frame's bytes (a view: compress it before the next add), or null when it is empty. */
  cut(): Buffer | null {
    if (this.used === 0) return null;
    const out = this.frame.subarray(0, this.used);
    this.used = 0;
    this.frames++;
    return out;
  }

  /** The index and footer, for frames of the given compressed lengths written right after the header. */
  index(frameLengths: readonly number[]): Buffer {
    const n = this.n;
    const index = new ByteWriter(16 + n * 12 + frameLengths.length * 3);
    index.uvarint(frameLengths.length);
    for (const len of frameLengths) index.uvarint(len);
    index.uvarint(n);
    const ids = this.ids;
    const byId = new Uint32Array(n);
    for (let i = 0; i < n; i++) byId[i] = i;
    byId.sort((a, b) => ids[a]! - ids[b]!);
    let prev = 0;
    let prevMin = 0;
    let prevMax = 0;
    for (let k = 0; k < n; k++) {
      const i = byId[k]!;
      index.uvarint(ids[i]! - prev);
      index.uvarint(this.frameOf[i]!);
      index.uvarint(this.offsets[i]!);
      index.uvarint(this.lengths[i]!);
      index.varint(this.minTs[i]! - prevMin);
      index.varint(this.maxTs[i]! - prevMax);
      prev = ids[i]!;
      prevMin = this.minTs[i]!;
      prevMax = this.maxTs[i]!;
    }
    const at = HEADER + frameLengths.reduce((a, len) => a + len, 0);
    const out = Buffer.allocUnsafe(index.len + FOOTER);
    out.set(index.view(), 0);
    out.writeUInt32LE(at, index.len);
    out.writeUInt32LE(index.len, index.len + 4);
    MAGIC.copy(out, index.len + 8);
    return out;
  }
}

function head(): Buffer {
  const out = Buffer.alloc(HEADER);
  MAGIC.copy(out, 0);
  out[4] = VERSION;
  return out;
}

/**
 * A part written block by block as its blocks are made, frame by frame into `<file>.tmp` (each frame compressed on
 * libuv's thread pool, so a large part never holds the event loop), then synced (finish) and renamed into place
 * (commit): a seal pass encodes a series and hands its block over, holding one frame, not the hour's blocks. Blocks
 * are laid out in the order they are added: add them in layout order (measurement, field, tags).
 */
export class PartWriter {
  /** Null once finished: a batch of hours keeps its writers until their parts go in place, not their frames. */
  private layout: PartLayout | null = new PartLayout();
  private readonly lengths: number[] = [];
  private size = HEADER;
  private fh: fsp.FileHandle | null;
  private finished = false;

  private constructor(
    readonly file: string,
    fh: fsp.FileHandle,
  ) {
    this.fh = fh;
  }

  static async create(file: string): Promise<PartWriter> {
    const fh = await fsp.open(`${file}.tmp`, 'w');
    const w = new PartWriter(file, fh);
    try {
      await w.write(head());
    } catch (e) {
      await w.abort();
      throw e;
    }
    return w;
  }

  /** Adds a block (copied before this resolves: a view of a reused buffer may be passed). */
  async add(id: number, block: Uint8Array, minTs: number, maxTs: number): Promise<void> {
    if (!this.layout) throw new Error(`${this.file}: add after finish`);
    if (this.layout.full(block.length)) await this.flush();
    this.layout.add(id, block, minTs, maxTs);
  }

  private async write(data: Uint8Array): Promise<void> {
    for (let done = 0; done < data.length; ) done += (await this.fh!.write(data, done, data.length - done)).bytesWritten;
  }

  private async flush(): Promise<void> {
    const frame = this.layout!.cut();
    if (!frame) return;
    const z = await brotliAsync(frame, BROTLI);
    this.lengths.push(z.length);
    this.size += z.length;
    await this.write(z);
  }

  /** Writes the last frame and the index, syncs and closes the temporary file; returns the part's size. */
  async finish(): Promise<number> {
    await this.flush();
    const index = this.layout!.index(this.lengths);
    this.layout = null;
    await this.write(index);
    this.size += index.length;
    await this.fh!.sync();
    await this.fh!.close();
    this.fh = null;
    this.finished = true;
    return this.size;
  }

  /** Puts the finished part in place (rename, then the directory synced: the rename survives a power loss). */
  async commit(): Promise<void> {
    if (!this.finished) throw new Error(`${this.file}: commit before finish`);
    await fsp.rename(`${this.file}.tmp`, this.file);
    await fsyncDir(path.dirname(this.file));
  }

  /** Drops the temporary file (a failed or abandoned write); the part in place, if any, is untouched. */
  async abort(): Promise<void> {
    const fh = this.fh;
    this.fh = null;
    await fh?.close().catch(() => {});
    await fsp.rm(`${this.file}.tmp`, { force: true });
  }
}

/** Orders entries in place by `order` (default: id), ties by id. */
function sortByLayout(entries: PartEntry[], order?: (id: number) => string | number): void {
  if (!order) {
    entries.sort((a, b) => a.id - b.id);
    return;
  }
  // Keys computed once, compared without lookups; entries that come mostly in layout order already (a part rewritten:
  // its kept blocks in their old layout order, then the new ones) are a few runs, which V8's sort merges in about
  // linear time.
  const keyed = entries.map((e) => ({ k: order(e.id), e }));
  keyed.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : a.e.id - b.e.id));
  for (let i = 0; i < keyed.length; i++) entries[i] = keyed[i]!.e;
}

/** Lays blocks out by `order` (default: id), indexes them by id: a whole part in memory (tests, small parts). */
export function encodePart(entries: PartEntry[], order?: (id: number) => string | number): Buffer {
  sortByLayout(entries, order);
  const layout = new PartLayout();
  const frames: Buffer[] = [];
  const cut = () => {
    const f = layout.cut();
    if (f) frames.push(brotliCompressSync(f, BROTLI));
  };
  for (const e of entries) {
    if (layout.full(e.block.length)) cut();
    layout.add(e.id, e.block, e.minTs, e.maxTs);
  }
  cut();
  return Buffer.concat([head(), ...frames, layout.index(frames.map((f) => f.length))]);
}

/** Writes a part of the given blocks, laid out by `order`, atomically (PartWriter); returns its size. */
export async function writePart(file: string, entries: PartEntry[], order?: (id: number) => string | number): Promise<number> {
  sortByLayout(entries, order);
  const w = await PartWriter.create(file);
  try {
    for (const e of entries) await w.add(e.id, e.block, e.minTs, e.maxTs);
    const size = await w.finish();
    await w.commit();
    return size;
  } catch (e) {
    await w.abort();
    throw e;
  }
}
