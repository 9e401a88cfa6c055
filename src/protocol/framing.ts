import { DecodeError } from './reader.js';

/**
 * Splits a byte stream into size-prefixed Kafka frames. Handles frames split across
 * chunks and many frames per chunk; a frame within one chunk is returned as a view.
 */
export class FrameParser {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private need = -1;

  private limitName = 'socket.request.max.bytes';

  constructor(private maxFrameBytes: number) {}

  /** Changes the largest frame accepted from the next frame on (a SASL listener allows less before login, as Kafka). */
  setLimit(maxFrameBytes: number, name: string): void {
    this.maxFrameBytes = maxFrameBytes;
    this.limitName = name;
  }

  /** Feed bytes; returns the complete frames (without their 4-byte size prefix). Throws DecodeError on a bad size. */
  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Buffer[] = [];
    for (;;) {
      if (this.need < 0) {
        if (this.buffered < 4) break;
        const size = this.peekInt32();
        if (size < 0 || size > this.maxFrameBytes) {
          throw new DecodeError(`frame size ${size} outside 0..${this.maxFrameBytes} (${this.limitName})`);
        }
        this.consume(4);
        this.need = size;
      }
      if (this.buffered < this.need) break;
      frames.push(this.consume(this.need));
      this.need = -1;
    }
    return frames;
  }

  get pendingBytes(): number {
    return this.buffered;
  }

  /**
   * Bytes the frame being received takes once complete: its declared size once the 4-byte prefix is in, else what is
   * buffered of the prefix; 0 between frames. Lets a caller reserve memory for a frame before its body arrives.
   */
  get partialFrameBytes(): number {
    return this.need >= 0 ? this.need : this.buffered;
  }

  private peekInt32(): number {
    const first = this.chunks[0]!;
    if (first.length >= 4) return first.readInt32BE(0);
    return Buffer.concat(this.chunks, 4).readInt32BE(0);
  }

  private consume(n: number): Buffer {
    const first = this.chunks[0];
    if (first && first.length >= n) {
      const out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.buffered -= n;
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let off = 0;
    while (off < n) {
      const c = this.chunks[0]!;
      const take = Math.min(c.length, n - off);
      c.copy(out, off, 0, take);
      off += take;
      if (take === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(take);
    }
    this.buffered -= n;
    return out;
  }
}
