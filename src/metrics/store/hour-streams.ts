import { decimalK, decimalM, normalize, toDecimal, type Points, type PointScratch } from './point-codec.js';
import { grown } from './grown.js';

/** Bytes of one segment of a stream. */
const SEG_BYTES = 256;
const SEGS_PER_CHUNK = 256;
/** seg >>> SEG_SHIFT: the chunk of a segment (SEGS_PER_CHUNK = 2^SEG_SHIFT). */
const SEG_SHIFT = 8;
/** Room for the worst point: an 8-byte timestamp varint, a tag and an 8-byte value (point-codec.ts). */
const MAX_POINT_BYTES = 18;

// The numbers kept per series, interleaved in one Float64Array (one cache line or two per append).
const PREV_TS = 0;
const PREV_DELTA = 1;
/** The encoder's previous value (NaN at the start of each segment). */
const ENC_PREV = 2;
const PREV_M = 3;
const MIN_TS = 4;
const MAX_TS = 5;
const FIRST = 6;
const MIN = 7;
const MAX = 8;
const SUM = 9;
const INC_WITHIN = 10;
/** The value appended last. */
const LAST = 11;
const NUMS = 12;

/**
 * The points of every series in one hour in memory, as struct-of-arrays: per series a row of numbers in shared typed
 * arrays (encoder state and the hour's rollup) and a chain of 256-byte segments cut from 64 KiB chunks the hour owns,
 * each segment encoded on its own (point-codec.ts's interleaved encoding, restarted: a point never straddles two).
 *
 * One object, one Uint8Array and one malloc per series and hour (the PointStream of before, grown by doubling) cost
 * some 600 bytes of V8 heap and allocator overhead per series beside the points, and the streams' growth left holes
 * in glibc's heap among the ingest's garbage. Here a series costs ~115 bytes of numbers, its points and the unused
 * end of its last segment (half a segment on average; the restart of each segment adds ~3 % to the points), and an
 * hour's memory is freed in 64 KiB pieces of one size that the next hour's chunks reuse.
 */
export class HourStreams {
  /** Series id → slot + 1 (0: no points in this hour). */
  private slotOf = new Int32Array(0);
  private n = 0;
  private ids = new Int32Array(0);
  private counts = new Int32Array(0);
  private prevK = new Int8Array(0);
  private ordered = new Uint8Array(0);
  private nums = new Float64Array(0);
  private tail = new Int32Array(0);
  private head = new Int32Array(0);
  private chunks: Uint8Array[] = [];
  private views: DataView[] = [];
  private segs = 0;
  private segNext = new Int32Array(0);
  private segLen = new Uint16Array(0);
  private segPoints = new Uint16Array(0);

  /** Series with points in this hour. */
  get size(): number {
    return this.n;
  }

  /** Ids of the series with points here, in the order they first appeared. */
  keys(): Int32Array {
    return this.ids.subarray(0, this.n);
  }

  /** A read view of one series' points here, or undefined when it has none. */
  get(id: number): PointStream | undefined {
    const slot = id < this.slotOf.length ? this.slotOf[id]! - 1 : -1;
    return slot < 0 ? undefined : new PointStream(this, slot);
  }

  /**
   * A series' points decoded into `s` ([0, s.n)) when they were appended in time order (sorted and unique as they
   * are); false, with nothing decoded, when the series has no points here or some out of order (read it with get()).
   */
  decodeInOrder(id: number, s: PointScratch): boolean {
    const slot = id < this.slotOf.length ? this.slotOf[id]! - 1 : -1;
    if (slot < 0 || this.ordered[slot] !== 1) return false;
    const n = this.counts[slot]!;
    s.reserve(n);
    this.decode(slot, s.ts, s.vs);
    s.lo = 0;
    s.n = n;
    return true;
  }

  /** How many points a series has here (0: none), without a read view. */
  countOf(id: number): number {
    const slot = id < this.slotOf.length ? this.slotOf[id]! - 1 : -1;
    return slot < 0 ? 0 : this.counts[slot]!;
  }

  /** The mean time between a series' points here (ms), from its first and last; NaN with fewer than two. */
  meanIntervalOf(id: number): number {
    const slot = id < this.slotOf.length ? this.slotOf[id]! - 1 : -1;
    const n = slot < 0 ? 0 : this.counts[slot]!;
    if (n < 2) return NaN;
    const b = slot * NUMS;
    return (this.nums[MAX_TS + b]! - this.nums[MIN_TS + b]!) / (n - 1);
  }

  /** Bytes held (segments as allocated and the per-series numbers). */
  get bytes(): number {
    return this.chunks.length * SEG_BYTES * SEGS_PER_CHUNK + this.ids.length * (NUMS * 8 + 4 * 4 + 2) + this.slotOf.length * 4 + this.segNext.length * 8;
  }

  private newSlot(id: number): number {
    if (id >= this.slotOf.length) this.slotOf = grown(this.slotOf, Math.max(id + 1, Math.ceil(this.slotOf.length * 1.5), 64));
    const slot = this.n++;
    if (slot >= this.ids.length) {
      const cap = Math.max(64, Math.ceil(this.ids.length * 1.5));
      this.ids = grown(this.ids, cap);
      this.counts = grown(this.counts, cap);
      this.prevK = grown(this.prevK, cap);
      this.ordered = grown(this.ordered, cap);
      this.nums = grown(this.nums, cap * NUMS);
      this.tail = grown(this.tail, cap);
      this.head = grown(this.head, cap);
    }
    this.slotOf[id] = slot + 1;
    this.ids[slot] = id;
    this.counts[slot] = 0;
    this.ordered[slot] = 1;
    const b = slot * NUMS;
    const nums = this.nums;
    nums[MIN_TS + b] = Infinity;
    nums[MAX_TS + b] = -Infinity;
    nums[FIRST + b] = NaN;
    nums[MIN + b] = Infinity;
    nums[MAX + b] = -Infinity;
    nums[SUM + b] = 0;
    nums[INC_WITHIN + b] = 0;
    nums[LAST + b] = NaN;
    const seg = this.newSegment(slot);
    this.head[slot] = seg;
    this.tail[slot] = seg;
    return slot;
  }

  /** A fresh segment for `slot`, its encoder restarted. */
  private newSegment(slot: number): number {
    const seg = this.segs++;
    if (seg >= this.segNext.length) {
      const cap = Math.max(256, Math.ceil(this.segNext.length * 1.5));
      this.segNext = grown(this.segNext, cap);
      this.segLen = grown(this.segLen, cap);
      this.segPoints = grown(this.segPoints, cap);
    }
    if (seg >= this.chunks.length * SEGS_PER_CHUNK) {
      const c = new Uint8Array(SEG_BYTES * SEGS_PER_CHUNK);
      this.chunks.push(c);
      this.views.push(new DataView(c.buffer));
    }
    this.segNext[seg] = -1;
    this.segLen[seg] = 0;
    this.segPoints[seg] = 0;
    const b = slot * NUMS;
    this.nums[PREV_TS + b] = 0;
    this.nums[PREV_DELTA + b] = 0;
    this.nums[ENC_PREV + b] = NaN;
    this.nums[PREV_M + b] = 0;
    this.prevK[slot] = -1;
    return seg;
  }

  append(id: number, t: number, v: number): void {
    let slot = id < this.slotOf.length ? this.slotOf[id]! - 1 : -1;
    if (slot < 0) slot = this.newSlot(id);
    const nums = this.nums;
    const b = slot * NUMS;
    // As rollupPoints computes a row (tier-reads.ts relies on the same arithmetic in the same order).
    if (this.counts[slot] === 0) {
      nums[FIRST + b] = v;
      nums[MIN + b] = v;
      nums[MAX + b] = v;
    } else {
      const last = nums[LAST + b]!;
      if (t > nums[MAX_TS + b]!) nums[INC_WITHIN + b] += v >= last ? v - last : v;
      else this.ordered[slot] = 0;
      if (v < nums[MIN + b]!) nums[MIN + b] = v;
      if (v > nums[MAX + b]!) nums[MAX + b] = v;
    }
    nums[SUM + b] += v;
    nums[LAST + b] = v;
    let seg = this.tail[slot]!;
    if (this.segLen[seg]! + MAX_POINT_BYTES > SEG_BYTES) {
      const next = this.newSegment(slot);
      this.segNext[seg] = next;
      this.tail[slot] = seg = next;
    }
    const buf = this.chunks[(seg / SEGS_PER_CHUNK) | 0]!;
    const base = (seg % SEGS_PER_CHUNK) * SEG_BYTES;
    let pos = base + this.segLen[seg]!;
    const d = t - nums[PREV_TS + b]!;
    const dod = d - nums[PREV_DELTA + b]!;
    pos = uvarint(buf, pos, dod >= 0 ? dod * 2 : -dod * 2 - 1);
    nums[PREV_TS + b] = t;
    nums[PREV_DELTA + b] = d;
    if (Object.is(v, nums[ENC_PREV + b])) buf[pos++] = 0;
    else {
      nums[ENC_PREV + b] = v;
      if (!toDecimal(v)) {
        buf[pos++] = 3;
        this.views[(seg / SEGS_PER_CHUNK) | 0]!.setFloat64(pos, v, true);
        pos += 8;
        this.prevK[slot] = -1;
      } else {
        const k = decimalK();
        const m = decimalM();
        const delta = k === this.prevK[slot];
        const x = delta ? m - nums[PREV_M + b]! : m;
        buf[pos++] = (k << 2) | (delta ? 1 : 2);
        pos = uvarint(buf, pos, x >= 0 ? x * 2 : -x * 2 - 1);
        this.prevK[slot] = k;
        nums[PREV_M + b] = m;
      }
    }
    this.segLen[seg] = pos - base;
    this.segPoints[seg]++;
    this.counts[slot]++;
    if (t < nums[MIN_TS + b]!) nums[MIN_TS + b] = t;
    if (t > nums[MAX_TS + b]!) nums[MAX_TS + b] = t;
  }

  // ---- read by PointStream (one slot) ----

  count(slot: number): number {
    return this.counts[slot]!;
  }

  inOrder(slot: number): boolean {
    return this.ordered[slot] === 1;
  }

  /** One of the numbers kept for a slot (the offsets above). */
  num(slot: number, k: number): number {
    return this.nums[slot * NUMS + k]!;
  }

  /** Sorted, unique timestamps (last write wins); with `into`, decoded into the arrays it gives (n long). */
  points(slot: number, into?: (n: number) => { ts: Float64Array; vs: Float64Array }): Points {
    const n = this.counts[slot]!;
    const { ts, vs } = into ? into(n) : { ts: new Float64Array(n), vs: new Float64Array(n) };
    this.decode(slot, ts, vs);
    // Appended in time order (each point after the newest): sorted and unique already.
    return this.ordered[slot] === 1 ? { timestamps: ts, values: vs } : normalize(ts, vs);
  }

  /**
   * Every segment of a slot into ts and vs, in append order: the interleaved encoding of point-codec.ts, restarted per
   * segment, written here for memory the store wrote itself (no bounds to check), with varints of up to four bytes
   * read in int32 arithmetic (the usual time and value steps).
   */
  private decode(slot: number, ts: Float64Array, vs: Float64Array): void {
    let at = 0;
    const { chunks, views, segNext, segPoints } = this;
    for (let seg = this.head[slot]!; seg >= 0; seg = segNext[seg]!) {
      const c = seg >>> SEG_SHIFT;
      const buf = chunks[c]!;
      let pos = (seg & (SEGS_PER_CHUNK - 1)) * SEG_BYTES;
      const end = at + segPoints[seg]!;
      let prevT = 0;
      let delta = 0;
      let prev = NaN;
      let prevM = 0;
      while (at < end) {
        let b = buf[pos++]!;
        // 0: the same interval as before (a steady series: nearly every point).
        if (b !== 0) {
          if (b < 128) delta += (b & 1) === 0 ? b >>> 1 : -((b + 1) >>> 1);
          else {
            delta += zigzag(varintRest(buf, pos, b));
            pos = varintEnd;
          }
        }
        prevT += delta;
        ts[at] = prevT;
        const tag = buf[pos++]!;
        if (tag === 0) {
          vs[at++] = prev;
          continue;
        }
        if (tag === 3) {
          vs[at++] = prev = views[c]!.getFloat64(pos, true);
          pos += 8;
          continue;
        }
        b = buf[pos++]!;
        let z: number;
        if (b < 128) z = (b & 1) === 0 ? b >>> 1 : -((b + 1) >>> 1);
        else {
          z = zigzag(varintRest(buf, pos, b));
          pos = varintEnd;
        }
        // Tags here are 0, 3, (k << 2) | 1 (a delta) and (k << 2) | 2: bit 0 tells the last two apart.
        const m = (tag & 1) === 1 ? prevM + z : z;
        prevM = m;
        const k = tag >> 2;
        vs[at++] = prev = k === 0 ? m : m / POW10[k]!;
      }
    }
  }
}

const POW10 = Float64Array.of(1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15);

/** Where the last varintRest ended. */
let varintEnd = 0;

/** The rest of a varint whose first byte `first` (≥ 128) was read before `pos`: int32 arithmetic while it fits. */
function varintRest(buf: Uint8Array, pos: number, first: number): number {
  let u = first & 127;
  let shift = 7;
  let b: number;
  do {
    b = buf[pos++]!;
    if (shift < 28) u |= (b & 127) << shift;
    else u += (b & 127) * 2 ** shift;
    shift += 7;
  } while (b >= 128);
  varintEnd = pos;
  return u;
}

function zigzag(u: number): number {
  if (u < 2147483648) return (u & 1) === 0 ? u >>> 1 : -((u + 1) >>> 1);
  return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
}

/**
 * A read view of one series' points in one hour in memory. Made per read, never kept by the store: the hour's arrays
 * are the only per-series memory.
 *
 * The hour's rollup is kept as points arrive, while they arrive in time order (the usual case): a 1h query then reads
 * these instead of decoding and rolling up the points. `inOrder` false (a point at or before the newest): readers
 * decode and sort the points instead. `incWithin` is the counter-aware increase from the first point to the last;
 * the step into the first point needs the previous hour's last value, known only when read.
 */
export class PointStream {
  constructor(
    private readonly hour: HourStreams,
    private readonly slot: number,
  ) {}

  get count(): number {
    return this.hour.count(this.slot);
  }

  get inOrder(): boolean {
    return this.hour.inOrder(this.slot);
  }

  get first(): number {
    return this.hour.num(this.slot, FIRST);
  }

  get min(): number {
    return this.hour.num(this.slot, MIN);
  }

  get max(): number {
    return this.hour.num(this.slot, MAX);
  }

  get sum(): number {
    return this.hour.num(this.slot, SUM);
  }

  get incWithin(): number {
    return this.hour.num(this.slot, INC_WITHIN);
  }

  /** The value appended last (the hour's last value while `inOrder`). */
  get last(): number {
    return this.hour.num(this.slot, LAST);
  }

  get minTs(): number {
    return this.hour.num(this.slot, MIN_TS);
  }

  get maxTs(): number {
    return this.hour.num(this.slot, MAX_TS);
  }

  /**
   * Sorted, unique timestamps (last write wins). With `into` (a seal pass's scratch) decoded into the arrays it gives,
   * valid until its next use.
   */
  points(into?: (n: number) => { ts: Float64Array; vs: Float64Array }): Points {
    return this.hour.points(this.slot, into);
  }
}

function uvarint(b: Uint8Array, pos: number, v: number): number {
  while (v >= 128) {
    b[pos++] = (v % 128) | 128;
    v = Math.floor(v / 128);
  }
  b[pos++] = v;
  return pos;
}
