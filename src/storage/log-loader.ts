import fs from 'node:fs';
import path from 'node:path';
import { ATTR_CONTROL } from '../protocol/record-batch.js';
import { segmentIndexFor } from './log-reader.js';
import { PartitionLog, segmentSettings, type PartitionLogHooks } from './partition-log.js';
import { ProducerStateTable } from './producer-state.js';
import { loadLatestSnapshot } from './producer-snapshot.js';
import { forEachBatchHeader, lastIndexEntryValid, loadSegmentTail, recoverSegment } from './segment-scan.js';
import { DELETED_SUFFIX, LOG_SUFFIX, Segment, SEGMENT_SUFFIXES } from './segment.js';
import { trimTokenIndexSync } from './token-index/segment-token-index.js';
import { TOKEN_INDEX_SUFFIX } from './token-index/token-index-file.js';
import type { TopicConfig } from './types.js';

/**
 * Opening a partition (Kafka's LogLoader): list its segments, recover after an unclean
 * shutdown or sanity-check indexes after a clean one, and rebuild producer state.
 */

export interface LoadOptions {
  dir: string;
  topic: string;
  partition: number;
  config: TopicConfig;
  hooks: PartitionLogHooks;
  /** The data directory had its clean-shutdown marker. */
  clean: boolean;
  /** From recovery-point-offset-checkpoint; undefined means recover the whole partition. */
  recoveryPoint: number | undefined;
  /** From log-start-offset-checkpoint. */
  logStartOffset: number | undefined;
}

export interface Truncation {
  offset: number;
  bytes: number;
  reason: string;
}

const SEGMENT_FILE = /^(\d{20})\.(log|index|timeindex|tokens)$/;

/** Leftovers of interrupted work: retention's *.deleted, half-written *.tmp, indexes without a log. */
function listSegmentBases(dir: string): number[] {
  const files = fs.readdirSync(dir);
  const logs = new Set(files.filter((f) => f.endsWith(LOG_SUFFIX)).map((f) => f.slice(0, -LOG_SUFFIX.length)));
  const bases: number[] = [];
  for (const f of files) {
    const m = SEGMENT_FILE.exec(f);
    if (f.endsWith(DELETED_SUFFIX) || f.endsWith('.tmp') || (m && !logs.has(m[1]!))) fs.rmSync(path.join(dir, f), { force: true });
    else if (m && m[2] === 'log') bases.push(Number(m[1]));
  }
  return bases.sort((a, b) => a - b);
}

function removeSegmentFiles(seg: Segment): void {
  seg.close(false);
  for (const suffix of SEGMENT_SUFFIXES) fs.rmSync(Segment.filePath(seg.dir, seg.baseOffset, suffix), { force: true });
}

/**
 * Recovery cut `seg`'s log: its token index must not describe the bytes that are gone (appends will put others there).
 * With the index on, the blocks past the new end go; with it off the sidecar is not read, so it goes whole.
 */
function cutTokenIndex(seg: Segment, indexOn: boolean): void {
  const file = Segment.filePath(seg.dir, seg.baseOffset, TOKEN_INDEX_SUFFIX);
  if (indexOn) trimTokenIndexSync(file, seg.baseOffset, seg.size);
  else fs.rmSync(file, { force: true });
}

/**
 * Walk from the segment holding the recovery point to the end; at the first bad batch cut
 * that segment and delete every later one. Earlier segments are trusted (they were fsynced).
 */
function recover(segments: Segment[], start: number, indexOn: boolean): Truncation | null {
  for (let i = start; i < segments.length; i++) {
    const seg = segments[i]!;
    const outcome = recoverSegment(seg);
    seg.dirty = true; // verified from the page cache, maybe not on disk yet: fsync before trusting it
    if (outcome.reason === null) continue;
    cutTokenIndex(seg, indexOn);
    const dropped = segments.splice(i + 1);
    let bytes = outcome.truncatedBytes;
    for (const d of dropped) {
      bytes += d.size;
      removeSegmentFiles(d);
    }
    return { offset: seg.nextOffset, bytes, reason: outcome.reason };
  }
  return null;
}

/** Rebuild idempotent-producer state: the newest snapshot (its offset is returned, 0 if none), then every batch header after it. */
function loadProducers(dir: string, segments: Segment[], logEnd: number, warn: (m: string) => void, maxProducers?: number): { producers: ProducerStateTable; snapshotOffset: number } {
  const producers = new ProducerStateTable(maxProducers);
  const from = loadLatestSnapshot(dir, logEnd, producers, warn) ?? 0;
  if (from >= logEnd) return { producers, snapshotOffset: from };
  const now = Date.now();
  for (let i = segmentIndexFor(segments, from); i < segments.length; i++) {
    const seg = segments[i]!;
    const pos = seg.baseOffset <= from ? seg.offsetIndex.lookup(from) : 0;
    forEachBatchHeader(seg, pos, (h) => {
      if (h.baseOffset < from || h.producerId < 0 || h.baseSequence < 0 || h.attributes & ATTR_CONTROL) return;
      producers.update(h, h.baseOffset, h.maxTimestamp >= 0 ? h.maxTimestamp : now);
    });
  }
  return { producers, snapshotOffset: from };
}

export function loadPartitionLog(o: LoadOptions): { log: PartitionLog; truncation: Truncation | null } {
  const name = `${o.topic}-${o.partition}`;
  const warn = (m: string) => o.hooks.logger.warn(m);
  fs.mkdirSync(o.dir, { recursive: true });
  const settings = segmentSettings(o.config);
  const segments: Segment[] = [];
  const invalid = new Set<Segment>();
  for (const base of listSegmentBases(o.dir)) {
    const { segment, indexesValid } = Segment.open(o.dir, base, settings, o.hooks.files);
    segments.push(segment);
    if (!indexesValid) invalid.add(segment);
  }
  if (segments.length === 0) segments.push(Segment.create(o.dir, o.logStartOffset ?? 0, settings, Date.now(), o.hooks.files, true));

  // Clean shutdown: sanity-check every segment. Unclean: only those before the recovery point; the rest are recovered.
  const start = o.clean ? segments.length : o.recoveryPoint === undefined ? 0 : segmentIndexFor(segments, o.recoveryPoint);
  const last = segments[segments.length - 1]!;
  for (const seg of segments.slice(0, start)) {
    const ok = !invalid.has(seg) && (seg === last ? loadSegmentTail(seg) : lastIndexEntryValid(seg));
    if (ok) continue;
    warn(`${name}: index of segment ${seg.baseOffset} is missing or inconsistent; rebuilding it from the log`);
    const outcome = recoverSegment(seg);
    if (outcome.reason) cutTokenIndex(seg, !!o.hooks.tokens);
    if (outcome.reason) warn(`${name}: segment ${seg.baseOffset} had ${outcome.truncatedBytes} bad bytes at its end (${outcome.reason}); truncated them`);
  }
  let truncation: Truncation | null = null;
  let recovered: Segment[] = [];
  if (!o.clean) {
    const before = segments.length;
    truncation = recover(segments, start, !!o.hooks.tokens);
    recovered = segments.slice(start);
    if (truncation) {
      const later = before - segments.length;
      o.hooks.logger.warn(
        `recovered ${name}: truncated ${truncation.bytes} bytes at offset ${truncation.offset} (${truncation.reason})` +
          (later ? `, including ${later} later segment(s)` : ''),
      );
    }
  }
  for (let i = 0; i + 1 < segments.length; i++) segments[i]!.nextOffset = segments[i + 1]!.baseOffset;
  const active = segments[segments.length - 1]!;
  if (active.firstBatchTimestamp < 0) active.loadFirstBatchTimestamp();
  const logEnd = active.nextOffset;
  const { producers, snapshotOffset } = loadProducers(o.dir, segments, logEnd, warn, o.hooks.maxProducersPerPartition);
  const recoveryPoint = o.clean ? logEnd : Math.min(o.recoveryPoint ?? 0, logEnd);
  const log = new PartitionLog(o.dir, o.topic, o.partition, o.config, segments, o.logStartOffset ?? 0, recoveryPoint, producers, o.hooks);
  log.snapshotOffset = snapshotOffset;
  log.requireSync(recovered);
  log.startTokenIndex(false);
  return { log, truncation };
}

/**
 * A brand-new, empty partition in a directory the caller has just created. No I/O: the
 * first append creates the segment file, and until then there is nothing to recover.
 */
export function newPartitionLog(o: Pick<LoadOptions, 'dir' | 'topic' | 'partition' | 'config' | 'hooks'>): PartitionLog {
  const segment = Segment.create(o.dir, 0, segmentSettings(o.config), Date.now(), o.hooks.files, true);
  const log = new PartitionLog(o.dir, o.topic, o.partition, o.config, [segment], 0, 0, new ProducerStateTable(o.hooks.maxProducersPerPartition), o.hooks);
  log.startTokenIndex(true);
  return log;
}
