import { SegmentTokenIndex, type IndexedSegment } from './segment-token-index.js';
import type { TokenBlock } from './token-block.js';
import type { TokenIndexer } from './token-indexer.js';

/** What a search must read in one partition, oldest first: indexed blocks, and byte ranges not indexed (yet). */
export type SearchSpan =
  | { kind: 'block'; block: TokenBlock }
  | { kind: 'unindexed'; segmentBase: number; start: number; end: number; firstOffset: number };

/** Sizes for "index size as % of the log" and for seeing how far indexing is behind. */
export interface TokenIndexStats {
  /** Bytes of the partition's sidecar files. */
  indexBytes: number;
  /** Bytes of the partition's segment logs. */
  logBytes: number;
  /** Log bytes covered by blocks; the rest is scanned by searches. */
  indexedBytes: number;
  blocks: number;
}

/** A segment as the partition sees it: the index's view plus where its files live. */
export interface PartitionSegment extends IndexedSegment {
  readonly dir: string;
}

/**
 * One partition's token indexes, one per segment, kept in step with the log: segments opened at start-up are loaded
 * (and what they lack rebuilt), appends cut blocks, a roll seals the last block, retention forgets a segment (its
 * files go with the segment's, see Segment.retire).
 */
export class PartitionTokenIndex {
  private readonly bySegment = new Map<number, SegmentTokenIndex>();
  /** The active segment's index: appends find it without a lookup. */
  private active: SegmentTokenIndex | null = null;

  constructor(
    private readonly indexer: TokenIndexer,
    /** Raw bytes of a segment through the fd cache (null: the segment is gone). */
    private readonly readSegment: (segmentBase: number, pos: number, length: number, into?: Buffer) => Promise<Buffer | null>,
    private readonly fileOf: (segmentBase: number) => string,
    private readonly warn: (m: string) => void,
  ) {}

  private make(seg: PartitionSegment, sealed: boolean): SegmentTokenIndex {
    const base = seg.baseOffset;
    const idx = new SegmentTokenIndex(seg, this.fileOf(base), (pos, length, into) => this.readSegment(base, pos, length, into), sealed, this.indexer.cache, this.warn);
    this.bySegment.set(base, idx);
    if (!sealed) this.active = idx;
    return idx;
  }

  /** Segments found on disk at start-up (the last one active): their sidecars are read in the background. */
  openExisting(segments: readonly PartitionSegment[]): void {
    segments.forEach((seg, i) => this.indexer.load(this.make(seg, i < segments.length - 1)));
  }

  /** A segment just created (a roll, a new partition): no sidecar exists yet. */
  created(seg: PartitionSegment): void {
    this.indexer.fresh(this.make(seg, false));
  }

  /** After every append to the active segment: a few comparisons, no allocation. */
  appended(seg: PartitionSegment): void {
    const idx = this.active;
    if (idx && idx.segment === seg) this.indexer.appended(idx, seg.size);
  }

  rolled(old: PartitionSegment, next: PartitionSegment): void {
    const idx = this.bySegment.get(old.baseOffset);
    if (idx) this.indexer.sealed(idx);
    this.created(next);
  }

  /** Retention removed the segment. */
  forget(seg: PartitionSegment): void {
    this.bySegment.get(seg.baseOffset)?.forget();
    this.bySegment.delete(seg.baseOffset);
    if (this.active?.segment === seg) this.active = null;
  }

  /** Close or topic deletion: no more work or writes. */
  forgetAll(): void {
    for (const idx of this.bySegment.values()) idx.forget();
    this.bySegment.clear();
    this.active = null;
  }

  /**
   * Every byte of `segments` (oldest first), as blocks where indexed and as unindexed ranges elsewhere; blocks that
   * end before `fromOffset` left out.
   */
  spans(segments: readonly PartitionSegment[], fromOffset = -Infinity): SearchSpan[] {
    const out: SearchSpan[] = [];
    for (const seg of segments) {
      const size = seg.size;
      if (size === 0) continue;
      let end = 0;
      let next = seg.baseOffset;
      const idx = this.bySegment.get(seg.baseOffset);
      for (const block of idx?.blocks ?? []) {
        if (block.end > size) break;
        // Blocks wholly before `fromOffset` are not wanted (the unindexed range after them still starts at their end).
        if (block.lastOffset >= fromOffset) out.push({ kind: 'block', block });
        end = block.end;
        next = block.lastOffset + 1;
      }
      if (size > end) out.push({ kind: 'unindexed', segmentBase: seg.baseOffset, start: end, end: size, firstOffset: next });
    }
    return out;
  }

  stats(segments: readonly PartitionSegment[]): TokenIndexStats {
    const s: TokenIndexStats = { indexBytes: 0, logBytes: 0, indexedBytes: 0, blocks: 0 };
    for (const seg of segments) {
      s.logBytes += seg.size;
      const idx = this.bySegment.get(seg.baseOffset);
      if (!idx) continue;
      s.indexBytes += idx.indexBytes;
      s.indexedBytes += Math.min(idx.coveredEnd, seg.size);
      s.blocks += idx.blocks.length;
    }
    return s;
  }
}

/** Spans of a partition without an index (searchIndex off): each segment one unindexed range. */
export function unindexedSpans(segments: readonly PartitionSegment[]): SearchSpan[] {
  return segments.filter((s) => s.size > 0).map((s) => ({ kind: 'unindexed', segmentBase: s.baseOffset, start: 0, end: s.size, firstOffset: s.baseOffset }));
}
