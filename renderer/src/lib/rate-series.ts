// The Overview's rate charts as columns: seeded with the server's history (GET /api/v1/overview/history) and continued
// with the overview WebSocket's points. Both carry the server's sample time (history `timestamps`, live `ratesAt`) and
// the same value for the same sample, so joining them is a merge by timestamp: one point per sample, ascending,
// whichever arrived first (the page's history request and its socket race; a reconnect fetches the history again to
// fill the gap). This file imports nothing, so a plain unit test can drive it.

/** The history's columns (docs/openapi.json `OverviewHistory`). */
export interface RateHistory {
  timestamps: number[];
  recordsInPerSec: number[];
  recordsOutPerSec: number[];
  bytesInPerSec: number[];
}

export class RateSeries {
  xs: number[] = [];
  recIn: number[] = [];
  recOut: number[] = [];
  bytesIn: number[] = [];

  /** `max`: points kept (the server keeps 300, one a second). */
  constructor(private readonly max = 300) {}

  /** A live point: kept only when after the newest (the socket can repeat a sample; the history may have it already). */
  push(at: number, recIn: number, recOut: number, bytesIn: number): boolean {
    const last = this.xs[this.xs.length - 1];
    if (last !== undefined && at <= last) return false;
    this.xs.push(at);
    this.recIn.push(recIn);
    this.recOut.push(recOut);
    this.bytesIn.push(bytesIn);
    this.trim();
    return true;
  }

  /** The server's history merged in: its points this window lacks go where their time puts them. */
  seed(h: RateHistory): void {
    const n = h.timestamps.length;
    if (n === 0) return;
    const xs: number[] = [];
    const recIn: number[] = [];
    const recOut: number[] = [];
    const bytesIn: number[] = [];
    let i = 0; // into this window
    let j = 0; // into the history
    while (i < this.xs.length || j < n) {
      const a = this.xs[i];
      const b = h.timestamps[j];
      if (b === undefined || (a !== undefined && a <= b)) {
        xs.push(a!);
        recIn.push(this.recIn[i]!);
        recOut.push(this.recOut[i]!);
        bytesIn.push(this.bytesIn[i]!);
        if (a === b) j++; // the same sample from both: one point
        i++;
      } else {
        // Guard against a history that is not strictly ascending: a point not after the last kept is left out.
        if (xs.length === 0 || b > xs[xs.length - 1]!) {
          xs.push(b);
          recIn.push(h.recordsInPerSec[j] ?? 0);
          recOut.push(h.recordsOutPerSec[j] ?? 0);
          bytesIn.push(h.bytesInPerSec[j] ?? 0);
        }
        j++;
      }
    }
    this.xs = xs;
    this.recIn = recIn;
    this.recOut = recOut;
    this.bytesIn = bytesIn;
    this.trim();
  }

  private trim(): void {
    const drop = this.xs.length - this.max;
    if (drop <= 0) return;
    for (const a of [this.xs, this.recIn, this.recOut, this.bytesIn]) a.splice(0, drop);
  }
}
