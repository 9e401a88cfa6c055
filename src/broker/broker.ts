import { createServer, type Server, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { LogManager } from '../storage/index.js';
import type { TopicConfig, TopicInfo } from '../storage/types.js';
import { effectiveTopicConfig, parseTopicConfigOverrides, TOPIC_CONFIG_DEFAULTS } from '../storage/topic-config.js';
import { parseRange } from '../protocol/schema.js';
import type { ApiHandler } from './api.js';
import { ConfigError, type BrokerConfig } from './config.js';
import { Connection } from './connection.js';
import type { ClientInfo } from './client-info.js';
import { buildApiTable } from './handlers/index.js';
import type { Logger } from '../common/logger.js';
import { BrokerStats } from './stats.js';
import { GroupCoordinator } from './groups/group-coordinator.js';
import { GroupOffsets } from './groups/group-offsets.js';
import { OffsetStore } from './groups/offset-store.js';
import { join } from 'node:path';

/**
 * The embedded Kafka-compatible broker: a TCP listener in front of the segmented log.
 * Single node: it is the controller, the leader of every partition and the only replica.
 */
export class Broker {
  readonly apis: Map<number, ApiHandler>;
  readonly stats = new BrokerStats();
  readonly coordinator: GroupCoordinator;
  readonly offsets: GroupOffsets;
  private offsetRetentionTimer: NodeJS.Timeout;
  private readonly connections = new Set<Connection>();
  private nextClientNumber = 1;
  private listening: { host: string; port: number } | null = null;
  private stopping = false;

  private constructor(
    readonly config: BrokerConfig,
    readonly logs: LogManager,
    private readonly server: Server,
    readonly log: Logger,
    /** Topic config defaults: Kafka's, overridden by the broker config's topicDefaults. */
    readonly topicDefaults: TopicConfig,
  ) {
    this.apis = buildApiTable();
    this.coordinator = new GroupCoordinator(
      {
        minSessionTimeoutMs: config.groupMinSessionTimeoutMs,
        maxSessionTimeoutMs: config.groupMaxSessionTimeoutMs,
        initialRebalanceDelayMs: config.groupInitialRebalanceDelayMs,
      },
      log,
    );
    this.offsets = new GroupOffsets(this.coordinator, OffsetStore.open(join(config.dataDir, '__meta'), log), logs, log);
    this.offsetRetentionTimer = setInterval(() => {
      this.offsets.expire(config.offsetsRetentionMs).catch((e: Error) => log.error(`offset retention failed: ${e.message}`));
    }, config.retentionCheckIntervalMs);
  }

  /** Delete a topic and every group's committed offsets for it (at once, not after its files are gone). */
  async deleteTopic(name: string): Promise<void> {
    const filesRemoved = this.logs.deleteTopic(name);
    await this.offsets.forgetTopic(name);
    await filesRemoved;
  }

  static async start(config: BrokerConfig, log: Logger): Promise<Broker> {
    let topicDefaults: TopicConfig;
    try {
      topicDefaults = effectiveTopicConfig(TOPIC_CONFIG_DEFAULTS, parseTopicConfigOverrides(config.topicDefaults));
    } catch (e) {
      throw new ConfigError(`topicDefaults: ${(e as Error).message}`);
    }
    const logs = await LogManager.open({
      dataDir: config.dataDir,
      defaults: topicDefaults,
      logger: log,
      retentionCheckIntervalMs: config.retentionCheckIntervalMs,
      maxOpenSegmentFiles: config.maxOpenSegmentFiles,
      diskCheckIntervalMs: config.diskCheckIntervalMs,
    });
    const server = createServer({ noDelay: true });
    const broker = new Broker(config, logs, server, log, topicDefaults);
    server.on('connection', (s) => broker.accept(s));
    server.on('error', (e) => log.error(`kafka listener error: ${e.message}`));
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.kafkaPort, config.kafkaHost, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (e) {
      clearInterval(broker.offsetRetentionTimer);
      broker.offsets.store.close();
      await logs.close();
      const err = e as NodeJS.ErrnoException;
      const hint = err.code === 'EADDRINUSE' ? ' — another broker (or Kafka) is using it; pick another with --kafka HOST:PORT' : '';
      throw new Error(`cannot listen on ${config.kafkaHost}:${config.kafkaPort}: ${err.message}${hint}`);
    }
    const addr = server.address();
    if (addr && typeof addr === 'object') broker.listening = { host: addr.address, port: addr.port };
    return broker;
  }

  /** Where the listener is bound (the real port when 0 was asked for). */
  address(): { host: string; port: number } {
    if (!this.listening) throw new Error('broker is not listening');
    return this.listening;
  }

  /** What Metadata tells clients to connect to. */
  advertised(): { host: string; port: number } {
    const { host, port } = this.address();
    if (this.config.advertisedHost) return { host: this.config.advertisedHost, port };
    const wildcard = host === '0.0.0.0' || host === '::' || host === '';
    return { host: wildcard ? hostname() : host, port };
  }

  get nodeId(): number {
    return this.config.nodeId;
  }

  get clusterId(): string {
    return this.logs.clusterId;
  }

  apiVersionList(): { apiKey: number; minVersion: number; maxVersion: number }[] {
    return [...this.apis.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([apiKey, h]) => {
        const [minVersion, maxVersion] = parseRange(h.request.validVersions);
        return { apiKey, minVersion, maxVersion };
      });
  }

  clients(): ClientInfo[] {
    return [...this.connections].map((c) => ({ ...c.info }));
  }

  /**
   * The topic if it exists; otherwise created with the default partition count when
   * auto-creation is enabled and allowed by the request, else undefined.
   */
  async topicForWrite(name: string, allowAutoCreate: boolean): Promise<TopicInfo | undefined> {
    const t = this.logs.getTopic(name);
    if (t || !allowAutoCreate || !this.config.autoCreateTopics) return t;
    const created = await this.logs.createTopic(name, this.config.defaultPartitions, {});
    this.log.info(`auto-created topic ${name} with ${created.partitions} partition(s)`);
    return created;
  }

  private accept(socket: Socket): void {
    if (this.stopping) {
      socket.destroy();
      return;
    }
    const info: ClientInfo = {
      id: this.nextClientNumber++,
      remoteAddress: socket.remoteAddress ?? '?',
      remotePort: socket.remotePort ?? 0,
      clientId: null,
      softwareName: null,
      softwareVersion: null,
      connectedAt: Date.now(),
      requests: 0,
      bytesIn: 0,
      bytesOut: 0,
    };
    this.connections.add(new Connection(socket, this, this.apis, info, this.log));
  }

  onConnectionClosed(c: Connection): void {
    this.connections.delete(c);
  }

  /** Stop accepting, drop clients, flush and close storage (writes the clean-shutdown marker). */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    clearInterval(this.offsetRetentionTimer);
    this.coordinator.shutdown();
    for (const c of this.connections) c.close();
    await closed;
    this.offsets.store.close();
    await this.logs.close();
  }
}
