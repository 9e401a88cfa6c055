/** Slot value of an offset whose level is not known (no record there: a control batch, a gap after compaction). */
export const NO_RECORD_LEVEL = 255;
/** A block whose offsets spread this much wider than its records (compacted topics) keeps no per-record levels. */
const MAX_SPREAD = 4;

/**
 * The level column (LEVEL_COLUMNS) of each record of a block being built, by offset: the alert tap (src/alerts) reads
 * it to pass over the records whose level no rule counts without decoding them, so THE level of a record is computed
 * once, off the broker's thread, by the index builder that computes it anyway for the level counts.
 * One byte per offset from the block's first; held in memory only, for recently built blocks (TokenIndexer).
 */
export class RecordLevelsBuilder {
  private first = -1;
  private slots = new Uint8Array(4096).fill(NO_RECORD_LEVEL);
  private used = 0;
  private records = 0;
  private abandoned = false;

  set(offset: number, column: number): void {
    if (this.abandoned) return;
    if (this.first < 0) this.first = offset;
    const i = offset - this.first;
    this.records++;
    if (i < 0 || i > MAX_SPREAD * this.records + 4096) {
      this.abandoned = true; // out of order or sparse: no levels for this block, its records are decoded instead
      return;
    }
    if (i >= this.slots.length) {
      const grown = new Uint8Array(Math.max(i + 1, this.slots.length * 2)).fill(NO_RECORD_LEVEL);
      grown.set(this.slots.subarray(0, this.used));
      this.slots = grown;
    }
    this.slots[i] = column;
    if (i >= this.used) this.used = i + 1;
  }

  /** Give up: some record could not be read, so no level of this block can be vouched for. */
  abandon(): void {
    this.abandoned = true;
  }

  /** One byte per offset in [firstOffset, lastOffset] (its own buffer), or null when there are none to vouch for. */
  result(firstOffset: number, lastOffset: number): Uint8Array | null {
    if (this.abandoned || this.first < 0 || this.first < firstOffset) return null;
    const out = new Uint8Array(lastOffset - firstOffset + 1).fill(NO_RECORD_LEVEL);
    const at = this.first - firstOffset;
    if (at + this.used > out.length) return null;
    out.set(this.slots.subarray(0, this.used), at);
    return out;
  }
}
