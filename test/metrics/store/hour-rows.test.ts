// The 1h rows a seal batch keeps as numbers: the same rows coarsen() and mergeRollups() make, by hand-checked values.
import { describe, expect, it } from 'vitest';
import { HourRows, RowScratch } from '../../../src/metrics/store/hour-rows.js';
import { emptyRollups } from '../../../src/metrics/store/blocks.js';
import { coarsen, mergeRollups, rollupPoints } from '../../../src/metrics/store/rollup.js';

const H = 3_600_000;
const rowsOf = (r: ReturnType<typeof emptyRollups>) => Array.from(r.timestamps, (t, i) => [t, r.min[i], r.max[i], r.sum[i], r.count[i], r.last[i], r.increase[i]]);

describe('hour rows', () => {
  it('make the one row of an hour from its minute rows as coarsen() does', () => {
    // A counter at 10 s through two minutes of hour 5: 10, 12, … then a reset to 1 in the second minute.
    const ts = [0, 10, 20, 60, 70, 80].map((s) => 5 * H + s * 1000);
    const vs = [10, 12, 15, 1, 4, 6];
    const minutes = rollupPoints({ timestamps: Float64Array.from(ts), values: Float64Array.from(vs) }, 60_000, 9);
    const t = new HourRows();
    t.addCoarsened(42, 5 * H, minutes);
    t.group();
    const got = t.rowsOf(t.find(42), new RowScratch());
    // min 1, max 15, sum 48, count 6, last 6; increase 1 (9→10) + 2 + 3 + 1 (reset: the value after it) + 3 + 2 = 12.
    expect(rowsOf(got)).toEqual([[5 * H, 1, 15, 48, 6, 6, 12]]);
    expect(rowsOf(got)).toEqual(rowsOf(coarsen(minutes, H)));
  });

  it('group rows by series, ascending, and merge them into older rows (the newer row wins an hour both have)', () => {
    const t = new HourRows();
    const row = (hour: number, v: number) => {
      const r = emptyRollups(1);
      r.timestamps[0] = hour * H;
      r.min[0] = r.max[0] = r.last[0] = v;
      r.sum[0] = v;
      r.count[0] = 1;
      return r;
    };
    // Added out of order, across series and hours, as a batch of hours adds them.
    t.addRows(7, row(3, 30));
    t.addRows(2, row(3, 3));
    t.addRows(7, row(1, 10));
    t.group();
    expect([...t.seriesIds()]).toEqual([2, 7]);
    expect(t.find(5)).toBe(-1);
    const s = new RowScratch();
    expect(rowsOf(t.rowsOf(t.find(7), s)).map((r) => r[0])).toEqual([1 * H, 3 * H]);
    // Old rows of series 7 at hours 0, 1 and 2: hour 1 is replaced, hours 0 and 2 kept, hour 3 added.
    const old = emptyRollups(3);
    [0, 1, 2].forEach((h, i) => {
      old.timestamps[i] = h * H;
      old.min[i] = old.max[i] = old.last[i] = old.sum[i] = 100 + h;
      old.count[i] = 1;
    });
    const merged = t.mergedWith(old, t.find(7), s);
    expect(rowsOf(merged).map((r) => [r[0]! / H, r[1]])).toEqual([
      [0, 100],
      [1, 10],
      [2, 102],
      [3, 30],
    ]);
    const fresh = emptyRollups(2);
    fresh.timestamps.set([1 * H, 3 * H]);
    fresh.min.set([10, 30]);
    fresh.max.set([10, 30]);
    fresh.sum.set([10, 30]);
    fresh.count.set([1, 1]);
    fresh.last.set([10, 30]);
    expect(rowsOf(merged)).toEqual(rowsOf(mergeRollups(old, fresh)));
  });
});
