import type { CompiledQuery, RecordView } from '../language/index.js';

/** Distinct group values remembered; records with further values are counted in the `other` series. */
export const MAX_LOG_GROUPS = 10_000;
/** A value longer than this is cut (a stack trace is not a group). */
const MAX_VALUE_CHARS = 200;
const OTHER = '\u0000other';

export interface LogSeries {
  /** {[by]: value} (a record without the field: ""), {} without `by`. */
  tags: Record<string, string>;
  /** Matching records per bucket (0 where none: a count is never unknown). */
  values: number[];
  /** True for the series that sums the groups beyond the limit. */
  other?: boolean;
}

/**
 * Matching records per bucket start and group value. Buckets are keyed by their start (ms), so a live count can slide
 * its window and take records whose time falls in any bucket.
 */
export class LogCounts {
  private readonly groups = new Map<string, Map<number, number>>();

  constructor(
    private readonly query: CompiledQuery,
    private readonly by: string | null,
    readonly step: number,
  ) {}

  /** The group of a record: `level` as the language normalises it, else the field as facets see it. */
  private groupOf(r: RecordView): string {
    if (this.by === null) return '';
    const v = this.by === 'level' ? this.query.levelOf(r) : this.query.fieldOf(r, this.by);
    if (v === null) return '';
    return v.length > MAX_VALUE_CHARS ? `${v.slice(0, MAX_VALUE_CHARS)}…` : v;
  }

  /** Counts one matching record; returns its bucket start. */
  add(r: RecordView): number {
    const start = Math.floor(r.timestamp / this.step) * this.step;
    let g = this.groupOf(r);
    let m = this.groups.get(g);
    if (!m) {
      if (this.groups.size >= MAX_LOG_GROUPS) g = OTHER;
      m = this.groups.get(g);
      if (!m) this.groups.set(g, (m = new Map()));
    }
    m.set(start, (m.get(start) ?? 0) + 1);
    return start;
  }

  /** Forgets buckets before `start` (a live window slid past them). */
  dropBefore(start: number): void {
    for (const [g, m] of this.groups) {
      for (const s of m.keys()) if (s < start) m.delete(s);
      if (m.size === 0) this.groups.delete(g);
    }
  }

  /** Columns for buckets first, first+step, … (count of them): the `limit` groups with most records, the rest summed. */
  columns(first: number, count: number, limit: number): LogSeries[] {
    const rows: { key: string; values: number[]; total: number }[] = [];
    for (const [key, m] of this.groups) {
      const values = new Array<number>(count).fill(0);
      let total = 0;
      for (const [s, n] of m) {
        const i = (s - first) / this.step;
        if (i >= 0 && i < count) {
          values[i] = n;
          total += n;
        }
      }
      if (total > 0) rows.push({ key, values, total });
    }
    rows.sort((a, b) => (a.key === OTHER ? 1 : 0) - (b.key === OTHER ? 1 : 0) || b.total - a.total || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const tags = (key: string): Record<string, string> => (this.by === null ? {} : { [this.by]: key });
    const shown = rows.filter((r) => r.key !== OTHER).slice(0, limit);
    const out: LogSeries[] = shown.map((r) => ({ tags: tags(r.key), values: r.values }));
    const rest = rows.filter((r) => !shown.includes(r));
    if (rest.length) {
      const values = new Array<number>(count).fill(0);
      for (const r of rest) for (let i = 0; i < count; i++) values[i] += r.values[i]!;
      out.push({ tags: tags('(other)'), values, other: true });
    }
    return out;
  }
}
