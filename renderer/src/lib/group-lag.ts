// Consumer lag for the Groups view, beyond the record count the API gives: lag in time (now minus the timestamp of
// the oldest record not yet consumed, the one at the committed offset) and lag over time (samples taken while the
// view is open). Timestamps are fetched once per committed offset (a one-record browse with a 1-byte value), for at
// most MAX_LOOKUPS partitions per refresh; samples are capped, so a view left open stays bounded.
import { api, type GroupDetail } from './api';

const MAX_LOOKUPS = 64;
export const MAX_SAMPLES = 200;

const keyOf = (p: { topic: string; partition: number }) => `${p.topic}\u0000${p.partition}`;

export class GroupLag {
  /** Timestamp of the record at a committed offset, by "topic partition" then offset. */
  private readonly stamps = new Map<string, { offset: number; ts: number | null }>();
  readonly times: number[] = [];
  readonly total: number[] = [];
  readonly perPartition = new Map<string, number[]>();

  constructor(readonly group: string) {}

  /** Adds a sample of the group's lag (records) and refreshes the committed records' timestamps. */
  async sample(d: GroupDetail, now = Date.now()): Promise<void> {
    this.times.push(now);
    this.total.push(d.totalLag);
    for (const p of d.partitions) {
      const k = keyOf(p);
      let xs = this.perPartition.get(k);
      if (!xs) this.perPartition.set(k, (xs = new Array<number>(this.times.length - 1).fill(NaN)));
      xs.push(p.lag ?? NaN);
    }
    if (this.times.length > MAX_SAMPLES) {
      this.times.shift();
      this.total.shift();
      for (const xs of this.perPartition.values()) xs.shift();
    }
    let lookups = 0;
    await Promise.all(
      d.partitions.map(async (p) => {
        if (!p.lag || p.committedOffset === null) return;
        const k = keyOf(p);
        if (this.stamps.get(k)?.offset === p.committedOffset || lookups >= MAX_LOOKUPS) return;
        lookups++;
        try {
          const page = await api.browse(p.topic, { seek: 'offset', offset: p.committedOffset, partition: p.partition, direction: 'forward', limit: 1, maxValueBytes: 1 });
          const r = page.records[0];
          this.stamps.set(k, { offset: p.committedOffset, ts: r ? r.timestamp : null });
        } catch {
          // shown as unknown
        }
      }),
    );
  }

  /** How far behind a partition is in time (ms): 0 when caught up, null when unknown. */
  lagMs(p: GroupDetail['partitions'][number], now = Date.now()): number | null {
    if (p.lag === 0) return 0;
    if (p.lag === null || p.committedOffset === null) return null;
    const s = this.stamps.get(keyOf(p));
    return s && s.offset === p.committedOffset && s.ts !== null ? Math.max(0, now - s.ts) : null;
  }

  series(p: { topic: string; partition: number }): number[] {
    return this.perPartition.get(keyOf(p)) ?? [];
  }
}
