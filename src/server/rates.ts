import { RateHistory, type RateHistoryColumns } from './rate-history.js';
import type { ApiServices, TrafficTotals } from './services.js';

/** Rates are averaged over this window (a 1 s sample each). */
const WINDOW_SAMPLES = 5;
const SAMPLE_MS = 1000;
/** The broker-wide rates kept for charts opened later: 5 minutes at one point a sample (the Overview's window). */
export const HISTORY_POINTS = 300;

interface Sample {
  at: number;
  traffic: TrafficTotals;
  /** Per topic: records (sum of log end offsets) and bytes appended. */
  topics: Map<string, { records: number; bytes: number }>;
  /** Per connected client id: records produced. */
  clients: Map<number, number>;
}

export interface Rates {
  recordsInPerSec: number;
  bytesInPerSec: number;
  recordsOutPerSec: number;
  bytesOutPerSec: number;
}

const perSec = (d: number, ms: number) => (ms > 0 ? Math.max(0, (d * 1000) / ms) : 0);

/**
 * Samples the broker's running totals once a second (counters only: sums of numbers the broker already keeps) and
 * answers per-second rates over the last few seconds, for the overview, topics and sources. Each sample also adds the
 * broker-wide rates to a fixed-size history, so a chart opened now can start with the last 5 minutes.
 */
export class RateSampler {
  private readonly samples: Sample[] = [];
  private readonly ring = new RateHistory(HISTORY_POINTS);
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly services: Pick<ApiServices, 'traffic' | 'logs' | 'clients'>) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), SAMPLE_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  sample(now = Date.now()): void {
    const topics = new Map<string, { records: number; bytes: number }>();
    for (const t of this.services.logs.stats()) {
      let records = 0;
      for (const p of t.partitions) records += p.logEndOffset;
      topics.set(t.name, { records, bytes: t.size });
    }
    const clients = new Map<number, number>();
    for (const c of this.services.clients()) clients.set(c.id, c.producedRecords);
    this.samples.push({ at: now, traffic: { ...this.services.traffic() }, topics, clients });
    if (this.samples.length > WINDOW_SAMPLES + 1) this.samples.shift();
    // The point is what overall() answers from now until the next sample, i.e. what the overview (and its WebSocket)
    // reported at this time: a chart seeded with the history and continued live has one kind of point throughout.
    // One sample alone has no rate yet.
    if (this.samples.length >= 2) this.ring.push(now, this.overall());
  }

  /** When the newest sample was taken (epoch ms): the time the current rates end at; null before the first sample. */
  newestAt(): number | null {
    return this.samples.length > 0 ? this.samples[this.samples.length - 1]!.at : null;
  }

  /** The broker-wide rates of the last 5 minutes, one point a sample, oldest first. */
  history(): RateHistoryColumns {
    return this.ring.toColumns();
  }

  private ends(): [Sample, Sample] | null {
    if (this.samples.length < 2) return null;
    return [this.samples[0]!, this.samples[this.samples.length - 1]!];
  }

  overall(): Rates {
    const e = this.ends();
    if (!e) return { recordsInPerSec: 0, bytesInPerSec: 0, recordsOutPerSec: 0, bytesOutPerSec: 0 };
    const [a, b] = e;
    const ms = b.at - a.at;
    return {
      recordsInPerSec: perSec(b.traffic.recordsIn - a.traffic.recordsIn, ms),
      bytesInPerSec: perSec(b.traffic.bytesIn - a.traffic.bytesIn, ms),
      recordsOutPerSec: perSec(b.traffic.recordsOut - a.traffic.recordsOut, ms),
      bytesOutPerSec: perSec(b.traffic.bytesOut - a.traffic.bytesOut, ms),
    };
  }

  /** Records and bytes appended per second to a topic (bytes: its size growth, so retention can hide some). */
  topic(name: string): { recordsInPerSec: number; bytesInPerSec: number } {
    const e = this.ends();
    const a = e?.[0].topics.get(name);
    const b = e?.[1].topics.get(name);
    if (!e || !a || !b) return { recordsInPerSec: 0, bytesInPerSec: 0 };
    const ms = e[1].at - e[0].at;
    return { recordsInPerSec: perSec(b.records - a.records, ms), bytesInPerSec: perSec(b.bytes - a.bytes, ms) };
  }

  /** Records per second one connected client produced (0 for one not seen in two samples). */
  client(id: number): number {
    const e = this.ends();
    if (!e) return 0;
    const newest = e[1].clients.get(id);
    if (newest === undefined) return 0;
    const first = this.samples.find((s) => s.clients.has(id));
    if (!first || first === e[1]) return 0;
    return perSec(newest - first.clients.get(id)!, e[1].at - first.at);
  }
}
