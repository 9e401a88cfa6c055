// Random access to one partition's records by list row, for the Messages list: row i is offset `start + i` (oldest
// first) or `end - 1 - i` (newest first), so the list can be as long as the partition and the scrollbar can jump
// anywhere in it without loading what lies between. Pages are fetched only for rows on screen, at most two at a time,
// and only the most recently used pages are kept, so memory stays bounded whatever the partition's size.
import { api, type Rec } from './api';

export const PAGE_ROWS = 250;
const MAX_PAGES = 160; // 40,000 records
const PARALLEL = 2;

export interface OffsetRange {
  topic: string;
  partition: number;
  /** First offset of the list's range (inclusive) and its end (exclusive). */
  start: number;
  end: number;
  newestFirst: boolean;
}

export class OffsetPages {
  private readonly pages = new Map<number, Map<number, Rec>>();
  private readonly loading = new Set<number>();
  private wanted: number[] = [];
  private closed = false;
  readonly count: number;

  constructor(
    readonly range: OffsetRange,
    /** Called when a page arrived (re-render) or failed (message). */
    private readonly onChange: (error?: string) => void,
  ) {
    this.count = Math.max(0, range.end - range.start);
  }

  offsetAt(i: number): number {
    return this.range.newestFirst ? this.range.end - 1 - i : this.range.start + i;
  }

  indexOf(offset: number): number {
    const i = this.range.newestFirst ? this.range.end - 1 - offset : offset - this.range.start;
    return i >= 0 && i < this.count ? i : -1;
  }

  /** The record at row i, null when its page is loaded but holds no record at that offset, undefined while loading. */
  at(i: number): Rec | null | undefined {
    const page = this.pages.get(Math.floor(i / PAGE_ROWS));
    if (!page) return undefined;
    return page.get(this.offsetAt(i)) ?? null;
  }

  /** Rows first..last are on screen: fetch their pages (and forget requests for rows no longer shown). */
  show(first: number, last: number): void {
    const want: number[] = [];
    for (let p = Math.floor(first / PAGE_ROWS); p <= Math.floor(Math.max(first, last - 1) / PAGE_ROWS); p++) {
      if (this.pages.has(p)) this.touch(p);
      else if (!this.loading.has(p) && p * PAGE_ROWS < this.count) want.push(p);
    }
    this.wanted = want;
    this.pump();
  }

  close(): void {
    this.closed = true;
    this.wanted = [];
  }

  private touch(p: number): void {
    const page = this.pages.get(p)!;
    this.pages.delete(p);
    this.pages.set(p, page);
  }

  private pump(): void {
    while (this.loading.size < PARALLEL && this.wanted.length > 0) void this.load(this.wanted.shift()!);
  }

  private async load(p: number): Promise<void> {
    this.loading.add(p);
    // The page's offsets, lowest first: rows p*PAGE_ROWS.. map to a contiguous run of offsets in either order.
    const a = this.offsetAt(p * PAGE_ROWS);
    const b = this.offsetAt(Math.min(this.count, (p + 1) * PAGE_ROWS) - 1);
    const lo = Math.min(a, b);
    const hi = Math.max(a, b);
    try {
      const res = await api.browse(this.range.topic, { seek: 'offset', offset: lo, partition: this.range.partition, direction: 'forward', limit: hi - lo + 1 });
      if (this.closed) return;
      const page = new Map<number, Rec>();
      for (const r of res.records) if (r.offset <= hi) page.set(r.offset, r);
      this.pages.set(p, page);
      while (this.pages.size > MAX_PAGES) this.pages.delete(this.pages.keys().next().value!);
      this.onChange();
    } catch (e) {
      if (!this.closed) this.onChange((e as Error).message);
    } finally {
      this.loading.delete(p);
      if (!this.closed) this.pump();
    }
  }
}
