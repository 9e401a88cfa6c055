import { ByteReader, ByteWriter } from './bytes.js';
import { normalize, TimeDecoder, TimeEncoder, ValueDecoder, ValueEncoder, type Points } from './point-codec.js';

/**
 * The points of one series in one open hour, in memory, in the order they were applied: each point appended to one
 * compact byte stream (point-codec.ts: about 1 byte of time and 1 to 5 bytes of value at a steady interval), so an
 * active series costs a few KiB, not an object per point. Reading sorts them and lets the last write of a ms win.
 */
export class PointStream {
  private readonly w = new ByteWriter(32);
  private readonly te = new TimeEncoder();
  private readonly ve = new ValueEncoder();
  count = 0;
  minTs = Infinity;
  maxTs = -Infinity;

  append(t: number, v: number): void {
    this.te.write(this.w, t);
    this.ve.write(this.w, v);
    this.count++;
    if (t < this.minTs) this.minTs = t;
    if (t > this.maxTs) this.maxTs = t;
  }

  get bytes(): number {
    return this.w.buf.length;
  }

  /** Sorted, unique timestamps (last write wins). */
  points(): Points {
    const ts = new Float64Array(this.count);
    const vs = new Float64Array(this.count);
    const r = new ByteReader(this.w.buf, 0, this.w.len);
    const td = new TimeDecoder();
    const vd = new ValueDecoder();
    for (let i = 0; i < this.count; i++) {
      ts[i] = td.read(r);
      vs[i] = vd.read(r);
    }
    return normalize(ts, vs);
  }
}
