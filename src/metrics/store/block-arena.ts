import { ByteWriter } from './bytes.js';

const CHUNK_BYTES = 1024 * 1024;

/**
 * The encoded blocks a seal pass keeps until its parts are written, packed into 1 MiB chunks instead of one small
 * ArrayBuffer each. Every ArrayBuffer is a malloc of its own: thousands of small long-lived blocks allocated among
 * the seal's garbage scatter over glibc's heap, and the process kept the holes between them as RSS (about 10 KiB per
 * series on a day of 100 hosts' metrics, more than the store itself). A chunk is freed when no block in it is
 * referenced any more (all of them once the pass's parts are written).
 */
export class BlockArena {
  private chunk = new Uint8Array(0);
  private used = 0;

  /** A copy of `bytes` in the arena (a view into a chunk: keep it only as long as the seal pass needs it). */
  add(bytes: Uint8Array): Uint8Array {
    const n = bytes.length;
    if (n > CHUNK_BYTES / 4) return bytes.slice();
    if (this.used + n > this.chunk.length) {
      this.chunk = new Uint8Array(CHUNK_BYTES);
      this.used = 0;
    }
    const out = this.chunk.subarray(this.used, this.used + n);
    out.set(bytes);
    this.used += n;
    return out;
  }
}

/** Where a block is encoded (one writer, reused: no garbage per block) and where the finished copy is kept. */
export interface BlockScratch {
  writer: ByteWriter;
  arena: BlockArena;
}

export function blockScratch(): BlockScratch {
  return { writer: new ByteWriter(64 * 1024), arena: new BlockArena() };
}
