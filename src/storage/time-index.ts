import { IndexFile, readIndexFile } from './index-file.js';

/**
 * Sparse map from timestamp to offset in one segment (Kafka's .timeindex): entries are
 * (timestamp: int64, offset - baseOffset: int32), added only when the segment's largest
 * timestamp grew. Entry (T, O) means "no batch before offset O has a timestamp ≥ T", so a
 * search for ts may start at the entry with the largest T ≤ ts.
 */
export class TimeIndex extends IndexFile {
  readonly entrySize = 12;
  // Float64 holds every millisecond timestamp exactly (< 2^53) without BigInt.
  private ts: Float64Array;
  private rel: Int32Array;

  private constructor(file: string, baseOffset: number, maxEntries: number, ts: Float64Array, rel: Int32Array, n: number, fresh: boolean) {
    super(file, baseOffset, maxEntries, n, fresh);
    this.ts = ts;
    this.rel = rel;
  }

  static create(file: string, baseOffset: number, maxEntries: number): TimeIndex {
    return new TimeIndex(file, baseOffset, maxEntries, new Float64Array(0), new Int32Array(0), 0, true);
  }

  static load(file: string, baseOffset: number, maxEntries: number): TimeIndex | null {
    const buf = readIndexFile(file, 12);
    if (buf === null || buf === 'invalid') return null;
    const n = buf.length / 12;
    const ts = new Float64Array(n);
    const rel = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      ts[i] = Number(buf.readBigInt64BE(i * 12));
      rel[i] = buf.readInt32BE(i * 12 + 8);
      const ordered = i === 0 ? rel[i]! >= 0 : ts[i]! > ts[i - 1]! && rel[i]! >= rel[i - 1]!;
      if (!ordered) return null;
    }
    return new TimeIndex(file, baseOffset, maxEntries, ts, rel, n, false);
  }

  protected get capacity(): number {
    return this.ts.length;
  }

  protected grow(capacity: number): void {
    const ts = new Float64Array(capacity);
    const rel = new Int32Array(capacity);
    ts.set(this.ts.subarray(0, this.count));
    rel.set(this.rel.subarray(0, this.count));
    this.ts = ts;
    this.rel = rel;
  }

  protected encode(i: number, out: Buffer, at: number): void {
    out.writeBigInt64BE(BigInt(this.ts[i]!), at);
    out.writeInt32BE(this.rel[i]!, at + 8);
  }

  /** Adds (timestamp, offset) only if it raises the largest timestamp; `force` ignores the size cap (final entry at roll). */
  maybeAppend(timestamp: number, offset: number, force = false): void {
    if (timestamp < 0 || (this.count > 0 && timestamp <= this.ts[this.count - 1]!)) return;
    if (this.isFull && !force) return;
    this.reserve();
    this.ts[this.count] = timestamp;
    this.rel[this.count] = offset - this.baseOffset;
    this.count++;
  }

  /** Offset of the entry with the largest timestamp ≤ `timestamp`; the segment base if none. */
  lookup(timestamp: number): number {
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ts[mid]! <= timestamp) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found < 0 ? this.baseOffset : this.baseOffset + this.rel[found]!;
  }

  lastEntry(): { timestamp: number; offset: number } | null {
    if (this.count === 0) return null;
    return { timestamp: this.ts[this.count - 1]!, offset: this.baseOffset + this.rel[this.count - 1]! };
  }
}
