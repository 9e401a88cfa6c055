import { AlertEngine, parseAlertsConfig } from '../alerts/index.js';
import { Broker } from '../broker/broker.js';
import { limitsOf } from '../broker/limits.js';
import type { Logger } from '../common/logger.js';
import { packageVersion } from '../common/package-info.js';
import { Ingest, ingestConfigured } from '../ingest/index.js';
import type { ListenerInfo } from '../ingest/listener-info.js';
import type { IngestConfig } from '../ingest/config.js';
import { ingestEndpoints } from './ingest-endpoints.js';
import { sharedTls } from './shared-tls.js';
import { LocalProducer } from '../ingest/local-producer.js';
import path from 'node:path';
import { parseMetricsConfig } from '../metrics/config.js';
import { MetricsStore } from '../metrics/store/index.js';
import { ApiServer, type ApiServices } from '../server/index.js';
import { METRICS_DIR } from '../storage/data-dir.js';
import type { ServeConfig } from './serve-config.js';
import { Connections } from '../ingest/follow/connections.js';
import { Flows } from '../flows/index.js';
import { usesSasl } from '../broker/listeners.js';
import { ensureAgentUser, type CreatedAgentUser } from '../broker/security/agent-user.js';
import { securitySettings } from './security-settings.js';
import { alertsTopicWriter } from './alerts-topic.js';

/**
 * The composition root: builds the running services from one ServeConfig, in dependency order (storage and the
 * Kafka listener, then direct ingest, then the API), and tears them down in reverse. Nothing below this layer starts
 * another service or handles process signals.
 */
export class App {
  private stopping: Promise<void> | null = null;

  private constructor(
    readonly broker: Broker,
    /** Direct ingest (syslog, HTTP, scrapes, files) when configured. */
    readonly ingest: Ingest | null,
    /** The metrics store, unless metrics are off. */
    readonly metrics: MetricsStore | null,
    /** The HTTP/WebSocket API, unless it is off. */
    readonly api: ApiServer | null,
    /** Other Kafka clusters and the topics followed from them. */
    readonly connections: Connections,
    /** Local topics forwarded elsewhere (derived topics, remote clusters, files, HTTP endpoints). */
    readonly flows: Flows,
    /** The agent user this start created (the first with a SASL listener), with its password, to be shown once. */
    readonly agentCreated: CreatedAgentUser | null,
    /** Alert rules evaluated continuously (always running: rules may be added through the API). */
    readonly alerts: AlertEngine,
  ) {}

  static async start(config: ServeConfig, log: Logger): Promise<App> {
    const startedAt = Date.now();
    // Before the broker listens, so the first agent that connects finds its user.
    const agentCreated = config.broker.listeners.some((l) => usesSasl(l.protocol)) ? await ensureAgentUser(config.broker.dataDir) : null;
    if (agentCreated) log.info(`created SASL user ${agentCreated.user} with a generated password (kept in DATA/tls/agent.password until \`tributary users passwd ${agentCreated.user}\`)`);
    const broker = await Broker.start(config.broker, log);
    let ingest: Ingest | null = null;
    let api: ApiServer | null = null;
    let metrics: MetricsStore | null = null;
    const connections = new Connections(config.broker.dataDir, config.connections ?? [], { logs: broker.logs, topics: broker.topics }, log);
    let alerts: AlertEngine | null = null;
    const flows = new Flows(config.broker.dataDir, config.flows ?? [], { logs: broker.logs, topics: broker.topics, connection: (name) => connections.client(name) }, log);
    try {
      const metricsConfig = config.metrics ?? parseMetricsConfig(undefined);
      if (metricsConfig.enabled) {
        metrics = await MetricsStore.open({ dir: path.join(config.broker.dataDir, METRICS_DIR), logs: broker.logs, config: metricsConfig, logger: log });
      }
      if (ingestConfigured(config.ingest)) ingest = await Ingest.start(broker, config.ingest, log, sharedTls(config.broker, config.ingest, log));
      connections.start();
      const producer = new LocalProducer(broker);
      alerts = AlertEngine.open({
        dataDir: config.broker.dataDir,
        config: config.alerts ?? parseAlertsConfig(undefined),
        inputs: {
          logs: broker.logs,
          metrics,
          clients: () => [...broker.clients(), ...broker.recentClients()],
          senders: () => ingest?.senders() ?? [],
          groupIds: () => [...broker.coordinator.groups.keys()],
          lag: (g) => broker.offsets.lag(g),
        },
        publish: alertsTopicWriter(broker, producer),
        logger: log,
      });
      flows.start();
      if (config.api) {
        api = await ApiServer.start(apiServices(broker, ingest, config.ingest, metrics, connections, flows, alerts, producer, startedAt, log), {
          listen: config.api.listen,
          public: config.api.public,
          maxConcurrentReads: config.api.maxConcurrentReads,
          dataDir: config.broker.dataDir,
        });
      }
      alerts.start();
    } catch (e) {
      await api?.close().catch(() => {});
      await alerts?.stop().catch(() => {});
      await flows.stop().catch(() => {});
      await connections.stop().catch(() => {});
      await ingest?.stop().catch(() => {});
      await metrics?.close().catch(() => {});
      await broker.stop();
      throw e;
    }
    return new App(broker, ingest, metrics, api, connections, flows, agentCreated, alerts!);
  }

  /** Every listener besides Kafka's and the API's, in a stable order (syslog udp, syslog tcp, http). */
  listeners(): ListenerInfo[] {
    return this.ingest?.listeners() ?? [];
  }

  /**
   * The API first (no new work), then alerts (their state written), then ingest, so its sources write what they
   * already received while storage is still open; then the metrics store (it reads the broker's log), then the broker.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.api?.close().catch((e: Error) => this.broker.log.error(`stopping the API failed: ${e.message}`));
      await this.alerts.stop().catch((e: Error) => this.broker.log.error(`stopping alerts failed: ${e.message}`));
      await this.flows.stop().catch((e: Error) => this.broker.log.error(`stopping the flows failed: ${e.message}`));
      await this.connections.stop().catch((e: Error) => this.broker.log.error(`stopping the follow of other clusters failed: ${e.message}`));
      await this.ingest?.stop().catch((e: Error) => this.broker.log.error(`stopping ingest failed: ${e.message}`));
      await this.metrics?.close().catch((e: Error) => this.broker.log.error(`stopping the metrics store failed: ${e.message}`));
      await this.broker.stop();
    })();
    return this.stopping;
  }
}

/** The narrow services the API uses, from the broker and ingest. */
function apiServices(broker: Broker, ingest: Ingest | null, ingestConfig: IngestConfig, metrics: MetricsStore | null, connections: Connections, flows: Flows, alerts: AlertEngine, producer: LocalProducer, startedAt: number, log: Logger): ApiServices {
  return {
    version: packageVersion(),
    startedAt,
    logs: broker.logs,
    topics: broker.topics,
    limits: limitsOf(broker.config),
    coordinator: broker.coordinator,
    offsets: broker.offsets,
    producer,
    clients: () => broker.clients(),
    recentClients: () => broker.recentClients(),
    traffic: () => {
      const s = broker.stats;
      const direct = ingest?.producer.stats;
      return {
        recordsIn: s.producedRecords + (direct?.records ?? 0) + producer.stats.records,
        bytesIn: s.producedBytes + (direct?.bytes ?? 0) + producer.stats.bytes,
        recordsOut: s.fetchedRecords,
        bytesOut: s.fetchedBytes,
      };
    },
    ingestEndpoints: () => ingestEndpoints(ingestConfig, ingest?.listeners() ?? []),
    security: () => securitySettings(broker),
    listeners: () => {
      const kafka = broker.listenerAddresses().map((k, i) => ({ name: i === 0 ? 'kafka' : `kafka ${k.protocol}`, host: k.host, port: k.port }));
      return [...kafka, ...(ingest?.listeners() ?? [])];
    },
    metrics,
    connections,
    flows,
    superUsers: () => broker.config.superUsers,
    alerts,
    logger: log,
  };
}
