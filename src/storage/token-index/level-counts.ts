import { LEVEL_NAMES } from '../../common/level/index.js';

/*
 * Records per level per time bucket of one block, stored in its token-index entry so that a histogram of every record
 * (or of records of some levels) counts a sealed block without reading it. The level is THE level of a record
 * (common/level RecordText.level()); records without one count as `unknown`.
 *
 * Buckets are aligned to the epoch and as fine as the block allows: one second, coarser (RESOLUTIONS) only when the
 * block's records are spread so thinly over time that per-second counts would outgrow the bytes allowed (a quiet
 * topic's 1 MiB block can span hours). Encoded sparsely (empty buckets and zero counts take no bytes):
 *
 *   resolution ms u32 | first bucket (timestamp / resolution, floored) f64 | buckets u32
 *   per bucket: gap since the previous bucket uvarint (0 for the first) | columns present u8 | count uvarint per column
 *
 * An empty encoding means "no counts" (a block that could not be read, or too sparse for any resolution).
 */

/** Columns: the six level names in order, then `unknown`. */
export const LEVEL_COLUMNS = [...LEVEL_NAMES, 'unknown'] as const;
export const UNKNOWN_COLUMN = LEVEL_COLUMNS.length - 1;
const COLUMNS = LEVEL_COLUMNS.length;

/** Bucket widths tried, finest first (ms). Each divides the next, so a histogram step that is a multiple of one is aligned. */
export const RESOLUTIONS = [1_000, 10_000, 60_000, 600_000, 3_600_000, 86_400_000];
const HEADER_BYTES = 16;

/** One block's counts, decoded. */
export interface LevelCounts {
  /** Bucket width (ms); bucket i is [starts[i], starts[i] + resolution). */
  readonly resolution: number;
  /** Start of each non-empty bucket (epoch ms), ascending. */
  readonly starts: Float64Array;
  /** Records of bucket i and column c (LEVEL_COLUMNS) at counts[i * LEVEL_COLUMNS.length + c]. */
  readonly counts: Uint32Array;
}

/** Collects a block's records one by one (timestamp, column), then encodes them within a byte budget. */
export class LevelCountsBuilder {
  /** Per second: counts by column. Records of a block mostly share a few seconds: the last one is kept at hand. */
  private readonly seconds = new Map<number, Uint32Array>();
  private lastSecond = NaN;
  private last: Uint32Array | null = null;

  add(timestamp: number, column: number): void {
    const sec = Math.floor(timestamp / 1000);
    if (sec !== this.lastSecond) {
      let c = this.seconds.get(sec);
      if (!c) this.seconds.set(sec, (c = new Uint32Array(COLUMNS)));
      this.last = c;
      this.lastSecond = sec;
    }
    this.last![column]!++;
  }

  /** The encoding at the finest resolution that fits in `budget` bytes; empty when none does. */
  encode(budget: number): Buffer {
    const secs = [...this.seconds.keys()].sort((a, b) => a - b);
    for (const res of RESOLUTIONS) {
      const f = res / 1000;
      const keys: number[] = [];
      const rows: Uint32Array[] = [];
      for (const s of secs) {
        const k = Math.floor(s / f);
        const row = this.seconds.get(s)!;
        if (keys.length && keys[keys.length - 1] === k) {
          const into = rows[rows.length - 1]!;
          for (let c = 0; c < COLUMNS; c++) into[c]! += row[c]!;
        } else {
          keys.push(k);
          rows.push(f === 1 ? row : row.slice());
        }
      }
      const size = encodedSize(keys, rows);
      if (size <= budget) return write(res, keys, rows, size);
    }
    return Buffer.alloc(0);
  }
}

function uvarintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    size++;
  }
  return size;
}

function encodedSize(keys: number[], rows: Uint32Array[]): number {
  let size = HEADER_BYTES;
  for (let i = 0; i < keys.length; i++) {
    size += uvarintSize(i === 0 ? 0 : keys[i]! - keys[i - 1]!) + 1;
    for (const n of rows[i]!) if (n) size += uvarintSize(n);
  }
  return size;
}

function write(res: number, keys: number[], rows: Uint32Array[], size: number): Buffer {
  const b = Buffer.alloc(size);
  b.writeUInt32BE(res, 0);
  b.writeDoubleBE(keys.length ? keys[0]! : 0, 4);
  b.writeUInt32BE(keys.length, 12);
  let p = HEADER_BYTES;
  const put = (n: number) => {
    while (n >= 0x80) {
      b[p++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    b[p++] = n;
  };
  for (let i = 0; i < keys.length; i++) {
    put(i === 0 ? 0 : keys[i]! - keys[i - 1]!);
    const row = rows[i]!;
    let mask = 0;
    for (let c = 0; c < COLUMNS; c++) if (row[c]) mask |= 1 << c;
    b[p++] = mask;
    for (let c = 0; c < COLUMNS; c++) if (row[c]) put(row[c]!);
  }
  return b;
}

/**
 * The counts in `b`, or null when there are none or they cannot be right: a resolution not in RESOLUTIONS, a field
 * running past the end, bytes left over, or a total other than the block's `records` (the entry's CRC makes these
 * rare; the check makes them harmless: the block is then read).
 */
export function decodeLevelCounts(b: Uint8Array, records: number): LevelCounts | null {
  if (b.length < HEADER_BYTES) return null;
  const view = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  const resolution = view.readUInt32BE(0);
  const first = view.readDoubleBE(4);
  const n = view.readUInt32BE(12);
  if (!RESOLUTIONS.includes(resolution) || !Number.isSafeInteger(first) || n > b.length) return null;
  const starts = new Float64Array(n);
  const counts = new Uint32Array(n * COLUMNS);
  let p = HEADER_BYTES;
  let ok = true;
  const get = (): number => {
    let u = 0;
    let mul = 1;
    for (let i = 0; i < 5; i++) {
      if (p >= b.length) break;
      const x = b[p++]!;
      u += (x & 0x7f) * mul;
      if ((x & 0x80) === 0) return u;
      mul *= 0x80;
    }
    ok = false;
    return 0;
  };
  let key = first;
  let total = 0;
  for (let i = 0; i < n && ok; i++) {
    const gap = get();
    if (i > 0 && gap === 0) ok = false;
    key += gap;
    starts[i] = key * resolution;
    if (p >= b.length) return null;
    const mask = b[p++]!;
    if (mask === 0 || mask >> COLUMNS) return null;
    for (let c = 0; c < COLUMNS; c++) {
      if (!(mask & (1 << c))) continue;
      const k = get();
      counts[i * COLUMNS + c] = k;
      total += k;
    }
  }
  if (!ok || p !== b.length || total !== records) return null;
  return { resolution, starts, counts };
}
