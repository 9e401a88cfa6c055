import { decimalK, decimalM, decodeInterleaved, normalize, toDecimal, type Points } from './point-codec.js';

/**
 * The points of one series in one open hour, in memory, in the order they were applied: each point appended to one
 * compact byte stream in point-codec.ts's encoding (about 1 byte of time and 1 to 5 bytes of value at a steady
 * interval), so an active series costs a few KiB, not an object per point. The encoder state lives inline (this is
 * the hottest object of ingestion). Reading sorts the points and lets the last write of a ms win.
 */
export class PointStream {
  private buf: Uint8Array;
  private len = 0;
  private prevTs = 0;
  private prevDelta = 0;
  private prev = NaN;
  private prevM = 0;
  private prevK = -1;
  count = 0;
  minTs = Infinity;
  maxTs = -Infinity;
  /**
   * The hour's rollup kept as points arrive, while they arrive in time order (the usual case): a 1h query then reads
   * these instead of decoding and rolling up the stream. `inOrder` false (a point at or before the newest): readers
   * decode and sort the points instead. `incWithin` is the counter-aware increase from the first point to the last;
   * the step into the first point needs the previous hour's last value, known only when read.
   */
  inOrder = true;
  first = NaN;
  min = Infinity;
  max = -Infinity;
  sum = 0;
  incWithin = 0;

  /** `capacity`: bytes to start with (the series' previous hour says how many an hour takes; growing is a copy and garbage). */
  constructor(capacity = 48) {
    this.buf = new Uint8Array(Math.max(32, capacity));
  }

  /** Bytes of points written (a next hour of the same series will likely need about as many). */
  get used(): number {
    return this.len;
  }

  private grow(): void {
    const next = new Uint8Array(this.buf.length < 1024 ? this.buf.length * 2 : Math.ceil(this.buf.length * 1.5));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  private uvarint(v: number): void {
    const b = this.buf;
    while (v >= 128) {
      b[this.len++] = (v % 128) | 128;
      v = Math.floor(v / 128);
    }
    b[this.len++] = v;
  }

  append(t: number, v: number): void {
    // As rollupPoints computes a row (tier-reads.ts relies on the same arithmetic in the same order).
    if (this.count === 0) {
      this.first = v;
      this.min = v;
      this.max = v;
    } else {
      if (t > this.maxTs) this.incWithin += v >= this.prev ? v - this.prev : v;
      else this.inOrder = false;
      if (v < this.min) this.min = v;
      if (v > this.max) this.max = v;
    }
    this.sum += v;
    // Room for the worst case: a 8-byte timestamp varint, a tag and a 8-byte value.
    if (this.len + 18 > this.buf.length) this.grow();
    const d = t - this.prevTs;
    const dod = d - this.prevDelta;
    this.uvarint(dod >= 0 ? dod * 2 : -dod * 2 - 1);
    this.prevTs = t;
    this.prevDelta = d;
    if (Object.is(v, this.prev)) this.buf[this.len++] = 0;
    else {
      this.prev = v;
      if (!toDecimal(v)) {
        this.buf[this.len++] = 3;
        new DataView(this.buf.buffer, this.buf.byteOffset).setFloat64(this.len, v, true);
        this.len += 8;
        this.prevK = -1;
      } else {
        const k = decimalK();
        const m = decimalM();
        const delta = k === this.prevK;
        const x = delta ? m - this.prevM : m;
        this.buf[this.len++] = (k << 2) | (delta ? 1 : 2);
        this.uvarint(x >= 0 ? x * 2 : -x * 2 - 1);
        this.prevK = k;
        this.prevM = m;
      }
    }
    this.count++;
    if (t < this.minTs) this.minTs = t;
    if (t > this.maxTs) this.maxTs = t;
  }

  /** The value appended last (the hour's last value while `inOrder`). */
  get last(): number {
    return this.prev;
  }

  get bytes(): number {
    return this.buf.length;
  }

  /**
   * Sorted, unique timestamps (last write wins). With `into` (a seal pass's scratch) decoded into the arrays it gives,
   * valid until its next use.
   */
  points(into?: (n: number) => { ts: Float64Array; vs: Float64Array }): Points {
    const { ts, vs } = into ? into(this.count) : { ts: new Float64Array(this.count), vs: new Float64Array(this.count) };
    decodeInterleaved(this.buf, 0, this.len, this.count, ts, vs);
    return normalize(ts, vs);
  }
}
