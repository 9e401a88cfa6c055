import { performance } from 'node:perf_hooks';
import { TIER_INTERVAL_MS } from '../types.js';
import type { OpenHour } from './open-hours.js';
import { mergePoints } from './point-lists.js';
import { coarsen, rollupPoints } from './rollup.js';
import { SealScratch } from './seal-scratch.js';
import type { SeriesRegistry } from './series-registry.js';
import { DAY, HOUR, sealedSeries, SLICE_MS, type SealedSeries, type SealingHour, type TierFiles } from './tier-files.js';
import { decodePointsBlock, encodePointsInto } from './blocks.js';
import { HourRows } from './hour-rows.js';
import type { PartWriter } from './part-writer.js';
import type { Points } from './point-codec.js';
import type { TierReads } from './tier-reads.js';

/**
 * Encoded blocks a seal pass holds before writing what it has, for hours sealed before (late points: their series are
 * merged with the part's and written whole); a backfilled day of 15,000 series at 10 s is some 180 MB of blocks.
 */
const SEAL_BATCH_BYTES = 32 * 1024 * 1024;
/**
 * 1h rows a batch gathers (56 bytes each) before the day's 1h part is rewritten with them and its hours' raw parts are
 * put in place: some 2 hours of 15,000 series. An hour's memory goes once its raw part is in place, so on a backlog of
 * hours a longer batch kept more of them in memory (a day of a small store's hours is still one batch).
 */
const SEAL_BATCH_ROWS = 32 * 1024;
const yieldLoop = () => new Promise<void>((r) => setImmediate(r));

/** What sealing reads and updates of the store. */
export interface HourSealing {
  registry: SeriesRegistry;
  tiers: TierFiles;
  reads: TierReads;
  /** Per series id: the start of the newest sealed hour with points, and its last value (the step into the next hour). */
  lastHour: Float64Array;
  lastValue: Float64Array;
  /** An hour's raw part is in place: its points are all on disk (open-hours.ts written). */
  written(h: OpenHour): void;
}

type Sealing = SealingHour & { h: OpenHour };

/**
 * Seals hours (ascending), a UTC day at a time (the day's 1h part once for all its hours: tier-files.ts writeHours),
 * or sooner once SEAL_BATCH_ROWS rows or SEAL_BATCH_BYTES of blocks wait. An hour not sealed before has its raw part
 * streamed as its series are encoded (part-writer.ts), so a pass holds a frame of blocks, not the hour's: holding them
 * (and an object per series) until the day's parts were written grew the process's heap by some 4 KiB per series
 * at each seal, which V8 and malloc kept as RSS long after.
 */
export async function sealHours(due: OpenHour[], s: HourSealing): Promise<void> {
  const scratch = new SealScratch();
  let batch: Sealing[] = [];
  let rows = new HourRows();
  let bytes = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    // Each hour leaves the reads' view of memory as soon as its raw part is in place (open-hours.ts at()).
    const hours = batch;
    batch = [];
    bytes = 0;
    const r = rows;
    rows = new HourRows();
    await s.tiers.writeHours(hours, scratch.blocks, (b) => s.written(b.h), r);
  };
  try {
    for (const h of due) {
      if (batch.length > 0 && (Math.floor(h.start / DAY) !== Math.floor(batch[0]!.hour / DAY) || bytes > SEAL_BATCH_BYTES || rows.length > SEAL_BATCH_ROWS)) await flush();
      if (!s.tiers.has('1m', h.start)) {
        batch.push({ h, hour: h.start, raw: await streamHour(h, scratch, s, rows) });
        continue;
      }
      const series = await encodeHour(h, scratch, s);
      for (const e of series) bytes += (e.raw?.block.length ?? 0) + (e.minutes?.block.length ?? 0);
      batch.push({ h, hour: h.start, series });
    }
    await flush();
  } finally {
    // Raw parts streamed for hours never handed to writeHours (an error): their temporary files go.
    for (const b of batch) await b.raw?.writer.abort();
  }
}

/** An hour's series in the parts' layout order (measurement, field, tags): what one query reads sits together. */
function layoutOrder(h: OpenHour, s: HourSealing): Int32Array {
  const rank = s.registry.layoutRanks();
  return Int32Array.from(h.streams.keys()).sort((a, b) => rank[a]! - rank[b]!);
}

/**
 * An hour without a 1m part, streamed into a new raw part in layout order (part-writer.ts), in slices of at most
 * SLICE_MS, yielding between them. Each series with points in memory is rolled up (its 1h row kept in `rows`) and
 * encoded; when the hour was sealed before (late points), its raw part is walked alongside in layout order (the order
 * of its blocks: ranks of series only grow apart as new ones come between them), each series there merged with its
 * points in memory or, without any, its block copied as it is.
 */
async function streamHour(h: OpenHour, scratch: SealScratch, s: HourSealing, rows: HourRows): Promise<{ writer: PartWriter; size: number }> {
  const writer = await s.tiers.partWriter('raw', h.start);
  try {
    const rank = s.registry.layoutRanks();
    const ids = layoutOrder(h, s);
    const first = s.tiers.part('raw', h.start);
    let r = first;
    let old: Uint32Array = new Uint32Array(0);
    if (first) {
      old = new Uint32Array(first.ids.length);
      for (let i = 0; i < old.length; i++) old[i] = i;
      old.sort((a, b) => first.frameOf(a) - first.frameOf(b) || first.offsetOf(a) - first.offsetOf(b));
    }
    let slice = performance.now();
    let frame = -1;
    let j = 0;
    // The series with points here, up to `limit` in layout order, that the old part does not hold (those it holds are
    // merged where the walk of the old part meets them: each series written once, whatever order the old part has).
    const fresh = async (limit: number) => {
      for (; j < ids.length && (rank[ids[j]!] ?? -1) < limit; j++) {
        const id = ids[j]!;
        if (first && first.find(id) >= 0) continue;
        await encodeSeries(id, h.streams.get(id)!.points((k) => scratch.points(k)));
        if (performance.now() - slice > SLICE_MS) {
          await yieldLoop();
          slice = performance.now();
          if (r) r = s.tiers.part('raw', h.start) ?? r; // reopened if a query closed it meanwhile (the file is the same)
        }
      }
    };
    const encodeSeries = async (id: number, points: Points) => {
      const n = points.timestamps.length;
      rows.addCoarsened(id, h.start, rollupPoints(points, TIER_INTERVAL_MS['1m'], s.reads.prevValue(id, h.start), scratch.rows));
      if (n === 0) return;
      await writer.add(id, encodePointsInto(scratch.blocks.writer, points), points.timestamps[0]!, points.timestamps[n - 1]!);
      noteLast(s, id, h.start, points.values[n - 1]!);
    };
    for (const pos of old) {
      const id = r!.ids[pos]!;
      await fresh(rank[id] ?? -1);
      if (r!.frameOf(pos) !== frame) {
        if (frame >= 0 && performance.now() - slice > SLICE_MS) {
          await yieldLoop();
          slice = performance.now();
          r = s.tiers.part('raw', h.start) ?? r;
        }
        frame = r!.frameOf(pos);
      }
      const stream = h.streams.get(id);
      // A series of the sealed hour without late points: its block as it is; with some, both merged.
      if (!stream) await writer.add(id, r!.block(pos), r!.minTs[pos]!, r!.maxTs[pos]!);
      else await encodeSeries(id, mergePoints([decodePointsBlock(r!.block(pos)), stream.points((k) => scratch.points(k))]));
    }
    await fresh(Infinity);
    return { writer, size: await writer.finish() };
  } catch (e) {
    await writer.abort();
    throw e;
  }
}

function noteLast(s: HourSealing, id: number, hour: number, value: number): void {
  if (!(s.lastHour[id]! > hour)) {
    s.lastHour[id] = hour;
    s.lastValue[id] = value;
  }
}

/**
 * An hour with a 1m part (a store of an older format, or an hour whose raw part aged out): each series merged with its
 * points on disk (none once raw aged out), rolled up and encoded, its minutes too, to replace its blocks in the hour's
 * parts (in slices of at most SLICE_MS).
 */
async function encodeHour(h: OpenHour, scratch: SealScratch, s: HourSealing): Promise<SealedSeries[]> {
  const out: SealedSeries[] = [];
  let slice = performance.now();
  // In layout order, the blocks read back below (late points merged into a sealed hour, the previous hour's last
  // value) come frame after frame, each frame inflated once, instead of one inflate of a frame per series.
  for (const id of layoutOrder(h, s)) {
    const stream = h.streams.get(id)!;
    let points = stream.points((k) => scratch.points(k));
    const old = s.tiers.readPoints(id, h.start);
    if (old) points = mergePoints([old, points]);
    const minutes = rollupPoints(points, TIER_INTERVAL_MS['1m'], s.reads.prevValue(id, h.start), scratch.rows);
    out.push(sealedSeries(id, points, minutes, coarsen(minutes, HOUR), scratch.blocks));
    if (points.values.length > 0) noteLast(s, id, h.start, points.values[points.values.length - 1]!);
    if (performance.now() - slice > SLICE_MS) {
      await yieldLoop();
      slice = performance.now();
    }
  }
  return out;
}
