import { literalOccurrences, queryByteRequirement, queryRequiredLevels, type ByteRequirement } from '../query/language/index.js';
import { anchorLiterals } from './anchor-literals.js';

/** Where a batch's bytes hold one of the literals: [start, end) pairs, sorted (byte-filter.ts literalOccurrences). */
type Occurrences = (buf: Buffer) => number[];
import type { RecordGate } from '../query/search/index.js';
import { LEVEL_COLUMNS } from '../storage/index.js';

/** Slot of an offset whose level the index does not know (storage/token-index/record-levels.ts). */
const UNKNOWN_SLOT = 255;

/** One byte per level column (and the unknown slot): 1 where a record at that level may match. */
export function levelMask(levels: ReadonlySet<string> | null): Uint8Array | null {
  if (!levels) return null;
  const mask = new Uint8Array(256);
  LEVEL_COLUMNS.forEach((l, i) => (mask[i] = levels.has(l) ? 1 : 0));
  mask[UNKNOWN_SLOT] = 1;
  return mask;
}

/**
 * Which records some alert query could match, told before decoding them when the token index knows each record's
 * level (blocks built from recent appends hold it): a record is decoded if its level is one a query requires
 * (`level:error …`), or if its bytes hold a literal of a query that requires no level (`"timeout" …`). A query that
 * requires neither (`service:api` alone) leaves nothing to pass over: then there is no gate (build() returns null).
 * For 70 rules where a third are `level:error` alone, a 2 %-error stream has 98 % of its records passed over on one
 * byte each plus one literal search, instead of each being decoded and its level parsed from its text.
 */
export class LevelGate {
  private constructor(
    /** Levels some query requires (unknown slot included: a record the index has no level for is decoded). */
    private readonly mask: Uint8Array,
    /** Literals of the queries that require no level; null when every query requires a level. */
    private readonly bytes: Occurrences | null,
  ) {}

  static build(queryTexts: readonly string[]): LevelGate | null {
    const mask = new Uint8Array(256);
    mask[UNKNOWN_SLOT] = 1;
    const literals: ByteRequirement[] = [];
    for (const text of queryTexts) {
      const own = levelMask(queryRequiredLevels(text));
      if (own) {
        for (let i = 0; i < own.length; i++) mask[i] |= own[i]!;
        continue;
      }
      const req = queryByteRequirement(text);
      if (req === 'any') return null;
      literals.push(req);
    }
    if (literals.length === 0) return new LevelGate(mask, null);
    const anchors = anchorLiterals(literals);
    if (!anchors || anchors.some((l) => l.needle.length === 0)) return null;
    return new LevelGate(mask, literalOccurrences(anchors));
  }

  /** The gate over one block's records, whose levels by offset from `firstOffset` are `levels`. */
  over(firstOffset: number, levels: Uint8Array): BlockGate {
    return new BlockGate(this.mask, this.bytes, firstOffset, levels);
  }
}

/** A LevelGate applied to one block; `level` is the column of the record last let through (255: not known). */
export class BlockGate implements RecordGate {
  level = UNKNOWN_SLOT;
  /** The batch last let through by batch() holds a record at a wanted level. */
  private batchHasLevel = false;
  /** Occurrences of the literals in the batch's bytes, and the first one a later record may hold. */
  private hits: number[] = [];
  private hit = 0;

  constructor(
    private readonly mask: Uint8Array,
    private readonly bytes: Occurrences | null,
    private readonly first: number,
    private readonly levels: Uint8Array,
  ) {}

  private levelAt(offset: number): number {
    const i = offset - this.first;
    return i >= 0 && i < this.levels.length ? this.levels[i]! : UNKNOWN_SLOT;
  }

  batch(baseOffset: number, lastOffset: number): boolean {
    let has = false;
    for (let o = baseOffset; o <= lastOffset && !has; o++) has = this.mask[this.levelAt(o)] === 1;
    this.batchHasLevel = has;
    return has || this.bytes !== null;
  }

  batchBytes(data: Buffer): boolean {
    // One search of the batch for the literals, instead of one per record.
    this.hits = this.bytes ? this.bytes(data) : [];
    this.hit = 0;
    return this.batchHasLevel || this.hits.length > 0;
  }

  record(offset: number, _data: Buffer, start: number, end: number): boolean {
    const level = this.levelAt(offset);
    this.level = level;
    // Records come in order: occurrences that start before this one are behind for good.
    const hits = this.hits;
    while (this.hit < hits.length && hits[this.hit]! < start) this.hit += 2;
    if (this.mask[level] === 1) return true;
    for (let i = this.hit; i < hits.length && hits[i]! < end; i += 2) if (hits[i + 1]! <= end) return true;
    return false;
  }
}
