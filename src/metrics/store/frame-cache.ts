/**
 * Inflated frames of recently read parts, least recently used dropped first, bounded in bytes for all parts together.
 *
 * A dashboard asks the same hours again and again (a refresh, a live chart's first answer, a second panel of the
 * same field): the last hour's query over 1,000 series inflates some 5 frames (1.3 MB) of the sealed hour before it,
 * a fifth of that query's CPU. Frames are cached per reader (its `owner` number, never reused): a part rewritten or
 * deleted gets a new reader, and the old one's frames are dropped when it closes (PartCache.drop), so a frame of a
 * part's old contents is never served. Before, each reader kept its last two frames (up to 64 readers open), without
 * a bound in bytes across them.
 */
export class FrameCache {
  /** Frames by key (owner and frame number), least recently used first. */
  private readonly frames = new Map<number, { owner: number; data: Buffer }>();
  private held = 0;
  /** Key of the frame used last (already last in `frames`): a query asks for the same frame block after block. */
  private newest = -1;
  private hits = 0;
  private misses = 0;

  constructor(readonly maxBytes: number) {}

  /** Bytes of inflated frames held (as allocated). */
  get bytes(): number {
    return this.held;
  }

  /** Reads answered from the cache, and reads that had to inflate, since the start. */
  stats(): { hits: number; misses: number; bytes: number; frames: number } {
    return { hits: this.hits, misses: this.misses, bytes: this.held, frames: this.frames.size };
  }

  get(owner: number, frame: number): Buffer | undefined {
    const k = key(owner, frame);
    const e = this.frames.get(k);
    if (!e) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    if (k !== this.newest) {
      this.frames.delete(k);
      this.frames.set(k, e);
      this.newest = k;
    }
    return e.data;
  }

  /** Keeps a frame (one larger than the whole cache is not kept), dropping the least recently used beyond the bound. */
  put(owner: number, frame: number, data: Buffer): void {
    const size = sizeOf(data);
    if (size > this.maxBytes) return;
    const k = key(owner, frame);
    const old = this.frames.get(k);
    if (old) {
      this.held -= sizeOf(old.data);
      this.frames.delete(k);
    }
    this.frames.set(k, { owner, data });
    this.newest = k;
    this.held += size;
    for (const [oldest, e] of this.frames) {
      if (this.held <= this.maxBytes) break;
      this.frames.delete(oldest);
      this.held -= sizeOf(e.data);
    }
  }

  /** Drops every frame of one reader (its part closed, rewritten or deleted). */
  dropOwner(owner: number): void {
    for (const [k, e] of this.frames) {
      if (e.owner !== owner) continue;
      this.frames.delete(k);
      this.held -= sizeOf(e.data);
    }
  }

  clear(): void {
    this.frames.clear();
    this.newest = -1;
    this.held = 0;
  }
}

/** Frames per part this keying allows (a part of 2^21 frames of 256 KiB would be 512 GB). */
const FRAMES_PER_OWNER = 2 ** 21;

function key(owner: number, frame: number): number {
  return owner * FRAMES_PER_OWNER + frame;
}

/** What a frame holds in memory: its whole ArrayBuffer when it is a view of a larger one. */
function sizeOf(data: Buffer): number {
  return Math.max(data.length, data.buffer.byteLength);
}
