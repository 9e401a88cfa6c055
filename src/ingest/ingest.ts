import type { Logger } from '../common/logger.js';
import type { IngestConfig } from './config.js';
import { startFileIngest, type FileIngest, type FileIngestStats } from './files.js';
import { HttpIngest, type HttpIngestStats } from './http/server.js';
import type { ListenerInfo } from './listener-info.js';
import { LocalProducer, type LocalLog, type LocalProducerStats } from './local-producer.js';
import { PrometheusScraper, type TargetStatus } from './prometheus/scraper.js';
import { SenderTally, talliedSink, type DirectSender } from './sender-tally.js';
import { SyslogIngest, type SyslogStats } from './syslog/service.js';
import type { SharedTls } from './tls-options.js';

/** What ingest needs from the broker: its log (for the LocalProducer) and its data directory (for checkpoints). */
export interface IngestHost extends LocalLog {
  readonly config: { dataDir: string };
}

export interface IngestStats {
  /** Everything ingest wrote into the log. */
  written: LocalProducerStats;
  syslog: SyslogStats | null;
  http: HttpIngestStats | null;
  /** One entry per scrape target, with `up`. */
  prometheus: TargetStatus[] | null;
  files: FileIngestStats | null;
}

export function ingestConfigured(c: IngestConfig): boolean {
  return c.syslog !== null || c.http !== null || c.prometheus !== null || c.files !== null;
}

/**
 * Direct ingest on the broker: the configured syslog, HTTP, Prometheus-scrape and file sources, all writing through
 * one LocalProducer into the embedded log. Started after the Kafka listener; stopped before storage closes, so every
 * record already received is written.
 */
export class Ingest {
  private syslog: SyslogIngest | null = null;
  private http: HttpIngest | null = null;
  private scraper: PrometheusScraper | null = null;
  private files: FileIngest | null = null;
  readonly producer: LocalProducer;
  /** Records per syslog and HTTP sender (source-silent alert rules watch them). */
  private readonly tally = new SenderTally();

  private constructor(host: IngestHost) {
    this.producer = new LocalProducer(host);
  }

  /** `sharedTls` gives the Kafka TLS listeners' certificate to the TLS listeners configured without their own. */
  static async start(host: IngestHost, config: IngestConfig, log: Logger, sharedTls: SharedTls | null = null): Promise<Ingest> {
    const ingest = new Ingest(host);
    const sink = ingest.producer;
    // Made (or read) once, however many listeners use it.
    let shared: ReturnType<SharedTls> | null = null;
    const once: SharedTls | null = sharedTls && (() => (shared ??= sharedTls()));
    try {
      if (config.syslog) ingest.syslog = await SyslogIngest.start(config.syslog, talliedSink(sink, 'syslog', ingest.tally), log, once);
      if (config.http) ingest.http = await HttpIngest.start(config.http, talliedSink(sink, 'http', ingest.tally), log, once);
      if (config.prometheus) {
        ingest.scraper = new PrometheusScraper(config.prometheus, sink, log);
        ingest.scraper.start();
      }
      if (config.files) ingest.files = await startFileIngest(config.files, host.config.dataDir, sink, log);
    } catch (e) {
      await ingest.stop();
      throw e;
    }
    return ingest;
  }

  /** Bound addresses (real ports when 0 was configured), in a stable order: syslog udp, syslog tcp, syslog tls, http. */
  listeners(): ListenerInfo[] {
    return [...(this.syslog?.listeners() ?? []), ...(this.http?.listeners() ?? [])];
  }

  /** The syslog and HTTP senders seen since start, with their record counts. */
  senders(): DirectSender[] {
    return this.tally.list();
  }

  stats(): IngestStats {
    return {
      written: { ...this.producer.stats },
      syslog: this.syslog?.stats() ?? null,
      http: this.http?.stats() ?? null,
      prometheus: this.scraper?.status() ?? null,
      files: this.files?.stats() ?? null,
    };
  }

  /** Stops every source (each writes what it already received), then closes the producer. */
  async stop(): Promise<void> {
    await Promise.all([this.syslog?.close(), this.http?.close(), this.scraper?.close(), this.files?.close()]);
    await this.producer.close();
  }
}
