// Host metrics as a source: every interval, one record per measurement (and per core, mount, device, interface) in
// InfluxDB line protocol — the canonical metric format, encoded by src/ingest/line-protocol — written to a RecordSink.
import { pointToRecord } from '../../collect/line-protocol/index.js';
import type { Logger } from '../../common/logger.js';
import type { RecordSink } from '../../collect/record.js';
import { HostMetricsCollector } from './collector.js';

export { HostMetricsCollector, type CollectorOptions } from './collector.js';

export interface HostMetricsOptions {
  sink: RecordSink;
  topic: string;
  intervalMs: number;
  /** Tag `host` and header `host`. */
  host: string;
  /** Header `agent`. */
  agentName: string;
  logger: Logger;
  /** For tests: collect from node:os instead of /proc, or from a fixture /proc. */
  collector?: HostMetricsCollector;
}

export class HostMetricsSource {
  private readonly collector: HostMetricsCollector;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private paused = false;
  private failed = false;

  constructor(private readonly options: HostMetricsOptions) {
    this.collector = options.collector ?? new HostMetricsCollector({ host: options.host });
  }

  /** Collects at once (memory, load and disk space; rates need a second tick), then every intervalMs. */
  start(): void {
    if (this.timer) return;
    this.tick();
    this.timer = setInterval(() => this.tick(), this.options.intervalMs);
  }

  private tick(): void {
    if (this.running) return; // the previous tick is still collecting or writing: skip, do not pile up
    const { sink, logger } = this.options;
    if (sink.saturated) {
      if (!this.paused) logger.warn('host metrics paused: the buffer is full');
      this.paused = true;
      return;
    }
    if (this.paused) logger.info('host metrics resumed');
    this.paused = false;
    this.running = this.collectAndWrite().finally(() => {
      this.running = null;
    });
  }

  private async collectAndWrite(): Promise<void> {
    const { sink, topic, host, agentName, logger } = this.options;
    const now = Date.now();
    try {
      const points = await this.collector.collect(now);
      const records = points.map((p) => pointToRecord(p, now, { host, agent: agentName }));
      if (records.length > 0) await sink.write(topic, records);
      if (this.failed) logger.info('host metrics are collected again');
      this.failed = false;
    } catch (err) {
      if (!this.failed) logger.warn(`host metrics: ${(err as Error).message}`);
      this.failed = true;
    }
  }

  /** Stops the timer and waits for a tick in progress (its records reach the sink). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
