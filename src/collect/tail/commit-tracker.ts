/**
 * One file's committed offset. Records are handed out in batches; the sink may acknowledge them out of order (two
 * writes in flight), so the committed offset only moves over a gap-free run of acknowledged batches: committing batch 2
 * before batch 1 does not let a crash skip batch 1. Within a batch, committing a record's position means every record
 * of that file before it in the batch is acknowledged too.
 */
const MAX_RANGES = 4096;

export class CommitTracker {
  /** End offset of each handed-out, not fully acknowledged batch range, ascending; a range starts at the previous end. */
  private ends: number[] = [];
  /** How far into each range acknowledgements reach. */
  private acked: number[] = [];
  private head = 0;
  committed: number;

  constructor(start: number) {
    this.committed = start;
  }

  /** Records up to `end` were handed out in one batch. */
  handOut(end: number): void {
    const last = this.ends.length > this.head ? this.ends[this.ends.length - 1]! : this.committed;
    if (end <= last) return;
    this.ends.push(end);
    this.acked.push(last);
    if (this.ends.length - this.head > MAX_RANGES) this.mergeOldest();
  }

  /** Everything handed out so far (the committed offset when nothing is outstanding). */
  get handedOut(): number {
    return this.ends.length > this.head ? this.ends[this.ends.length - 1]! : this.committed;
  }

  get outstanding(): boolean {
    return this.ends.length > this.head;
  }

  /** A record ending at `offset` is acknowledged; returns whether the committed offset moved. */
  ack(offset: number): boolean {
    if (offset <= this.committed) return false;
    let lo = this.head;
    let hi = this.ends.length - 1;
    if (hi < lo || offset > this.ends[hi]!) return false; // never handed out: stale or foreign
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ends[mid]! < offset) lo = mid + 1;
      else hi = mid;
    }
    if (offset > this.acked[lo]!) this.acked[lo] = offset;
    const before = this.committed;
    while (this.head < this.ends.length && this.acked[this.head]! >= this.ends[this.head]!) {
      this.committed = this.ends[this.head]!;
      this.head++;
    }
    if (this.head < this.ends.length && this.acked[this.head]! > this.committed) this.committed = this.acked[this.head]!;
    if (this.head > 1024 && this.head * 2 > this.ends.length) {
      this.ends = this.ends.slice(this.head);
      this.acked = this.acked.slice(this.head);
      this.head = 0;
    }
    return this.committed !== before;
  }

  /** Bounds memory when nothing is committed for a long time: the two oldest ranges become one. */
  private mergeOldest(): void {
    const h = this.head;
    const acked = this.acked[h]! < this.ends[h]! ? this.acked[h]! : this.acked[h + 1]!;
    this.ends.splice(h, 1);
    this.acked.splice(h, 1);
    this.acked[h] = acked;
  }
}
