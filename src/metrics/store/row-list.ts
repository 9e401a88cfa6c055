import type { RollupRows } from '../types.js';

/** Hourly rollup rows gathered one at a time, ascending. */
export class RowList {
  readonly t: number[] = [];
  readonly v: number[][] = [[], [], [], [], [], []];

  push(t: number, min: number, max: number, sum: number, count: number, last: number, increase: number): void {
    this.t.push(t);
    const v = this.v;
    v[0]!.push(min);
    v[1]!.push(max);
    v[2]!.push(sum);
    v[3]!.push(count);
    v[4]!.push(last);
    v[5]!.push(increase);
  }

  rows(): RollupRows {
    const v = this.v;
    return {
      timestamps: Float64Array.from(this.t),
      min: Float64Array.from(v[0]!),
      max: Float64Array.from(v[1]!),
      sum: Float64Array.from(v[2]!),
      count: Float64Array.from(v[3]!),
      last: Float64Array.from(v[4]!),
      increase: Float64Array.from(v[5]!),
    };
  }
}
