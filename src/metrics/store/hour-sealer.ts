import { performance } from 'node:perf_hooks';
import { TIER_INTERVAL_MS } from '../types.js';
import type { OpenHour } from './open-hours.js';
import { mergePoints } from './point-lists.js';
import { coarsen, rollupPoints } from './rollup.js';
import { SealScratch } from './seal-scratch.js';
import type { SeriesRegistry } from './series-registry.js';
import { DAY, HOUR, sealedSeries, SLICE_MS, type SealedSeries, type TierFiles } from './tier-files.js';
import type { TierReads } from './tier-reads.js';

/**
 * Encoded blocks a seal pass holds before writing what it has (a day's hours are written together: the day's 1h part
 * once for all of them); a backfilled day of 15,000 series at 10 s is some 180 MB of blocks.
 */
const SEAL_BATCH_BYTES = 32 * 1024 * 1024;
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

/**
 * Seals hours (ascending): each hour's series rolled up and encoded, then written a UTC day at a time (the day's 1h
 * part once for all its hours: tier-files.ts writeHours), or sooner once SEAL_BATCH_BYTES of blocks wait.
 */
export async function sealHours(due: OpenHour[], s: HourSealing): Promise<void> {
  const scratch = new SealScratch();
  let batch: { h: OpenHour; hour: number; series: SealedSeries[] }[] = [];
  let bytes = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    // Each hour leaves the reads' view of memory as soon as its raw part is in place (open-hours.ts at()).
    await s.tiers.writeHours(batch, scratch.blocks, (b) => (b.h.written = true));
    batch = [];
    bytes = 0;
  };
  for (const h of due) {
    if (batch.length > 0 && (Math.floor(h.start / DAY) !== Math.floor(batch[0]!.hour / DAY) || bytes > SEAL_BATCH_BYTES)) await flush();
    const series = await encodeHour(h, scratch, s);
    for (const e of series) bytes += (e.raw?.block.length ?? 0) + (e.minutes?.block.length ?? 0);
    batch.push({ h, hour: h.start, series });
  }
  await flush();
}

/** One hour's series rolled up and encoded (in slices of at most SLICE_MS, yielding between them). */
async function encodeHour(h: OpenHour, scratch: SealScratch, s: HourSealing): Promise<SealedSeries[]> {
  const merge = s.tiers.sealed(h.start);
  // Minutes are encoded only for an hour that has a 1m part already (tier-files.ts: otherwise read from raw).
  const keep1m = s.tiers.has('1m', h.start);
  const out: SealedSeries[] = [];
  let slice = performance.now();
  // In the parts' layout order (measurement, field, tags): the blocks read back below (late points merged into a
  // sealed hour, the previous hour's last value) then come frame after frame, each frame inflated once, instead of
  // one inflate of a 64 KiB frame per series.
  const ids = [...h.streams.keys()].map((id) => [s.registry.layoutKey(id), id] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  for (const [, id] of ids) {
    const stream = h.streams.get(id)!;
    let points = stream.points((k) => scratch.points(k));
    if (merge) {
      const old = s.tiers.readPoints(id, h.start);
      if (old) points = mergePoints([old, points]);
    }
    const minutes = rollupPoints(points, TIER_INTERVAL_MS['1m'], s.reads.prevValue(id, h.start), scratch.rows);
    out.push(sealedSeries(id, points, keep1m ? minutes : null, coarsen(minutes, HOUR), scratch.blocks));
    if (!(s.lastHour[id]! > h.start) && points.values.length > 0) {
      s.lastHour[id] = h.start;
      s.lastValue[id] = points.values[points.values.length - 1]!;
    }
    if (performance.now() - slice > SLICE_MS) {
      await yieldLoop();
      slice = performance.now();
    }
  }
  return out;
}
