// The hours in memory across a seal pass that fails (a full disk): nothing that came in meanwhile is lost.
import { describe, expect, it } from 'vitest';
import { OpenHours } from '../../../src/metrics/store/open-hours.js';

const H = 3_600_000;

describe('open hours', () => {
  it('keep the points that came for an hour while its failed seal pass ran, theirs winning a ms both have', () => {
    const hours = new OpenHours();
    const start = 400_000 * H;
    const h = hours.hour(start);
    hours.append(h, 1, start + 1_000, 10);
    hours.append(h, 1, start + 2_000, 20);
    hours.append(h, 2, start + 1_000, 5);
    h.firstOffset.set('metrics-0', 40);
    const due = hours.take(start + 2 * H);
    expect(due).toEqual([h]);
    // A late point for the hour while it is being sealed: a new open hour of the same start takes it.
    const late = hours.hour(start);
    expect(late).not.toBe(h);
    hours.append(late, 1, start + 2_000, 21); // the same ms, written later
    hours.append(late, 3, start + 3_000, 7);
    late.firstOffset.set('metrics-0', 90);
    late.firstOffset.set('metrics-1', 12);
    // The pass fails: the hour is given back.
    for (const x of due) hours.reopen(x);
    hours.sealed();
    const [back, ...more] = hours.at(start);
    expect(more).toEqual([]);
    const read = (id: number) => {
      const p = back!.streams.get(id)?.points();
      return p ? Array.from(p.timestamps, (t, i) => [t - start, p.values[i]]) : [];
    };
    expect(read(1)).toEqual([
      [1_000, 10],
      [2_000, 21],
    ]);
    expect(read(2)).toEqual([[1_000, 5]]);
    expect(read(3)).toEqual([[3_000, 7]]);
    // The checkpoint stays at or below the first record of either.
    expect(hours.firstOffset('metrics-0')).toBe(40);
    expect(hours.firstOffset('metrics-1')).toBe(12);
    // And a point now goes to that same hour.
    expect(hours.hour(start)).toBe(back);
  });

  it("let a sealing hour's memory go as soon as its raw part is in place, before the pass ends", () => {
    const hours = new OpenHours();
    const a = hours.hour(7 * H);
    const b = hours.hour(8 * H);
    for (let i = 0; i < 5_000; i++) {
      hours.append(a, i, 7 * H + 1_000, i);
      hours.append(b, i, 8 * H + 1_000, i);
    }
    hours.hour(9 * H); // open, not due
    const due = hours.take(9 * H);
    const both = hours.bytes();
    hours.written(due[0]!);
    expect(hours.at(7 * H)).toEqual([]);
    expect(hours.at(8 * H)).toEqual([b]);
    expect(hours.starts()).toEqual([8 * H, 9 * H]);
    expect(hours.bytes()).toBeLessThan(both * 0.6);
    expect(a.streams.size).toBe(0);
    expect(b.streams.size).toBe(5_000);
  });
});
