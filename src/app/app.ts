import { Broker } from '../broker/broker.js';
import type { Logger } from '../common/logger.js';
import { Ingest, ingestConfigured } from '../ingest/index.js';
import type { ListenerInfo } from '../ingest/listener-info.js';
import type { ServeConfig } from './serve-config.js';

/**
 * The composition root: builds the running services from one ServeConfig, in dependency order (storage and the
 * Kafka listener, then direct ingest), and tears them down in reverse. Nothing below this layer starts another
 * service or handles process signals.
 */
export class App {
  private stopping: Promise<void> | null = null;

  private constructor(
    readonly broker: Broker,
    /** Direct ingest (syslog, HTTP, scrapes, files) when configured. */
    readonly ingest: Ingest | null,
  ) {}

  static async start(config: ServeConfig, log: Logger): Promise<App> {
    const broker = await Broker.start(config.broker, log);
    let ingest: Ingest | null = null;
    if (ingestConfigured(config.ingest)) {
      try {
        ingest = await Ingest.start(broker, config.ingest, log);
      } catch (e) {
        await broker.stop();
        throw e;
      }
    }
    return new App(broker, ingest);
  }

  /** Every listener besides Kafka's, in a stable order (syslog udp, syslog tcp, http). */
  listeners(): ListenerInfo[] {
    return this.ingest?.listeners() ?? [];
  }

  /** Ingest first, so its sources write what they already received while storage is still open; then the broker. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.ingest?.stop().catch((e: Error) => this.broker.log.error(`stopping ingest failed: ${e.message}`));
      await this.broker.stop();
    })();
    return this.stopping;
  }
}
