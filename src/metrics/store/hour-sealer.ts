import { performance } from 'node:perf_hooks';
import { TIER_INTERVAL_MS } from '../types.js';
import type { OpenHour } from './open-hours.js';
import { mergePoints } from './point-lists.js';
import { coarsen, rollupPoints } from './rollup.js';
import { SealScratch } from './seal-scratch.js';
import type { SeriesRegistry } from './series-registry.js';
import { DAY, HOUR, sealedSeries, SLICE_MS, type SealedSeries, type SealingHour, type TierFiles } from './tier-files.js';
import { encodePointsInto } from './blocks.js';
import { HourRows } from './hour-rows.js';
import type { PartWriter } from './part-writer.js';
import type { TierReads } from './tier-reads.js';

/**
 * Encoded blocks a seal pass holds before writing what it has, for hours sealed before (late points: their series are
 * merged with the part's and written whole); a backfilled day of 15,000 series at 10 s is some 180 MB of blocks.
 */
const SEAL_BATCH_BYTES = 32 * 1024 * 1024;
/**
 * 1h rows a batch holds (56 bytes each) before the day's 1h part is rewritten with them: some 9 hours of 15,000
 * series. Raw parts are streamed as the hours are encoded, so the rows are what a batch of new hours keeps.
 */
const SEAL_BATCH_ROWS = 128 * 1024;
const yieldLoop = () => new Promise<void>((r) => setImmediate(r));

/** What sealing reads and updates of the store. */
export interface HourSealing {
  registry: SeriesRegistry;
  tiers: TierFiles;
  reads: TierReads;
  /** Per series id: the start of the newest sealed hour with points, and its last value (the step into the next hour). */
  lastHour: Float64Array;
  lastValue: Float64Array;
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
    await s.tiers.writeHours(hours, scratch.blocks, (b) => (b.h.written = true), r);
  };
  try {
    for (const h of due) {
      if (batch.length > 0 && (Math.floor(h.start / DAY) !== Math.floor(batch[0]!.hour / DAY) || bytes > SEAL_BATCH_BYTES || rows.length > SEAL_BATCH_ROWS)) await flush();
      if (!s.tiers.sealed(h.start) && !s.tiers.has('1m', h.start)) {
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
 * An hour not sealed before: each series rolled up, its 1h row kept in `rows`, its points encoded and written to the
 * hour's raw part (streamed to its temporary file), in slices of at most SLICE_MS, yielding between them.
 */
async function streamHour(h: OpenHour, scratch: SealScratch, s: HourSealing, rows: HourRows): Promise<{ writer: PartWriter; size: number }> {
  const writer = await s.tiers.partWriter('raw', h.start);
  try {
    let slice = performance.now();
    for (const id of layoutOrder(h, s)) {
      const points = h.streams.get(id)!.points((k) => scratch.points(k));
      const n = points.timestamps.length;
      rows.addCoarsened(id, h.start, rollupPoints(points, TIER_INTERVAL_MS['1m'], s.reads.prevValue(id, h.start), scratch.rows));
      if (n > 0) {
        await writer.add(id, encodePointsInto(scratch.blocks.writer, points), points.timestamps[0]!, points.timestamps[n - 1]!);
        noteLast(s, id, h.start, points.values[n - 1]!);
      }
      if (performance.now() - slice > SLICE_MS) {
        await yieldLoop();
        slice = performance.now();
      }
    }
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
 * An hour sealed before (late points) or with a 1m part (stores of an older format): each series rolled up and
 * encoded, merged with its points on disk, to replace its blocks in the hour's parts (in slices of at most SLICE_MS).
 */
async function encodeHour(h: OpenHour, scratch: SealScratch, s: HourSealing): Promise<SealedSeries[]> {
  const merge = s.tiers.sealed(h.start);
  // Minutes are encoded only for an hour that has a 1m part already (tier-files.ts: otherwise read from raw).
  const keep1m = s.tiers.has('1m', h.start);
  const out: SealedSeries[] = [];
  let slice = performance.now();
  // In layout order, the blocks read back below (late points merged into a sealed hour, the previous hour's last
  // value) come frame after frame, each frame inflated once, instead of one inflate of a frame per series.
  for (const id of layoutOrder(h, s)) {
    const stream = h.streams.get(id)!;
    let points = stream.points((k) => scratch.points(k));
    if (merge) {
      const old = s.tiers.readPoints(id, h.start);
      if (old) points = mergePoints([old, points]);
    }
    const minutes = rollupPoints(points, TIER_INTERVAL_MS['1m'], s.reads.prevValue(id, h.start), scratch.rows);
    out.push(sealedSeries(id, points, keep1m ? minutes : null, coarsen(minutes, HOUR), scratch.blocks));
    if (points.values.length > 0) noteLast(s, id, h.start, points.values[points.values.length - 1]!);
    if (performance.now() - slice > SLICE_MS) {
      await yieldLoop();
      slice = performance.now();
    }
  }
  return out;
}
