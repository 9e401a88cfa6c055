import type { AgentRecord, RecordSink } from '../../collect/record.js';
import type { Logger } from '../../common/logger.js';
import type { PrometheusConfig, PrometheusTarget } from '../config.js';
import { msToNs, pointToRecord } from '../../collect/line-protocol/index.js';
import { parseExposition } from '../../collect/prometheus/parse.js';
import { samplesToPoints } from '../../collect/prometheus/points.js';

export interface TargetStatus {
  url: string;
  job: string;
  instance: string;
  /** 1 when the last scrape succeeded, 0 when it failed, null before the first one. */
  up: 0 | 1 | null;
  scrapes: number;
  failures: number;
  lastScrapeAt: number | null;
  lastDurationMs: number | null;
  lastError: string | null;
  /** Samples written by the last successful scrape, and NaN/±Inf samples left out of it. */
  lastSamples: number;
  lastSkippedNonFinite: number;
}

const ACCEPT = 'text/plain;version=0.0.4;q=1,application/openmetrics-text;version=1.0.0;q=0.5,*/*;q=0.1';
/** Longest line of a scraped text (as for HTTP ingest bodies): checked before the line is parsed. */
export const SCRAPE_MAX_LINE_BYTES = 1024 * 1024;

/** The response text, read only up to `max` bytes (after decompression): a target cannot make the broker buffer more. */
async function readText(res: Response, max: number): Promise<string> {
  const tooLarge = (what: string) => new Error(`response${what} exceeds maxBodyBytes (${max} bytes); raise ingest.prometheus.maxBodyBytes or scrape less`);
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > max && !res.headers.get('content-encoding')) {
    await res.body?.cancel();
    throw tooLarge(` of ${declared} bytes`);
  }
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > max) {
      await reader.cancel();
      throw tooLarge('');
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total).toString('utf8');
}

/** Prometheus' instance label: host:port of the target, with the scheme's default port made explicit. */
export function instanceOf(url: string): string {
  const u = new URL(url);
  return u.port ? u.host : `${u.host}:${u.protocol === 'https:' ? 443 : 80}`;
}

/**
 * Scrapes each configured target every interval (fetch with the target's timeout, never two at once for one target),
 * turns every sample into a line-protocol record (tags: labels + instance + job + the target's labels, field
 * `value`) and writes them, plus an `up` series (1 or 0) per scrape as Prometheus records it. A failing target is
 * logged once when it goes down and once when it comes back, counted in its status, and never stops anything else.
 */
export class PrometheusScraper {
  private readonly targets: { config: PrometheusTarget; status: TargetStatus; timer: NodeJS.Timeout | null; running: Promise<void> | null }[];
  private stopped = false;
  private readonly abort = new AbortController();

  constructor(
    readonly config: PrometheusConfig,
    private readonly sink: RecordSink,
    private readonly log: Logger,
  ) {
    this.targets = config.targets.map((t) => ({
      config: t,
      timer: null,
      running: null,
      status: { url: t.url, job: t.job, instance: instanceOf(t.url), up: null, scrapes: 0, failures: 0, lastScrapeAt: null, lastDurationMs: null, lastError: null, lastSamples: 0, lastSkippedNonFinite: 0 },
    }));
  }

  /** First scrape of every target now, then one every interval. */
  start(): void {
    for (let i = 0; i < this.targets.length; i++) this.schedule(i, 0);
  }

  private schedule(i: number, delayMs: number): void {
    const t = this.targets[i]!;
    if (this.stopped) return;
    t.timer = setTimeout(() => {
      const started = Date.now();
      t.running = this.scrape(i).finally(() => {
        t.running = null;
        this.schedule(i, Math.max(0, t.config.intervalMs - (Date.now() - started)));
      });
    }, delayMs);
  }

  status(): TargetStatus[] {
    return this.targets.map((t) => ({ ...t.status }));
  }

  /** One scrape of target `i` (exported for tests); never rejects. */
  async scrape(i: number): Promise<void> {
    const t = this.targets[i]!;
    const { config, status } = t;
    const started = Date.now();
    const targetLabels = { ...config.labels, instance: status.instance, job: config.job };
    let records: AgentRecord[] = [];
    let error: string | null = null;
    try {
      const res = await fetch(config.url, {
        signal: AbortSignal.any([AbortSignal.timeout(config.timeoutMs), this.abort.signal]),
        headers: { Accept: ACCEPT, 'User-Agent': 'Tributary', 'X-Prometheus-Scrape-Timeout-Seconds': String(config.timeoutMs / 1000) },
      });
      if (!res.ok) {
        await res.body?.cancel();
        throw new Error(`HTTP ${res.status} ${res.statusText}`.trim());
      }
      const text = await readText(res, this.config.maxBodyBytes);
      const openMetrics = (res.headers.get('content-type') ?? '').startsWith('application/openmetrics-text');
      const samples = parseExposition(text, { openMetrics, maxLineBytes: SCRAPE_MAX_LINE_BYTES });
      const { points, skippedNonFinite } = samplesToPoints(samples, targetLabels, started);
      records = points.map(({ point, type }) => pointToRecord(point, started, type === 'untyped' ? {} : { metric_type: type }));
      status.lastSamples = records.length;
      status.lastSkippedNonFinite = skippedNonFinite;
    } catch (e) {
      const err = e as Error;
      error = err.name === 'TimeoutError' ? `no answer within ${config.timeoutMs} ms` : err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message;
      // fetch refuses the WHATWG "bad ports" (e.g. 6000, 6665-6669, 10080) outright.
      if (error.endsWith('bad port')) error += ' (fetch refuses to connect to this port; expose the exporter on another one)';
    }
    if (this.stopped) return; // shutting down: an aborted scrape is not a failing target
    const up = error === null ? 1 : 0;
    records.push(pointToRecord({ measurement: 'up', tags: targetLabels, fields: { value: up }, timestampNs: msToNs(started) }, started, { metric_type: 'gauge' }));
    status.scrapes++;
    status.lastScrapeAt = started;
    status.lastDurationMs = Date.now() - started;
    if (error !== null) {
      status.failures++;
      if (status.up !== 0) this.log.warn(`prometheus scrape of ${config.url} failed: ${error} (logged again only when it recovers)`);
    } else if (status.up === 0) this.log.info(`prometheus scrape of ${config.url} works again`);
    status.up = up;
    status.lastError = error;
    try {
      await this.sink.write(this.config.topic, records);
    } catch (e) {
      this.log.error(`could not write the scrape of ${config.url} to topic ${this.config.topic}: ${(e as Error).message}`);
    }
  }

  /** Stops scheduling and waits for scrapes in progress. */
  async close(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    for (const t of this.targets) if (t.timer) clearTimeout(t.timer);
    await Promise.all(this.targets.map((t) => t.running));
  }
}
