import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../../common/logger.js';
import type { MetricsConfig } from '../config.js';
import { type AppendListener, type MetricsReader, type MetricsStats, type RawPoints, type RawVisitor, type RollupRows, type RollupVisitor, type SeriesInfo, type TagMatcher, type Tier, type TierSpan } from '../types.js';
import { readManifest, writeManifest, type Manifest } from './manifest.js';
import { OpenHours, type OpenHour } from './open-hours.js';
import { MAX_ABS_TIMESTAMP_MS } from './point-codec.js';
import { RecordApplier } from './record-applier.js';
import { walkRecords, type RecordVisitor } from './record-walker.js';
import { sealHours, type HourSealing } from './hour-sealer.js';
import { SealScratch } from './seal-scratch.js';
import { SeriesRegistry } from './series-registry.js';
import { TierReads } from './tier-reads.js';
import { tierSpans } from './tier-spans.js';
import { HOUR, TierFiles } from './tier-files.js';
import { readNext, TopicSelector, type Follow, type MetricLogs } from './topic-follower.js';

export interface MetricsStoreOptions {
  /** The store's own directory (e.g. DATA/__metrics); created when missing. */
  dir: string;
  /** The broker's LogManager (or anything with the same three reads). */
  logs: MetricLogs;
  config: MetricsConfig;
  logger: Logger;
}

/** Bytes read from a partition per step: about 10k lines, some 20 ms of applying. */
const READ_BYTES = 256 * 1024;
/** Longest stretch of applying before the store yields the event loop. */
const SLICE_MS = 20;
/** How often the store looks for new topics and seals due hours. */
const TICK_MS = 2_000;
/** Points further ahead of the clock are refused (a wrong clock or unit would otherwise open hours far away). */
const MAX_FUTURE_MS = HOUR;
const yieldLoop = () => new Promise<void>((r) => setImmediate(r));

/**
 * The metrics store: follows the metric partitions of the local log, turns their records into series (series-
 * registry.ts), keeps the open hours in memory (open-hours.ts) and seals each hour, once it is `lateness` past, into
 * the raw, 1m and 1h tiers on disk (tier-files.ts), then checkpoints (manifest.ts). A restart resumes from the
 * checkpoint and rebuilds the open hours from the log; points of sealed hours met again are skipped, and a write of a
 * ms already stored replaces it, so nothing is counted twice. Reads merge disk and memory.
 */
export class MetricsStore implements MetricsReader {
  private readonly follows = new Map<string, Follow>();
  private readonly listeners = new Set<AppendListener>();
  private touched = new Set<number>();
  private newestMs = -Infinity;
  private pointsApplied = 0;
  private latePoints = 0;
  private droppedPoints = 0;
  private frontier: number;
  private nowMs = Date.now();
  private pumping = false;
  private again = false;
  private scheduled = false;
  private closed = false;
  private sealing: Promise<void> | null = null;
  /**
   * Every read of the log lands here (its chunks are applied before the next read): a new buffer per read was a
   * topic's whole size in garbage, which glibc's heap kept as RSS between collections. Large enough for a read's
   * first batch at the default max.message.bytes (1 MiB; a read returns its first batch whatever its size), which
   * producers such as kcat fill: smaller, each such batch was read into a new buffer. The slack covers the log
   * reader's look-ahead past the budget.
   */
  private readonly readScratch = Buffer.allocUnsafeSlow(Math.max(READ_BYTES, 1024 * 1024) + 64 * 1024);
  /** A write failed and was logged; cleared (and said) once writes succeed again. */
  private failing = false;
  private refreshing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly lastHour: Float64Array;
  private readonly lastValue: Float64Array;
  private topicRetentionMs = Infinity;
  /** The partition and offset of the record being applied (for the checkpoint and replay rules). */
  private cur: Follow | null = null;
  private curOffset = 0;
  private marked: OpenHour | null = null;
  private markedFollow: Follow | null = null;
  private readonly sink = (id: number, ts: number, v: number) => this.addPoint(id, ts, v);
  private readonly reads: TierReads;
  private readonly sealer: HourSealing;

  private constructor(
    private readonly o: MetricsStoreOptions,
    private readonly manifest: Manifest,
    private readonly registry: SeriesRegistry,
    private readonly tiers: TierFiles,
    private readonly applier: RecordApplier,
    private readonly selector: TopicSelector,
    private readonly hours: OpenHours,
  ) {
    this.frontier = manifest.frontier;
    this.lastHour = new Float64Array(o.config.maxSeries).fill(NaN);
    this.lastValue = new Float64Array(o.config.maxSeries).fill(NaN);
    this.reads = new TierReads(hours, tiers, { hour: this.lastHour, value: this.lastValue });
    this.sealer = { registry, tiers, reads: this.reads, lastHour: this.lastHour, lastValue: this.lastValue, written: (h) => this.hours.written(h) };
  }

  static async open(o: MetricsStoreOptions): Promise<MetricsStore> {
    fs.mkdirSync(o.dir, { recursive: true });
    const manifest = readManifest(path.join(o.dir, 'manifest.json'), (why) => o.logger.warn(`metrics: ${why}`));
    const registry = SeriesRegistry.open(path.join(o.dir, 'series.jsonl'), o.config.maxSeries, o.config.maxSeriesPerMeasurement, o.logger);
    const tiers = new TierFiles(o.dir, o.logger, (id) => registry.layoutRanks()[id] ?? -1);
    const applier = new RecordApplier(registry, o.config.maxSeries * 2 + 10_000);
    const selector = new TopicSelector(o.logs, o.config, manifest.topics, o.logger);
    const store = new MetricsStore(o, manifest, registry, tiers, applier, selector, new OpenHours());
    await store.refreshTopics();
    store.timer = setInterval(() => store.tick(), TICK_MS);
    store.timer.unref();
    store.schedule();
    return store;
  }

  private tick(): void {
    void this.refreshTopics();
    void this.seal().catch((e: Error) => this.writeFailed('writing the checkpoint', e));
  }

  /** A failed write (a full disk, most likely) is logged once until writes succeed again; everything stays in memory or in the log and is retried. */
  private writeFailed(what: string, e: Error): void {
    if (this.failing) return;
    this.failing = true;
    this.o.logger.error(`metrics: ${what} in ${this.o.dir} failed (${e.message}); nothing is lost (the log keeps what was not written) and it is retried every second`);
  }

  private writeSucceeded(): void {
    if (!this.failing) return;
    this.failing = false;
    this.o.logger.info(`metrics: writes to ${this.o.dir} succeed again`);
  }

  // ---- following the log ----

  private refreshTopics(): Promise<void> {
    this.refreshing ??= (async () => {
      try {
        const selected = await this.selector.select();
        if (this.closed) return;
        const keep = new Set<string>();
        let retention = 0;
        for (const { info, mode } of selected) {
          const r = info.config['retention.ms'];
          retention = Math.max(retention, r < 0 ? Infinity : r);
          const topicId = info.id.toString('hex');
          for (let p = 0; p < info.partitions; p++) {
            const key = `${info.name}-${p}`;
            keep.add(key);
            const known = this.follows.get(key);
            if (known && known.topicId === topicId) continue;
            if (known) this.unfollow(known);
            const log = this.o.logs.partition(info.name, p);
            if (log) this.follow(info.name, topicId, p, mode, log);
          }
        }
        this.topicRetentionMs = selected.length ? retention : Infinity;
        for (const f of [...this.follows.values()]) if (!keep.has(f.key)) this.unfollow(f);
      } catch (e) {
        this.o.logger.warn(`metrics: looking for metric topics failed: ${(e as Error).message}`);
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  private follow(topic: string, topicId: string, partition: number, mode: Follow['mode'], log: Follow['log']): void {
    const key = `${topic}-${partition}`;
    const saved = this.manifest.partitions[key];
    const valid = saved && saved.topicId === topicId && saved.checkpoint <= log.logEndOffset;
    const next = Math.max(log.logStartOffset, valid ? saved.checkpoint : 0);
    const f: Follow = { topic, topicId, partition, key, mode, log, next, replayedBelow: valid ? saved.applied : 0, lastRecordTs: -Infinity, onAppend: () => this.schedule() };
    this.follows.set(key, f);
    log.on('append', f.onAppend);
    this.schedule();
  }

  private unfollow(f: Follow): void {
    f.log.off('append', f.onAppend);
    this.follows.delete(f.key);
  }

  private schedule(): void {
    if (this.closed) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.pump();
    });
  }

  /** Reads every followed partition to its end, in slices of at most SLICE_MS before yielding the event loop. */
  private async pump(): Promise<void> {
    if (this.pumping || this.closed) return;
    this.pumping = true;
    try {
      let started = performance.now();
      do {
        this.again = false;
        for (const f of [...this.follows.values()]) {
          if (this.closed) return;
          const chunks = await readNext(f, READ_BYTES, this.o.logger, this.readScratch);
          if (chunks === 'gone') {
            this.unfollow(f);
            continue;
          }
          if (!chunks) continue;
          this.nowMs = Date.now();
          const visitor = this.visitor(f);
          let after = f.next;
          for (const c of chunks) after = Math.max(after, walkRecords(c, f.next, visitor));
          this.cur = null;
          if (after > f.next) {
            f.next = after;
            this.again = true;
          }
          if (performance.now() - started > SLICE_MS) {
            this.notify();
            await yieldLoop();
            started = performance.now();
          }
        }
        this.notify();
      } while (this.again && !this.closed);
    } catch (e) {
      this.o.logger.error(`metrics: applying records failed: ${(e as Error).stack ?? e}`);
    } finally {
      this.pumping = false;
    }
    if (this.frontierDue() > this.frontier) void this.seal();
  }

  private visitor(f: Follow): RecordVisitor {
    return {
      record: (data, s, e, offset, ts, influx) => {
        this.cur = f;
        this.curOffset = offset;
        if (ts > f.lastRecordTs) f.lastRecordTs = ts;
        this.applier.apply(f.mode, data, s, e, ts, influx, this.sink);
      },
      corrupt: (offset, why) => {
        this.applier.badLines++;
        this.o.logger.warn(`metrics: ${f.key}: skipping an unreadable batch at offset ${offset} (${why})`);
      },
    };
  }

  private rawHorizon(): number {
    const keep = this.o.config.rawRetentionMs ?? this.topicRetentionMs;
    return Number.isFinite(keep) ? this.nowMs - keep : -Infinity;
  }

  private addPoint(id: number, ts: number, v: number): void {
    if (!(ts > -MAX_ABS_TIMESTAMP_MS && ts < MAX_ABS_TIMESTAMP_MS) || ts > this.nowMs + MAX_FUTURE_MS) {
      this.droppedPoints++;
      return;
    }
    const start = ts - (((ts % HOUR) + HOUR) % HOUR);
    const f = this.cur!;
    if (start + HOUR <= this.frontier) {
      if (this.curOffset < f.replayedBelow) return; // on disk already: a replay after a restart
      if (start + HOUR <= this.rawHorizon()) {
        this.droppedPoints++;
        return;
      }
      this.latePoints++;
    }
    const h = this.hours.hour(start);
    if (h !== this.marked || f !== this.markedFollow) {
      if (!h.firstOffset.has(f.key)) h.firstOffset.set(f.key, this.curOffset);
      this.marked = h;
      this.markedFollow = f;
    }
    this.hours.append(h, id, ts, v);
    this.pointsApplied++;
    if (ts > this.newestMs) this.newestMs = ts;
    if (this.listeners.size > 0) this.touched.add(id);
  }

  private notify(): void {
    if (this.touched.size === 0) return;
    const ids = this.touched;
    this.touched = new Set();
    for (const l of this.listeners) {
      try {
        l(ids, this.newestMs);
      } catch (e) {
        this.o.logger.warn(`metrics: an append listener failed: ${(e as Error).message}`);
      }
    }
  }

  // ---- sealing hours and the checkpoint ----

  /** The frontier the clock and the partitions allow now: the watermark (the clock, or the slowest partition still catching up) minus lateness, aligned down to an hour. */
  private frontierDue(): number {
    let watermark = Date.now();
    for (const f of this.follows.values()) if (f.next < f.log.logEndOffset) watermark = Math.min(watermark, f.lastRecordTs);
    const due = Math.floor((watermark - this.o.config.latenessMs) / HOUR) * HOUR;
    return Number.isFinite(due) ? Math.max(this.frontier, due) : this.frontier;
  }

  /** Seals the hours that are due (and late points waiting), applies retention, writes the checkpoint. */
  seal(): Promise<void> {
    this.sealing ??= this.sealPass().finally(() => {
      this.sealing = null;
    });
    return this.sealing;
  }

  private async sealPass(): Promise<void> {
    if (this.closed) return;
    this.frontier = this.frontierDue();
    this.marked = null;
    const applied = new Map([...this.follows.values()].map((f) => [f.key, f.next]));
    const due = this.hours.take(this.frontier);
    try {
      await sealHours(due, this.sealer);
      this.registry.sync();
      this.hours.sealed();
    } catch (e) {
      this.writeFailed('sealing hours', e as Error);
      // Hours whose raw part went in place before the failure are sealed; the others are open again.
      for (const h of due) if (!h.written) this.hours.reopen(h);
      this.hours.sealed();
      return;
    }
    await this.writeCheckpoint(applied);
    this.nowMs = Date.now();
    const c = this.o.config;
    // After the checkpoint: an hour whose raw part ages out gets its 1m part written first, which may take a while
    // when retention was shortened, and nothing in the checkpoint depends on it.
    const keep1mAfter = this.nowMs - c.rollup1mRetentionMs;
    await this.tiers.ageOutRaw(this.rawHorizon(), keep1mAfter, (ids, hour) => this.reads.prevValuesOf(ids, hour), new SealScratch().blocks);
    this.tiers.dropBefore('1m', keep1mAfter);
    this.tiers.dropBefore('1h', this.nowMs - c.rollup1hRetentionMs);
    this.writeSucceeded();
  }

  private async writeCheckpoint(applied: Map<string, number>): Promise<void> {
    const partitions: Manifest['partitions'] = {};
    for (const f of this.follows.values()) {
      const a = applied.get(f.key) ?? f.next;
      // Records at or past `applied` are applied again after a restart even for sealed hours: late points still in
      // memory (not merged into their sealed hour yet) keep it at their first record, or a restart would skip them.
      const below = Math.min(Math.max(a, f.replayedBelow), this.hours.firstOffset(f.key, this.frontier));
      partitions[f.key] = { topicId: f.topicId, checkpoint: Math.min(a, this.hours.firstOffset(f.key)), applied: below };
    }
    this.manifest.frontier = this.frontier;
    this.manifest.partitions = partitions;
    await writeManifest(path.join(this.o.dir, 'manifest.json'), this.manifest);
  }

  /** Stops following, waits for the running apply and seal, writes the checkpoint (open hours are rebuilt from the log next time). */
  async close(): Promise<void> {
    if (this.closed) return;
    // Closed first: no new apply or seal pass starts; one already running finishes (its parts and checkpoint stay consistent).
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.sealing;
    await this.refreshing;
    while (this.pumping) await new Promise((r) => setTimeout(r, 2));
    for (const f of this.follows.values()) f.log.off('append', f.onAppend);
    const applied = new Map([...this.follows.values()].map((f) => [f.key, f.next]));
    try {
      this.registry.sync();
      await this.writeCheckpoint(applied);
    } catch (e) {
      // The previous checkpoint stays: the next start replays a little more of the log.
      this.o.logger.error(`metrics: writing the checkpoint at close failed (${(e as Error).message}); the next start reads the log from the previous one`);
    }
    this.registry.close();
    this.tiers.close();
  }

  /** Resolves once every followed partition has been applied up to its end as of the call (tests and benchmarks). */
  async caughtUp(timeoutMs = 30_000): Promise<void> {
    const ends = new Map([...this.follows.values()].map((f) => [f, f.log.logEndOffset]));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if ([...ends].every(([f, end]) => f.next >= end || !this.follows.has(f.key)) && !this.pumping) return;
      if (Date.now() > deadline) throw new Error(`metrics store did not catch up within ${timeoutMs} ms`);
      this.schedule();
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Looks for new metric topics now instead of at the next tick (tests). */
  rescanTopics(): Promise<void> {
    return this.refreshTopics();
  }

  // ---- MetricsReader ----

  measurements(prefix?: string): { name: string; series: number }[] {
    return this.registry.measurements(prefix);
  }

  fields(measurement: string): string[] {
    return this.registry.fields(measurement);
  }

  tagKeys(measurement: string): string[] {
    return this.registry.tagKeys(measurement);
  }

  tagValues(measurement: string, key: string, prefix?: string, limit?: number): string[] {
    return this.registry.tagValues(measurement, key, prefix, limit);
  }

  select(measurement: string, field: string, matchers: readonly TagMatcher[]): SeriesInfo[] {
    return this.registry.select(measurement, field, matchers);
  }

  readRaw(seriesId: number, fromMs: number, toMs: number): RawPoints {
    return this.reads.readRawMany([seriesId], fromMs, toMs)[0]!;
  }

  readRollups(seriesId: number, tier: Exclude<Tier, 'raw'>, fromMs: number, toMs: number): RollupRows {
    return this.reads.readRollupsMany([seriesId], tier, fromMs, toMs)[0]!;
  }

  readRawMany(seriesIds: readonly number[], fromMs: number, toMs: number): RawPoints[] {
    return this.reads.readRawMany(seriesIds, fromMs, toMs);
  }

  eachRaw(seriesIds: readonly number[], fromMs: number, toMs: number, visit: RawVisitor): void {
    this.reads.eachRaw(seriesIds, fromMs, toMs, visit);
  }

  eachRollup(seriesIds: readonly number[], tier: Exclude<Tier, 'raw'>, fromMs: number, toMs: number, visit: RollupVisitor): void {
    this.reads.eachRollup(seriesIds, tier, fromMs, toMs, visit);
  }

  readRollupsMany(seriesIds: readonly number[], tier: Exclude<Tier, 'raw'>, fromMs: number, toMs: number): RollupRows[] {
    return this.reads.readRollupsMany(seriesIds, tier, fromMs, toMs);
  }

  tierSpans(): TierSpan[] {
    return tierSpans(this.tiers, this.hours, this.newestMs);
  }

  typicalIntervalMs(seriesIds: readonly number[]): number {
    return this.hours.typicalInterval(seriesIds);
  }

  stats(): MetricsStats {
    let lag = 0;
    for (const f of this.follows.values()) lag += Math.max(0, f.log.logEndOffset - f.next);
    return {
      series: this.registry.size,
      maxSeries: this.o.config.maxSeries,
      maxSeriesPerMeasurement: this.o.config.maxSeriesPerMeasurement,
      seriesRefused: this.registry.refused,
      refusedByMeasurement: Object.fromEntries(this.registry.refusedBy),
      nearCap: this.registry.nearCap(),
      pointsApplied: this.pointsApplied,
      badLines: this.applier.badLines,
      skippedFields: this.applier.skippedFields,
      lagRecords: lag,
      bytesOnDisk: { ...this.tiers.bytes },
      latePoints: this.latePoints,
      droppedPoints: this.droppedPoints,
      memoryBytes: this.hours.bytes(),
    };
  }

  onAppend(listener: AppendListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Followed partitions and where the store is in each (for the overview and tests). */
  positions(): { topic: string; partition: number; next: number; mode: Follow['mode'] }[] {
    return [...this.follows.values()].map((f) => ({ topic: f.topic, partition: f.partition, next: f.next, mode: f.mode }));
  }
}
