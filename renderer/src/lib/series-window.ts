// The columns a live chart draws: `[xs, ys…]` as uPlot takes them, kept from a first answer and the live updates after
// it (docs/metrics-queries.md, WS /metrics/live): an update replaces every bucket from its first timestamp on, series
// matched by their tags, and the window slides with the clock (buckets older than its length are dropped here).

export interface SeriesAnswer {
  timestamps: number[];
  series: { tags: Record<string, string>; values: (number | null)[]; other?: boolean }[];
}

export const tagKey = (tags: Record<string, string>): string =>
  Object.keys(tags)
    .sort()
    .map((k) => `${k}=${tags[k]}`)
    .join(',');

export class SeriesWindow {
  xs: number[] = [];
  ys: (number | null)[][] = [];
  keys: string[] = [];
  tags: Record<string, string>[] = [];
  other: boolean[] = [];
  /** Bumped when a series is added, so the chart knows to rebuild its series list (not on every update). */
  shape = 0;

  /** `windowMs`: how much history a live chart keeps (the first answer's length); 0 keeps everything. */
  constructor(private windowMs = 0) {}

  /** A whole answer: the columns start over. */
  replace(a: SeriesAnswer): void {
    this.xs = a.timestamps.slice();
    this.ys = a.series.map((s) => s.values.slice());
    this.keys = a.series.map((s) => tagKey(s.tags));
    this.tags = a.series.map((s) => s.tags);
    this.other = a.series.map((s) => !!s.other);
    if (this.windowMs === 0 && this.xs.length > 1) this.windowMs = this.xs[this.xs.length - 1]! - this.xs[0]! + (this.xs[1]! - this.xs[0]!);
    this.shape++;
  }

  /** A live update: replaces the buckets from its first timestamp on; then drops those older than the window. */
  merge(u: SeriesAnswer): void {
    if (u.timestamps.length === 0) return;
    const first = u.timestamps[0]!;
    // Updates touch the newest minute or so: search from the end.
    let cut = this.xs.length;
    while (cut > 0 && this.xs[cut - 1]! >= first) cut--;
    const n = u.timestamps.length;
    this.xs.length = cut;
    for (const t of u.timestamps) this.xs.push(t);
    for (const ys of this.ys) {
      ys.length = cut;
      for (let i = 0; i < n; i++) ys.push(null);
    }
    for (const s of u.series) {
      const key = tagKey(s.tags);
      let k = this.keys.indexOf(key);
      if (k < 0) {
        k = this.keys.length;
        this.keys.push(key);
        this.tags.push(s.tags);
        this.other.push(!!s.other);
        this.ys.push(new Array<number | null>(cut + n).fill(null));
        this.shape++;
      }
      const ys = this.ys[k]!;
      for (let i = 0; i < n; i++) ys[cut + i] = s.values[i] ?? null;
    }
    if (this.windowMs > 0) {
      const oldest = this.xs[this.xs.length - 1]! - this.windowMs;
      let drop = 0;
      while (drop < this.xs.length && this.xs[drop]! <= oldest) drop++;
      if (drop > 0) {
        this.xs.splice(0, drop);
        for (const ys of this.ys) ys.splice(0, drop);
      }
    }
  }

  /** The uPlot columns (the same arrays: uPlot reads them, never writes). */
  data(): [number[], ...(number | null)[][]] {
    return [this.xs, ...this.ys];
  }
}
