import type { HourStreams } from './hour-streams.js';
import type { Points } from './point-codec.js';

/**
 * A read view of one series' points in one hour in memory (hour-streams.ts holds them). Made per read, never kept by
 * the store: the hour's arrays are the only per-series memory.
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
    return this.hour.num(this.slot, 'first');
  }

  get min(): number {
    return this.hour.num(this.slot, 'min');
  }

  get max(): number {
    return this.hour.num(this.slot, 'max');
  }

  get sum(): number {
    return this.hour.num(this.slot, 'sum');
  }

  get incWithin(): number {
    return this.hour.num(this.slot, 'incWithin');
  }

  /** The value appended last (the hour's last value while `inOrder`). */
  get last(): number {
    return this.hour.num(this.slot, 'last');
  }

  get minTs(): number {
    return this.hour.num(this.slot, 'minTs');
  }

  get maxTs(): number {
    return this.hour.num(this.slot, 'maxTs');
  }

  /**
   * Sorted, unique timestamps (last write wins). With `into` (a seal pass's scratch) decoded into the arrays it gives,
   * valid until its next use.
   */
  points(into?: (n: number) => { ts: Float64Array; vs: Float64Array }): Points {
    return this.hour.points(this.slot, into);
  }
}
