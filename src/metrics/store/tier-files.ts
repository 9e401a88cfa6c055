import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../../common/logger.js';
import type { RollupRows, Tier } from '../types.js';
import type { BlockScratch } from './block-arena.js';
import { decodePointsBlock, decodeRollupBlock, encodePointsBlock, encodeRollupBlock, encodeRollupInto } from './blocks.js';
import { ByteWriter } from './bytes.js';
import { HourRows, RowScratch } from './hour-rows.js';
import type { Points } from './point-codec.js';
import { rollupPoints } from './rollup.js';
import { PartCache, type PartEntry, type PartReader } from './part-file.js';
import { PartWriter, writePart } from './part-writer.js';

/**
 * The persisted tiers: `raw/<hour>.part` (points as written), `1m/<hour>.part` (one-minute rollups) and
 * `1h/<day>.part` (hourly rollups of a UTC day), each named by the epoch ms of its start. An hour is sealed by writing
 * its 1h rows, then its raw part: the raw part (or, once retention removed it, the 1m part) is the mark that the hour
 * is on disk, and rewriting the rows of an hour is idempotent, so a crash between two writes only means the hour is
 * sealed again from the log.
 *
 * The 1m tier of an hour whose raw part exists is not stored: it is rolled up from the raw points when read
 * (tier-reads.ts). Stored beside raw, the 1m rows of host metrics at 10 s took ~0.9 B per raw sample, nearly as much
 * as the raw points (~1.0 B), for rows six points each derive. A 1m part is written when retention removes the raw
 * part (ageOutRaw: the 1m part first, then the raw part deleted, so a crash in between leaves both, never neither).
 * Stores written before this (part format 3 and older) have 1m parts beside raw ones; those are read as they are, and
 * a 1m part that exists is kept up to date when late points rewrite its hour.
 */

export const HOUR = 3_600_000;
const yieldLoop = () => new Promise<void>((r) => setImmediate(r));
/** Longest stretch of sealing work on the event loop before it yields (queries wait for the loop meanwhile). */
export const SLICE_MS = 8;
export const DAY = 86_400_000;
const MINUTE = 60_000;
const DIRS: Record<Tier, string> = { raw: 'raw', '1m': '1m', '1h': '1h' };

/** An hour of a seal batch (tier-files.ts writeHours). */
export interface SealingHour {
  hour: number;
  /** The hour's raw part, streamed to its temporary file and finished (its size): put in place by writeHours. */
  raw?: { writer: PartWriter; size: number };
  /** Or the series that replace theirs in the hour's parts. */
  series?: SealedSeries[];
}

/** What sealing an hour writes for one series: its points and 1m rows of the hour, encoded, and its hour's row. */
export interface SealedSeries {
  id: number;
  /** Null: no point (nothing to write). */
  raw: PartEntry | null;
  minutes: PartEntry | null;
  hour: RollupRows;
}

/**
 * The sealed blocks of one series, encoded as soon as its points are rolled up: a seal pass then holds some 1.5 KiB
 * per series, not its decoded points and rows (~10 KiB), which set the process's peak memory for a large hour.
 */
export function sealedSeries(id: number, points: Points, minutes: RollupRows | null, hour: RollupRows, scratch?: BlockScratch): SealedSeries {
  const n = points.timestamps.length;
  return {
    id,
    raw: n > 0 ? { id, block: encodePointsBlock(points, scratch), minTs: points.timestamps[0]!, maxTs: points.timestamps[n - 1]! } : null,
    minutes: minutes ? minuteEntry(id, minutes, scratch) : null,
    hour,
  };
}

/** The 1m part entry of one series' rows (null: no row). */
export function minuteEntry(id: number, minutes: RollupRows, scratch?: BlockScratch): PartEntry | null {
  const m = minutes.timestamps.length;
  return m > 0 ? { id, block: encodeRollupBlock(minutes, scratch), minTs: minutes.timestamps[0]!, maxTs: minutes.timestamps[m - 1]! } : null;
}

function listStarts(dir: string): number[] {
  fs.mkdirSync(dir, { recursive: true });
  const out: number[] = [];
  for (const name of fs.readdirSync(dir)) {
    const m = /^(-?\d+)\.part$/.exec(name);
    if (m) out.push(Number(m[1]));
    else if (name.endsWith('.tmp')) fs.rmSync(path.join(dir, name), { force: true }); // an interrupted atomic write
  }
  return out.sort((a, b) => a - b);
}

/** Whether ascending `a` holds v (a binary search: the 1m tier lists some 2,000 hours, asked per series read). */
export function hasSorted(a: readonly number[], v: number): boolean {
  let lo = 0;
  let hi = a.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const x = a[mid]!;
    if (x === v) return true;
    if (x < v) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

function insertSorted(a: number[], v: number): void {
  if (hasSorted(a, v)) return;
  a.push(v);
  a.sort((x, y) => x - y);
}

export class TierFiles {
  /** Starts of the parts of each tier, ascending. */
  readonly starts: Record<Tier, number[]>;
  readonly bytes: Record<Tier, number> = { raw: 0, '1m': 0, '1h': 0 };
  private readonly cache = new PartCache(64);
  private readonly dirOf: Record<Tier, string>;

  constructor(
    readonly dir: string,
    private readonly logger: Logger,
    /** Where a series' block goes in a part (by measurement, field, tags: what one query reads together). */
    private readonly order?: (id: number) => string | number,
  ) {
    this.dirOf = { raw: this.tierDir('raw'), '1m': this.tierDir('1m'), '1h': this.tierDir('1h') };
    this.starts = { raw: listStarts(this.tierDir('raw')), '1m': listStarts(this.tierDir('1m')), '1h': listStarts(this.tierDir('1h')) };
    for (const tier of ['raw', '1m', '1h'] as Tier[]) for (const s of this.starts[tier]) this.bytes[tier] += this.sizeOf(tier, s);
  }

  private tierDir(tier: Tier): string {
    return path.join(this.dir, DIRS[tier]);
  }

  file(tier: Tier, start: number): string {
    // Concatenation, not path.join: a query asks for a part once per series it reads.
    return `${this.dirOf[tier]}${path.sep}${start}.part`;
  }

  private sizeOf(tier: Tier, start: number): number {
    try {
      return fs.statSync(this.file(tier, start)).size;
    } catch {
      return 0;
    }
  }

  /** Whether a tier has a part starting at `start`. */
  has(tier: Tier, start: number): boolean {
    return hasSorted(this.starts[tier], start);
  }

  /** Whether an hour was sealed (its raw part, or its 1m part once raw retention removed that). */
  sealed(hour: number): boolean {
    return hasSorted(this.starts.raw, hour) || hasSorted(this.starts['1m'], hour);
  }

  /** The reader of one part (null: no such part, or unreadable, logged). */
  part(tier: Tier, start: number): PartReader | null {
    if (!hasSorted(this.starts[tier], start)) return null;
    try {
      return this.cache.get(this.file(tier, start));
    } catch (e) {
      this.logger.warn(`metrics: cannot read ${this.file(tier, start)} (${(e as Error).message}); its data is left out of answers`);
      return null;
    }
  }

  readPoints(id: number, hour: number): Points | null {
    const r = this.part('raw', hour);
    const i = r ? r.find(id) : -1;
    return i < 0 ? null : decodePointsBlock(r!.block(i));
  }

  /** Oldest block start and newest block end recorded in the index of one part (for the tier spans). */
  partRange(tier: Tier, start: number): { min: number; max: number } | null {
    const r = this.part(tier, start);
    if (!r || r.ids.length === 0) return null;
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < r.ids.length; i++) {
      min = Math.min(min, r.minTs[i]!);
      max = Math.max(max, r.maxTs[i]!);
    }
    return { min, max };
  }

  /** A writer of a tier's part (its temporary file; put in place by writeHours). */
  partWriter(tier: Tier, start: number): Promise<PartWriter> {
    return PartWriter.create(this.file(tier, start));
  }

  /**
   * Writes sealed hours of one UTC day. An hour comes either with its raw part streamed to its temporary file already
   * (`raw`, finished: the seal pass of an hour not sealed before) or with the series that replace theirs in its parts
   * (`series`: late points merged into an hour sealed before; others already there are kept). `rows` holds the 1h
   * rows of the streamed hours; those of `series` are added here. The day's 1h part is rewritten once for all the
   * hours (a backfilled week sealed in one pass rewrote each day part 24 times, most of that pass's work), before any
   * of their raw parts is put in place: those mark the hours sealed. `written(h)` is called as soon as an hour's raw
   * part is in place, before the next hour's: from then on reads find all its points on disk and can leave the copy
   * in memory out (merging both, for hours written early in a day of 24, made queries during a seal pass cost up to
   * 10× more). Streamed raw parts not put in place (an error) are dropped.
   */
  async writeHours<H extends SealingHour>(hours: H[], scratch?: BlockScratch, written?: (h: H) => void, rows = new HourRows()): Promise<void> {
    let next = 0;
    try {
      if (hours.length === 0) return;
      const day = Math.floor(hours[0]!.hour / DAY) * DAY;
      for (const { hour, series } of hours) {
        if (Math.floor(hour / DAY) * DAY !== day) throw new Error(`writeHours: hour ${hour} is not in the day of ${day}`);
        for (const s of series ?? []) rows.addRows(s.id, s.hour);
      }
      // 1h rows first: rewriting them is idempotent, and the raw parts put in place last mark the hours sealed.
      rows.group();
      await this.writeDayRows(day, rows, scratch);
      for (; next < hours.length; next++) {
        const h = hours[next]!;
        if (h.raw) await this.commit('raw', h.hour, h.raw.writer, h.raw.size);
        else await this.replaceSeries(h.hour, h.series ?? []);
        written?.(h);
      }
    } finally {
      for (let i = next; i < hours.length; i++) await hours[i]!.raw?.writer.abort();
    }
  }

  /** writeHours of one hour. */
  writeHour(hour: number, series: SealedSeries[], scratch?: BlockScratch): Promise<void> {
    return this.writeHours([{ hour, series }], scratch);
  }

  /** The series of an hour sealed before (late points), replacing theirs in its parts. */
  private async replaceSeries(hour: number, series: SealedSeries[]): Promise<void> {
    const ids = new Set(series.map((s) => s.id));
    // A 1m part is only rewritten where one exists (a store of an older format, or an hour whose raw part aged
    // out): otherwise the hour's minutes are rolled up from its raw part when read.
    if (this.has('1m', hour)) {
      const minuteEntries = await this.kept('1m', hour, ids);
      for (const s of series) if (s.minutes) minuteEntries.push(s.minutes);
      await this.replace('1m', hour, minuteEntries);
    }
    const rawEntries = await this.kept('raw', hour, ids);
    for (const s of series) if (s.raw) rawEntries.push(s.raw);
    await this.replace('raw', hour, rawEntries);
  }

  /**
   * Rewrites the day's 1h part with the rows of `rows` (grouped) merged in, streamed: the old part's blocks in their
   * layout order, each series with new rows decoded, merged and encoded again in reused buffers, then the series new to
   * the day in layout order.
   */
  private async writeDayRows(day: number, rows: HourRows, scratch?: BlockScratch): Promise<void> {
    const w = await this.partWriter('1h', day);
    try {
      const ids = rows.seriesIds();
      const done = new Uint8Array(ids.length);
      const old = new RowScratch();
      const out = new RowScratch();
      const enc = scratch?.writer ?? new ByteWriter(4096);
      const first = this.part('1h', day);
      let slice = performance.now();
      if (first) {
        let r = first;
        const order = new Uint32Array(r.ids.length);
        for (let i = 0; i < order.length; i++) order[i] = i;
        // In the part's layout order (frame, then offset in it): each frame inflated once, the layout kept.
        order.sort((a, b) => first.frameOf(a) - first.frameOf(b) || first.offsetOf(a) - first.offsetOf(b));
        let frame = -1;
        for (const i of order) {
          if (r.frameOf(i) !== frame) {
            if (frame >= 0 && performance.now() - slice > SLICE_MS) {
              await yieldLoop();
              slice = performance.now();
              r = this.part('1h', day) ?? r; // reopened if a query closed it meanwhile (the file is the same)
            }
            frame = r.frameOf(i);
          }
          const id = r.ids[i]!;
          const g = rows.find(id);
          if (g < 0) {
            await w.add(id, r.block(i), r.minTs[i]!, r.maxTs[i]!);
            continue;
          }
          done[g] = 1;
          const m = rows.mergedWith(decodeRollupBlock(r.block(i), old.into), g, out);
          await w.add(id, encodeRollupInto(enc, m), m.timestamps[0]!, m.timestamps[m.timestamps.length - 1]!);
        }
      }
      // Series new to the day, in layout order (keys computed once; ids ascending already, so ties stay by id).
      const order = this.order;
      const fresh: { g: number; k: string | number }[] = [];
      for (let g = 0; g < ids.length; g++) if (!done[g]) fresh.push({ g, k: order ? order(ids[g]!) : 0 });
      if (order) fresh.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : a.g - b.g));
      for (const { g } of fresh) {
        const m = rows.rowsOf(g, out);
        await w.add(ids[g]!, encodeRollupInto(enc, m), m.timestamps[0]!, m.timestamps[m.timestamps.length - 1]!);
        if (performance.now() - slice > SLICE_MS) {
          await yieldLoop();
          slice = performance.now();
        }
      }
      await this.commit('1h', day, w, await w.finish());
    } catch (e) {
      await w.abort();
      throw e;
    }
  }

  /** Puts a finished part in place and accounts for it. */
  private async commit(tier: Tier, start: number, w: PartWriter, size: number): Promise<void> {
    const before = hasSorted(this.starts[tier], start) ? this.sizeOf(tier, start) : 0;
    await w.commit();
    this.cache.drop(this.file(tier, start));
    insertSorted(this.starts[tier], start);
    this.bytes[tier] += size - before;
  }

  /**
   * The blocks of a part for series other than `touched`, as they are (views into its inflated frames, which stay
   * referenced until the part is rewritten). Yields between frames: a day part of 15,000 series is some 20 frames.
   */
  private async kept(tier: Tier, start: number, touched: Set<number>): Promise<PartEntry[]> {
    const first = this.part(tier, start);
    const out: PartEntry[] = [];
    if (!first) return out;
    let r = first;
    // Frame by frame: the index is by id, the frames by layout; in id order a part of 16,000 series inflated a
    // 64 KiB frame for nearly every block (most of a seal pass's time when a day's 1h part is rewritten each hour).
    const order: number[] = [];
    for (let i = 0; i < r.ids.length; i++) if (!touched.has(r.ids[i]!)) order.push(i);
    // In the part's layout order (frame, then offset in it): writePart then finds them sorted already.
    order.sort((a, b) => first.frameOf(a) - first.frameOf(b) || first.offsetOf(a) - first.offsetOf(b));
    let frame = -1;
    for (const i of order) {
      if (r.frameOf(i) !== frame) {
        if (frame >= 0) {
          await yieldLoop();
          r = this.part(tier, start) ?? r; // reopened if a query closed it meanwhile (the file is the same)
        }
        frame = r.frameOf(i);
      }
      out.push({ id: r.ids[i]!, block: r.block(i), minTs: r.minTs[i]!, maxTs: r.maxTs[i]! });
    }
    return out;
  }

  private async replace(tier: Tier, start: number, entries: PartEntry[]): Promise<void> {
    const file = this.file(tier, start);
    const before = hasSorted(this.starts[tier], start) ? this.sizeOf(tier, start) : 0;
    const size = await writePart(file, entries, this.order);
    this.cache.drop(file);
    insertSorted(this.starts[tier], start);
    this.bytes[tier] += size - before;
  }

  /**
   * Deletes the raw parts that end at or before `horizon`; an hour that the 1m tier still keeps (it ends after
   * `keep1mAfter`) and that has no 1m part gets one first, rolled up from the raw part's points (`prev`: the value
   * of each series' last point before the hour, NaN when none, for the first minute's increase). Yields between
   * hours and every few hundred series, as sealing does. Returns how many raw parts were deleted.
   */
  async ageOutRaw(horizon: number, keep1mAfter: number, prev: (ids: Uint32Array, hour: number) => Float64Array, scratch?: BlockScratch): Promise<number> {
    let n = 0;
    while (this.starts.raw.length > 0 && this.starts.raw[0]! + HOUR <= horizon) {
      const start = this.starts.raw[0]!;
      if (start + HOUR > keep1mAfter && !this.has('1m', start)) await this.materializeMinutes(start, prev, scratch);
      // The part may have been replaced meanwhile (a seal pass does not run beside this one, but be exact).
      if (this.starts.raw[0] !== start) continue;
      this.starts.raw.shift();
      const file = this.file('raw', start);
      this.bytes.raw -= this.sizeOf('raw', start);
      this.cache.drop(file);
      fs.rmSync(file, { force: true });
      n++;
      await yieldLoop();
    }
    return n;
  }

  /** Writes the 1m part of an hour from its raw part (rows as rollupPoints makes them from the same points). */
  private async materializeMinutes(hour: number, prev: (ids: Uint32Array, hour: number) => Float64Array, scratch?: BlockScratch): Promise<void> {
    const first = this.part('raw', hour);
    if (!first) return;
    let r = first;
    const before = prev(r.ids, hour);
    const entries: PartEntry[] = [];
    const order: number[] = [];
    for (let i = 0; i < r.ids.length; i++) order.push(i);
    order.sort((a, b) => first.frameOf(a) - first.frameOf(b) || a - b);
    let slice = performance.now();
    for (const i of order) {
      const rows = rollupPoints(decodePointsBlock(r.block(i)), MINUTE, before[i]!);
      const e = minuteEntry(r.ids[i]!, rows, scratch);
      if (e) entries.push(e);
      if (performance.now() - slice > SLICE_MS) {
        await yieldLoop();
        slice = performance.now();
        r = this.part('raw', hour) ?? r;
      }
    }
    await this.replace('1m', hour, entries);
  }

  /** Deletes the parts of a tier that end at or before `horizon`; returns how many. */
  dropBefore(tier: Tier, horizon: number): number {
    const span = tier === '1h' ? DAY : HOUR;
    let n = 0;
    while (this.starts[tier].length > 0 && this.starts[tier][0]! + span <= horizon) {
      const start = this.starts[tier].shift()!;
      const file = this.file(tier, start);
      this.bytes[tier] -= this.sizeOf(tier, start);
      this.cache.drop(file);
      fs.rmSync(file, { force: true });
      n++;
    }
    return n;
  }

  close(): void {
    this.cache.close();
  }
}
