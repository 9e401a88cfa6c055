import { IndexFile, readIndexFile } from './index-file.js';

/**
 * Sparse map from offset to file position in one segment (Kafka's .index): entries are
 * (offset - baseOffset: int32, position: int32), one per index.interval.bytes of log, each
 * pointing at the start of a batch. A lookup lands at or before the wanted batch; the reader
 * scans forward from there.
 */
export class OffsetIndex extends IndexFile {
  readonly entrySize = 8;
  private rel: Int32Array;
  private pos: Int32Array;

  private constructor(file: string, baseOffset: number, maxEntries: number, rel: Int32Array, pos: Int32Array, n: number, fresh: boolean) {
    super(file, baseOffset, maxEntries, n, fresh);
    this.rel = rel;
    this.pos = pos;
  }

  static create(file: string, baseOffset: number, maxEntries: number): OffsetIndex {
    return new OffsetIndex(file, baseOffset, maxEntries, new Int32Array(0), new Int32Array(0), 0, true);
  }

  /** Null when the file is missing or not a valid index (the caller rebuilds it from the log). */
  static load(file: string, baseOffset: number, maxEntries: number, logSize: number): OffsetIndex | null {
    const buf = readIndexFile(file, 8);
    if (buf === null || buf === 'invalid') return null;
    const n = buf.length / 8;
    const rel = new Int32Array(n);
    const pos = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      rel[i] = buf.readInt32BE(i * 8);
      pos[i] = buf.readInt32BE(i * 8 + 4);
      const ordered = i === 0 ? rel[i]! >= 0 && pos[i]! >= 0 : rel[i]! > rel[i - 1]! && pos[i]! > pos[i - 1]!;
      if (!ordered || pos[i]! >= logSize) return null;
    }
    return new OffsetIndex(file, baseOffset, maxEntries, rel, pos, n, false);
  }

  protected get capacity(): number {
    return this.rel.length;
  }

  protected grow(capacity: number): void {
    const rel = new Int32Array(capacity);
    const pos = new Int32Array(capacity);
    rel.set(this.rel.subarray(0, this.count));
    pos.set(this.pos.subarray(0, this.count));
    this.rel = rel;
    this.pos = pos;
  }

  protected encode(i: number, out: Buffer, at: number): void {
    out.writeInt32BE(this.rel[i]!, at);
    out.writeInt32BE(this.pos[i]!, at + 4);
  }

  append(offset: number, position: number): void {
    this.reserve();
    this.rel[this.count] = offset - this.baseOffset;
    this.pos[this.count] = position;
    this.count++;
  }

  /** Position of the last indexed batch starting at or before `offset`; 0 (segment start) if none. */
  lookup(offset: number): number {
    const target = offset - this.baseOffset;
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.rel[mid]! <= target) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found < 0 ? 0 : this.pos[found]!;
  }

  lastEntry(): { offset: number; position: number } | null {
    if (this.count === 0) return null;
    return { offset: this.baseOffset + this.rel[this.count - 1]!, position: this.pos[this.count - 1]! };
  }

  entry(i: number): { offset: number; position: number } {
    return { offset: this.baseOffset + this.rel[i]!, position: this.pos[i]! };
  }
}
