import { bloomHasAll } from './bloom-filter.js';
import { decodeLevelCounts, type LevelCounts } from './level-counts.js';
import type { BlockMeta } from './token-index-file.js';

/** One indexed block of a segment (the read API's contract: see index.ts). */
export interface TokenBlock {
  segmentBase: number;
  start: number;
  end: number;
  firstOffset: number;
  lastOffset: number;
  minTimestamp: number;
  maxTimestamp: number;
  records: number;
  /** False only when some hash is certainly in none of the block's records; true for an empty list. */
  mayContainAll(hashes: readonly number[]): boolean;
  /** Its records per level and time bucket, or null when the block has none (then read it to count). */
  levelCounts(): LevelCounts | null;
  /**
   * The level column (LEVEL_COLUMNS index) of the record at each offset from firstOffset to lastOffset, 255 where
   * none is known; null when not held (only blocks built recently from appends hold them, in memory). Optional:
   * blocks from elsewhere have none.
   */
  recordLevels?(): Uint8Array | null;
}

/** Where a block's filter comes from when it is not in memory; null when it cannot be had (then: may contain). */
export interface FilterSource {
  loadFilter(block: StoredBlock): Uint8Array | null;
}

/**
 * The filters held in memory, over all partitions, least recently used dropped beyond `budget` bytes; a dropped one
 * is read back from its sidecar file (and its CRC checked again) when a search asks.
 */
export class FilterCache {
  private readonly held = new Map<StoredBlock, Uint8Array>();
  private bytes = 0;

  constructor(readonly budget: number) {}

  get heldBytes(): number {
    return this.bytes;
  }

  get(block: StoredBlock): Uint8Array | undefined {
    const f = this.held.get(block);
    if (f) {
      this.held.delete(block);
      this.held.set(block, f);
    }
    return f;
  }

  put(block: StoredBlock, filter: Uint8Array): void {
    if (filter.length > this.budget) return;
    this.drop(block);
    this.held.set(block, filter);
    this.bytes += filter.length;
    for (const [b, f] of this.held) {
      if (this.bytes <= this.budget) break;
      this.held.delete(b);
      this.bytes -= f.length;
    }
  }

  drop(block: StoredBlock): void {
    const f = this.held.get(block);
    if (!f) return;
    this.held.delete(block);
    this.bytes -= f.length;
  }
}

export class StoredBlock implements TokenBlock {
  readonly start: number;
  readonly end: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
  readonly minTimestamp: number;
  readonly maxTimestamp: number;
  readonly records: number;
  readonly probes: number;
  readonly filterBytes: number;
  readonly distinctTokens: number;
  /** Set when the filter read back from disk failed its CRC: never trusted again (the segment is rebuilt). */
  untrusted = false;
  /** The encoded level counts (a few dozen bytes for a block filled in seconds; CRC checked when read or built). */
  private readonly counts: Uint8Array | null;

  constructor(
    readonly segmentBase: number,
    meta: BlockMeta,
    /** Position of the entry in the sidecar file; -1 when it is only in memory (the file could not be written). */
    readonly filePos: number,
    private readonly cache: FilterCache,
    private readonly source: FilterSource,
    counts: Uint8Array,
    private levels: Uint8Array | null = null,
  ) {
    // A copy: `counts` is a view of the whole entry or file body, which should not be kept alive for a few bytes.
    this.counts = counts.length > 0 && meta.probes > 0 ? Uint8Array.from(counts) : null;
    this.start = meta.start;
    this.end = meta.end;
    this.firstOffset = meta.firstOffset;
    this.lastOffset = meta.lastOffset;
    this.minTimestamp = meta.minTimestamp;
    this.maxTimestamp = meta.maxTimestamp;
    this.records = meta.records;
    this.probes = meta.probes;
    this.filterBytes = meta.filterBytes;
    this.distinctTokens = meta.distinctTokens;
  }

  recordLevels(): Uint8Array | null {
    return this.levels;
  }

  /** Let go of the per-record levels; returns the bytes freed. */
  dropRecordLevels(): number {
    const n = this.levels?.length ?? 0;
    this.levels = null;
    return n;
  }

  levelCounts(): LevelCounts | null {
    return this.counts ? decodeLevelCounts(this.counts, this.records) : null;
  }

  mayContainAll(hashes: readonly number[]): boolean {
    if (hashes.length === 0 || this.probes === 0 || this.untrusted) return true;
    let filter = this.cache.get(this);
    if (!filter) {
      const loaded = this.source.loadFilter(this);
      if (!loaded) return true;
      this.cache.put(this, loaded);
      filter = loaded;
    }
    return bloomHasAll(filter, this.probes, hashes);
  }
}
