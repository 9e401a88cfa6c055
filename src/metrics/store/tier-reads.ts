import { TIER_INTERVAL_MS, type RawPoints, type RawVisitor, type RollupRows, type RollupVisitor, type Tier } from '../types.js';
import { decodePointsBlock, decodePointsBlockFrom, decodeRollupBlock, emptyRollups } from './blocks.js';
import type { OpenHour, OpenHours } from './open-hours.js';
import { eachBlock, type PartReader } from './part-file.js';
import { lowerBound, NO_POINTS, PointScratch, slicePoints, type Points } from './point-codec.js';
import type { PointStream } from './point-stream.js';
import { concatPoints, mergePoints } from './point-lists.js';
import { lowerBoundOf, startsIn, unionSorted } from './ordered-times.js';
import { RowList } from './row-list.js';
import { concatRollups, mergeRollups, rollupPoints, sliceRollups } from './rollup.js';
import { DAY, hasSorted, HOUR, type TierFiles } from './tier-files.js';

/*
 * The read side of the store: points and rollups of many series over a time range, from the parts on disk and the
 * hours in memory (an hour being sealed, an open hour, late points waiting to be merged), merged so that later writes
 * win. A query reads all its series at once, part by part: each part is opened once, its blocks visited frame by
 * frame (each frame inflated once), instead of every part and frame looked up again for every series. An hour in
 * memory answers a 1h read from the rollup its point stream keeps as points arrive (point-stream.ts); only an hour
 * whose points came out of order, or that also has points on disk (late points), is decoded and rolled up.
 */

/** The streams of one series in the hours in memory of one start (write order), or null when it has no point there. */
function streamsOf(hs: OpenHour[], id: number): PointStream[] | null {
  let out: PointStream[] | null = null;
  for (const h of hs) {
    const s = h.streams.get(id);
    if (s && s.count > 0) (out ??= []).push(s);
  }
  return out;
}

/** Whether a series has points in the hours in memory of one start (streamsOf without making its views). */
function inMemory(hs: OpenHour[], id: number): boolean {
  for (const h of hs) if (h.streams.countOf(id) > 0) return true;
  return false;
}

export class TierReads {
  constructor(
    private readonly hours: OpenHours,
    private readonly tiers: TierFiles,
    /** Per series id: the newest sealed hour with a point of it (NaN: unknown, e.g. after a restart) and that point's value. */
    private readonly sealedLast: { hour: Float64Array; value: Float64Array },
  ) {}

  /** Every point of one series in one hour: its block in the raw part (if any), then memory (later writes win). */
  private hourPoints(id: number, hour: number, hs: OpenHour[], disk: PartReader | null): Points {
    const list: Points[] = [];
    if (disk) {
      const i = disk.find(id);
      if (i >= 0) list.push(decodePointsBlock(disk.block(i)));
    }
    for (const s of streamsOf(hs, id) ?? []) list.push(s.points());
    return mergePoints(list);
  }

  /**
   * Every point of the series ids[k] for k in `ks` in one hour: their blocks in the raw part (frame by frame), then
   * memory; visit(k, points) for each.
   */
  private hourPointsMany(ids: readonly number[], ks: number[], hour: number, hs: OpenHour[], visit: (k: number, p: Points) => void): void {
    const disk: (Points | undefined)[] = new Array(ks.length);
    const r = this.rawPart(hour);
    if (r) eachBlock(r, ks.map((k) => ids[k]!), (j, block) => (disk[j] = decodePointsBlock(block)));
    for (let j = 0; j < ks.length; j++) {
      const k = ks[j]!;
      const list: Points[] = [];
      if (disk[j]) list.push(disk[j]!);
      for (const st of streamsOf(hs, ids[k]!) ?? []) list.push(st.points());
      visit(k, mergePoints(list));
    }
  }

  private rawPart(hour: number): PartReader | null {
    return hasSorted(this.tiers.starts.raw, hour) ? this.tiers.part('raw', hour) : null;
  }

  /** Raw points with fromMs <= t < toMs of each series in `ids`, in the same order. */
  readRawMany(ids: readonly number[], fromMs: number, toMs: number): RawPoints[] {
    if (!(fromMs < toMs)) return ids.map(() => NO_POINTS);
    const parts: Points[][] = ids.map(() => []);
    for (const hour of startsIn(this.tiers.starts.raw, this.hours.starts(), HOUR, fromMs, toMs)) {
      const hs = this.hours.at(hour);
      const disk: (Points | undefined)[] = new Array(ids.length);
      const r = this.rawPart(hour);
      if (r) eachBlock(r, ids, (k, block) => (disk[k] = decodePointsBlock(block)));
      for (let k = 0; k < ids.length; k++) {
        const streams = hs.length ? streamsOf(hs, ids[k]!) : null;
        const d = disk[k];
        if (!d && !streams) continue;
        const list: Points[] = d ? [d] : [];
        if (streams) for (const s of streams) list.push(s.points());
        const p = slicePoints(mergePoints(list), fromMs, toMs);
        if (p.timestamps.length > 0) parts[k]!.push(p);
      }
    }
    return parts.map(concatPoints);
  }

  /**
   * readRawMany's points handed over hour by hour in scratch arrays (MetricsReader.eachRaw): no array per series and
   * hour, no slice, no concatenation. Only an hour with points both on disk and in memory (late points) is merged into
   * arrays of its own, as readRawMany does.
   */
  eachRaw(ids: readonly number[], fromMs: number, toMs: number, visit: RawVisitor): void {
    if (!(fromMs < toMs)) return;
    const scratch = new PointScratch();
    // Points [lo, n) of ascending t: those in [fromMs, toMs) handed over.
    const emitRange = (k: number, t: Float64Array, v: Float64Array, lo: number, n: number) => {
      if (n <= lo) return;
      if (t[lo]! < fromMs) lo = lowerBound(t, fromMs, lo, n);
      const hi = t[n - 1]! < toMs ? n : lowerBound(t, toMs, lo, n);
      if (hi > lo) visit(k, t, v, lo, hi);
    };
    const emit = (k: number, p: Points) => emitRange(k, p.timestamps, p.values, 0, p.timestamps.length);
    for (const hour of startsIn(this.tiers.starts.raw, this.hours.starts(), HOUR, fromMs, toMs)) {
      const hs = this.hours.at(hour);
      const r = this.rawPart(hour);
      const both = new Map<number, Points>();
      if (r) {
        eachBlock(r, ids, (k, block) => {
          if (hs.length && inMemory(hs, ids[k]!)) both.set(k, decodePointsBlock(block));
          else {
            decodePointsBlockFrom(block, fromMs, scratch);
            emitRange(k, scratch.ts, scratch.vs, scratch.lo, scratch.n);
          }
        });
      }
      if (hs.length === 0) continue;
      const only = hs.length === 1 ? hs[0]!.streams : null;
      for (let k = 0; k < ids.length; k++) {
        // The usual case first: one hour in memory of this start, the series' points in time order, none on disk.
        if (only && !both.has(k)) {
          if (only.countOf(ids[k]!) === 0) continue;
          if (only.decodeInOrder(ids[k]!, scratch)) {
            emitRange(k, scratch.ts, scratch.vs, 0, scratch.n);
            continue;
          }
        }
        const streams = streamsOf(hs, ids[k]!);
        if (!streams) continue;
        const d = both.get(k);
        if (!d && streams.length === 1) emit(k, streams[0]!.points());
        else {
          const list: Points[] = d ? [d] : [];
          for (const s of streams) list.push(s.points());
          emit(k, mergePoints(list));
        }
      }
    }
  }

  /** Rollup rows of a tier with fromMs <= start < toMs of each series in `ids`, in the same order. */
  readRollupsMany(ids: readonly number[], tier: Exclude<Tier, 'raw'>, fromMs: number, toMs: number): RollupRows[] {
    if (!(fromMs < toMs)) return ids.map(() => emptyRollups());
    return tier === '1m' ? this.minutes(ids, fromMs, toMs) : this.hourly(ids, fromMs, toMs);
  }

  /**
   * 1m: per hour, the series' points in memory (with its raw block, if any) rolled up; else the hour's 1m block (a
   * store of an older format, or an hour whose raw part aged out); else its raw block rolled up (tier-files.ts: the
   * 1m tier is not stored while raw is). Hours are read in order, so the value before an hour (the first minute's
   * increase starts there) is the last point read in the hours before; it is looked up on disk once per series at most.
   */
  private minutes(ids: readonly number[], fromMs: number, toMs: number): RollupRows[] {
    const parts: RollupRows[][] = ids.map(() => []);
    this.eachMinuteHour(ids, fromMs, toMs, false, (k, rows) => parts[k]!.push(rows));
    return parts.map((p) => sliceRollups(concatRollups(p), fromMs, toMs));
  }

  /**
   * The 1m rows of minutes(), one series' hour at a time, in ascending hours per series. With `scratch`, rows decoded
   * or rolled up into reused arrays (valid during the call only: a streamed query), else arrays of their own.
   */
  private eachMinuteHour(ids: readonly number[], fromMs: number, toMs: number, scratch: boolean, visit: (k: number, rows: RollupRows) => void): void {
    const interval = TIER_INTERVAL_MS['1m'];
    const before = new Float64Array(ids.length).fill(NaN);
    const known = new Uint8Array(ids.length);
    let ts = new Float64Array(512);
    let vs = new Float64Array(512);
    const into = (n: number) => {
      if (ts.length < n) {
        ts = new Float64Array(Math.ceil(n * 1.5));
        vs = new Float64Array(ts.length);
      }
      return { ts: ts.subarray(0, n), vs: vs.subarray(0, n) };
    };
    let rowsAll = new Float64Array(7 * 64);
    const rowsInto = (n: number) => {
      if (rowsAll.length < 7 * n) rowsAll = new Float64Array(7 * Math.ceil(n * 1.5));
      return rowsAll;
    };
    const rowsAlloc = scratch ? (n: number) => emptyRollups(n, rowsInto(n)) : undefined;
    const disk = unionSorted(this.tiers.starts['1m'], this.tiers.starts.raw);
    for (const hour of startsIn(disk, this.hours.starts(), HOUR, fromMs, toMs)) {
      const hs = this.hours.at(hour);
      const done = new Uint8Array(ids.length);
      if (hs.length) {
        const ks: number[] = [];
        for (let k = 0; k < ids.length; k++) if (streamsOf(hs, ids[k]!)) ks.push(k);
        const prev = this.prevValues(ids, ks, hour);
        let j = 0;
        this.hourPointsMany(ids, ks, hour, hs, (k, points) => {
          const p = prev[j++]!;
          const n = points.timestamps.length;
          if (n === 0) return;
          done[k] = 1;
          before[k] = points.values[n - 1]!;
          known[k] = 1;
          visit(k, rollupPoints(points, interval, p, rowsAlloc));
        });
      }
      const m = hasSorted(this.tiers.starts['1m'], hour) ? this.tiers.part('1m', hour) : null;
      if (m) {
        eachBlock(m, ids, (k, block) => {
          if (done[k]) return;
          const rows = decodeRollupBlock(block, scratch ? rowsInto : undefined);
          if (rows.timestamps.length === 0) return;
          before[k] = rows.last[rows.last.length - 1]!;
          known[k] = 1;
          visit(k, rows);
        });
        continue;
      }
      const r = this.rawPart(hour);
      if (!r) continue;
      const ask: number[] = [];
      for (let k = 0; k < ids.length; k++) if (!done[k] && !known[k] && r.find(ids[k]!) >= 0) ask.push(k);
      if (ask.length) {
        const prev = this.prevValues(ids, ask, hour);
        ask.forEach((k, j) => {
          before[k] = prev[j]!;
          known[k] = 1;
        });
      }
      eachBlock(r, ids, (k, block) => {
        if (done[k]) return;
        const points = decodePointsBlock(block, into);
        const n = points.timestamps.length;
        if (n === 0) return;
        const p = before[k]!;
        before[k] = points.values[n - 1]!;
        visit(k, rollupPoints(points, interval, p, rowsAlloc));
      });
    }
  }

  /** 1h: the day parts' rows, and a row for each hour in memory (which wins over the day part's row of that hour). */
  private hourly(ids: readonly number[], fromMs: number, toMs: number): RollupRows[] {
    const disk: RollupRows[][] = ids.map(() => []);
    for (const day of this.tiers.starts['1h']) {
      if (!(day + DAY > fromMs && day < toMs)) continue;
      const r = this.tiers.part('1h', day);
      if (r) eachBlock(r, ids, (k, block) => disk[k]!.push(decodeRollupBlock(block)));
    }
    const mem = this.memoryHourRows(ids, fromMs, toMs);
    return disk.map((parts, k) => {
      const m = mem[k];
      const rows = m ? mergeRollups(concatRollups(parts), m.rows()) : concatRollups(parts);
      return sliceRollups(rows, fromMs, toMs);
    });
  }

  /**
   * The rows of readRollupsMany handed over piece by piece (MetricsReader.eachRollup): 1h rows straight from each day
   * part's decoded block (a scratch buffer), the hours a series has in memory skipped there and handed over from
   * memory instead (memory wins, as in hourly); no concatenation or merge per series. 1m rows are handed over one
   * series' hour at a time, decoded or rolled up into scratch arrays.
   */
  eachRollup(ids: readonly number[], tier: Exclude<Tier, 'raw'>, fromMs: number, toMs: number, visit: RollupVisitor): void {
    if (!(fromMs < toMs)) return;
    if (tier === '1m') {
      this.eachMinuteHour(ids, fromMs, toMs, true, (k, rows) => {
        const t = rows.timestamps;
        const lo = t[0]! >= fromMs ? 0 : lowerBoundOf(t, fromMs);
        const hi = t[t.length - 1]! < toMs ? t.length : lowerBoundOf(t, toMs);
        if (hi > lo) visit(k, rows, lo, hi);
      });
      return;
    }
    const mem = this.memoryHourRows(ids, fromMs, toMs);
    let scratch = new Float64Array(7 * 64);
    const into = (n: number) => {
      if (scratch.length < 7 * n) scratch = new Float64Array(7 * Math.ceil(n * 1.5));
      return scratch;
    };
    for (const day of this.tiers.starts['1h']) {
      if (!(day + DAY > fromMs && day < toMs)) continue;
      const r = this.tiers.part('1h', day);
      if (!r) continue;
      eachBlock(r, ids, (k, block) => {
        const rows = decodeRollupBlock(block, into);
        const t = rows.timestamps;
        const skip = mem[k]?.t;
        let lo = t.length && t[0]! >= fromMs ? 0 : lowerBoundOf(t, fromMs);
        const hi = t.length && t[t.length - 1]! < toMs ? t.length : lowerBoundOf(t, toMs);
        if (!skip) {
          if (hi > lo) visit(k, rows, lo, hi);
          return;
        }
        // Runs of rows whose hour is not in memory.
        for (let i = lo; i <= hi; i++) {
          if (i === hi || skip.includes(t[i]!)) {
            if (i > lo) visit(k, rows, lo, i);
            lo = i + 1;
          }
        }
      });
    }
    mem.forEach((m, k) => {
      if (!m) return;
      const rows = sliceRollups(m.rows(), fromMs, toMs);
      if (rows.timestamps.length > 0) visit(k, rows, 0, rows.timestamps.length);
    });
  }

  /** For each series, a row for each hour it has points of in memory (from the stream's own rollup when it can). */
  private memoryHourRows(ids: readonly number[], fromMs: number, toMs: number): (RowList | undefined)[] {
    const mem: (RowList | undefined)[] = new Array(ids.length);
    const memStarts = this.hours.starts();
    // Per series, the hour before this one when it took the fast path there (its points all in one in-order stream,
    // none on disk) and that stream's last value: the value before this hour, without a lookup. A backfilled week
    // in memory is 168 hours × every series looked up otherwise, most of such a query's time.
    const carryHour = new Float64Array(ids.length).fill(NaN);
    const carryValue = new Float64Array(ids.length);
    for (let i = lowerBoundOf(memStarts, fromMs - HOUR + 1); i < memStarts.length && memStarts[i]! < toMs; i++) {
      const hour = memStarts[i]!;
      const hs = this.hours.at(hour);
      if (hs.length === 0) continue;
      const raw = this.rawPart(hour);
      const fast: number[] = [];
      const fastStream: PointStream[] = [];
      const slow: number[] = [];
      for (let k = 0; k < ids.length; k++) {
        const id = ids[k]!;
        const streams = streamsOf(hs, id);
        if (!streams) continue;
        const s = streams[0]!;
        if (streams.length === 1 && s.inOrder && !(raw && raw.find(id) >= 0)) {
          fast.push(k);
          fastStream.push(s);
        } else slow.push(k);
      }
      // The stream's own rollup; the step into its first point comes from the value before the hour.
      const ask: number[] = [];
      for (let j = 0; j < fast.length; j++) if (carryHour[fast[j]!] !== hour - HOUR) ask.push(fast[j]!);
      const asked = this.prevValues(ids, ask, hour);
      for (let j = 0, a = 0; j < fast.length; j++) {
        const k = fast[j]!;
        const s = fastStream[j]!;
        const p = carryHour[k] === hour - HOUR ? carryValue[k]! : asked[a++]!;
        const into = Number.isNaN(p) ? 0 : s.first >= p ? s.first - p : s.first;
        (mem[k] ??= new RowList()).push(hour, s.min, s.max, s.sum, s.count, s.last, into + s.incWithin);
        carryHour[k] = hour;
        carryValue[k] = s.last;
      }
      // Points out of order, or late points for an hour on disk: merged with the block and rolled up.
      const slowPrev = this.prevValues(ids, slow, hour);
      let j = 0;
      this.hourPointsMany(ids, slow, hour, hs, (k, points) => {
        const p = slowPrev[j++]!;
        if (points.timestamps.length === 0) return;
        const r = rollupPoints(points, HOUR, p);
        (mem[k] ??= new RowList()).push(hour, r.min[0]!, r.max[0]!, r.sum[0]!, r.count[0]!, r.last[0]!, r.increase[0]!);
      });
    }
    return mem;
  }

  /** The value of a series' last point in one hour (memory merged with its sealed block, if any); undefined: none. */
  private lastOf(id: number, hour: number, diskKnownEmpty: boolean): number | undefined {
    const hs = this.hours.at(hour);
    const streams = streamsOf(hs, id);
    if (!streams) return undefined;
    // The newest point wins (a later write on a tie: memory after disk, open after sealing). Streams in time order
    // know theirs, and the part's index knows its block's newest time: only a newer point on disk needs a decode.
    let newest: PointStream | null = null;
    for (const st of streams) {
      if (!st.inOrder) {
        newest = null;
        break;
      }
      if (!newest || st.maxTs >= newest.maxTs) newest = st;
    }
    const raw = diskKnownEmpty ? null : this.rawPart(hour);
    const at = raw ? raw.find(id) : -1;
    if (newest && (at < 0 || newest.maxTs >= raw!.maxTs[at]!)) return newest.last;
    const p = this.hourPoints(id, hour, hs, raw);
    return p.values.length ? p.values[p.values.length - 1] : undefined;
  }

  /** Set by prevKnown when it returns undefined: look in the 1m parts after `scanFloor`, else answer `scanFallback`. */
  private scanFloor = -Infinity;
  private scanFallback = NaN;

  /**
   * prevValue without the disk: the newest of the hours in memory before `hour` and the newest sealed hour with a
   * point of the series (remembered at sealing, with the value). undefined when the 1m parts must be looked at (the
   * sealed hour is not known, after a restart, or is after `hour`, a read of an older hour).
   */
  private prevKnown(id: number, hour: number): number | undefined {
    const sealedHour = this.sealedLast.hour[id]!;
    const starts = this.hours.starts();
    let memHour = -Infinity;
    let memValue: number | undefined;
    for (let i = lowerBoundOf(starts, hour) - 1; i >= 0; i--) {
      const s = starts[i]!;
      if (s < sealedHour) break; // the sealed hour's value is newer than anything older in memory
      if (s === sealedHour) {
        // Its points are in the remembered value, unless late points for it arrived since (an open hour of that start).
        const late = this.hours.open.get(s)?.streams.get(id);
        if (late && late.count > 0) return this.lastOf(id, s, false) ?? this.sealedLast.value[id]!;
        break;
      }
      memValue = this.lastOf(id, s, sealedHour < s);
      if (memValue !== undefined) {
        memHour = s;
        break;
      }
    }
    if (sealedHour < hour) return memValue ?? this.sealedLast.value[id]!;
    this.scanFloor = memHour;
    this.scanFallback = memValue ?? NaN;
    return undefined;
  }

  /**
   * The value of a series' last point before `hour` (NaN when unknown): the first increase of the hour starts there.
   * The newest of: the hours in memory before it, the newest sealed hour with a point of the series, the 1m parts
   * on disk (at most 24 back).
   */
  prevValue(id: number, hour: number): number {
    return this.prevValues([id], [0], hour)[0]!;
  }

  /** prevValue of every series in `ids`, in that order (a 1m part written from an aging raw part). */
  prevValuesOf(ids: ArrayLike<number>, hour: number): Float64Array {
    return this.prevValues(ids, Array.from({ length: ids.length }, (_, k) => k), hour);
  }

  /**
   * prevValue of the series ids[k] for k in `ks`, in that order; the parts before the hour (its 1m part, else its
   * raw part) read once for all, frame by frame.
   */
  private prevValues(ids: ArrayLike<number>, ks: readonly number[], hour: number): Float64Array {
    const out = new Float64Array(ks.length);
    let pending: number[] = [];
    const floor = new Float64Array(ks.length);
    for (let j = 0; j < ks.length; j++) {
      const v = this.prevKnown(ids[ks[j]!]!, hour);
      if (v !== undefined) out[j] = v;
      else {
        out[j] = this.scanFallback;
        floor[j] = this.scanFloor;
        pending.push(j);
      }
    }
    if (pending.length === 0) return out;
    const disk = unionSorted(this.tiers.starts['1m'], this.tiers.starts.raw);
    for (let i = lowerBoundOf(disk, hour) - 1, looked = 0; i >= 0 && looked < 24 && pending.length > 0; i--, looked++) {
      const start = disk[i]!;
      const asked = pending.filter((j) => start > floor[j]!);
      if (asked.length === 0) break; // every one left has an hour in memory newer than the parts further back
      const minutes = hasSorted(this.tiers.starts['1m'], start);
      const r = this.tiers.part(minutes ? '1m' : 'raw', start);
      if (!r) continue;
      const found = new Uint8Array(asked.length);
      eachBlock(r, asked.map((j) => ids[ks[j]!]!), (a, block) => {
        const last = minutes ? decodeRollupBlock(block).last : decodePointsBlock(block).values;
        if (last.length === 0) return;
        out[asked[a]!] = last[last.length - 1]!;
        found[a] = 1;
      });
      const done = new Set(asked.filter((_, a) => found[a]));
      if (done.size) pending = pending.filter((j) => !done.has(j));
    }
    return out;
  }
}
