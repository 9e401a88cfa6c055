/** The rates the history keeps, in the order of its columns (rates.ts's Rates has them all). */
export const HISTORY_RATES = ['recordsInPerSec', 'recordsOutPerSec', 'bytesInPerSec', 'bytesOutPerSec'] as const;

/** One point's rates, per second. */
export type HistoryRates = Record<(typeof HISTORY_RATES)[number], number>;

/** The history's columnar answer (GET /api/v1/overview/history): one array per rate, aligned with `timestamps`. */
export type RateHistoryColumns = { timestamps: number[] } & Record<(typeof HISTORY_RATES)[number], number[]>;

/**
 * The last `capacity` broker-wide rate points, oldest overwritten first. Columnar typed arrays allocated once: memory
 * is fixed (5 × 8 bytes a point) whatever the uptime, and a point is written in place, never an object per sample.
 */
export class RateHistory {
  private readonly at: Float64Array;
  private readonly columns: Float64Array[];
  /** Where the next point goes. */
  private next = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`a rate history holds at least 1 point, not ${capacity}`);
    this.at = new Float64Array(capacity);
    this.columns = HISTORY_RATES.map(() => new Float64Array(capacity));
  }

  get length(): number {
    return this.count;
  }

  /**
   * Adds the point for `at` (epoch ms). A point not after the newest (the wall clock stepped back) is dropped, so the
   * timestamps a reader gets are strictly ascending and a chart never draws backwards.
   */
  push(at: number, rates: HistoryRates): void {
    if (this.count > 0 && at <= this.at[(this.next + this.capacity - 1) % this.capacity]!) return;
    this.at[this.next] = at;
    for (let c = 0; c < HISTORY_RATES.length; c++) this.columns[c]![this.next] = rates[HISTORY_RATES[c]!];
    this.next = (this.next + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  /** Every point kept, oldest first, as plain arrays (what JSON and uPlot take). */
  toColumns(): RateHistoryColumns {
    const start = (this.next + this.capacity - this.count) % this.capacity;
    const read = (src: Float64Array): number[] => {
      const out = new Array<number>(this.count);
      for (let i = 0; i < this.count; i++) out[i] = src[(start + i) % this.capacity]!;
      return out;
    };
    const answer = { timestamps: read(this.at) } as RateHistoryColumns;
    for (let c = 0; c < HISTORY_RATES.length; c++) answer[HISTORY_RATES[c]!] = read(this.columns[c]!);
    return answer;
  }
}
