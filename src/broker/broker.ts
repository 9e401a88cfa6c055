import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../common/logger.js';
import { parseRange } from '../protocol/schema.js';
import { LogManager } from '../storage/index.js';
import type { TopicConfig, TopicInfo } from '../storage/types.js';
import { effectiveTopicConfig, parseTopicConfigOverrides, TOPIC_CONFIG_DEFAULTS } from '../storage/topic-config.js';
import type { ApiHandler } from './api.js';
import { newClientInfo, type ClientInfo } from './client-info.js';
import { ConfigError, type BrokerConfig } from './config.js';
import { Connection, type ConnectionDeps } from './connection.js';
import { formatListener, usesSasl, usesTls, type ListenerConfig, type SecurityProtocol } from './listeners.js';
import { AclStore } from './security/acl-store.js';
import { aclsFilePath } from './security/acls-file.js';
import { AuthFailureDelay } from './security/auth-failure-delay.js';
import { Authorizer } from './security/authorizer.js';
import type { SaslServices } from './security/sasl-authenticator.js';
import { usersFilePath } from './security/users-file.js';
import { UsersStore } from './security/users-store.js';
import { TlsAcceptor } from './security/tls-acceptor.js';
import { exposedListenerWarnings } from './security/exposed-listeners.js';
import { GroupCoordinator } from './groups/group-coordinator.js';
import { GroupOffsets } from './groups/group-offsets.js';
import { OffsetStore } from './groups/offset-store.js';
import { buildApiTable } from './handlers/index.js';
import { belowTopicConfigMinimum, limitsOf } from './limits.js';
import { MemoryPool } from './memory-pool.js';
import type { ApiVersionRange, BrokerIdentity, BrokerServices } from './services.js';
import { SocketTransport } from './socket-transport.js';
import { BrokerStats } from './stats.js';
import { ThrottledWarning } from './throttled-warning.js';
import { BrokerTopicAdmin } from './topic-admin.js';

/** '::ffff:10.0.0.1' and '10.0.0.1' are one client address. */
function clientAddress(remote: string): string {
  return remote.startsWith('::ffff:') ? remote.slice(7) : remote;
}

/** A listener once bound: where it is, and what its connections are given. */
interface BoundListener {
  config: ListenerConfig;
  server: Server;
  address: { host: string; port: number };
  deps: ConnectionDeps;
}

/** One listener as the app reports it. */
export interface ListenerAddress {
  protocol: SecurityProtocol;
  host: string;
  port: number;
  advertised: { host: string; port: number };
}

/** Disconnected clients remembered for the sources view: at most `max`, for at most `keepMs`. */
export const RECENT_CLIENTS = { max: 200, keepMs: 60 * 60 * 1000 };

/**
 * The embedded Kafka-compatible broker: a TCP listener in front of the segmented log. It builds the services the
 * request handlers use (BrokerServices) and hands each connection those, never itself.
 * Single node: it is the controller, the leader of every partition and the only replica.
 */
export class Broker {
  readonly stats = new BrokerStats();
  readonly coordinator: GroupCoordinator;
  readonly offsets: GroupOffsets;
  readonly topics: BrokerTopicAdmin;
  private readonly services: BrokerServices;
  private readonly apis: ReturnType<typeof buildApiTable>;
  private readonly requestMemory: MemoryPool;
  private readonly fetchMemory: MemoryPool;
  private readonly bound: BoundListener[] = [];
  private readonly offsetRetentionTimer: NodeJS.Timeout;
  private readonly connections = new Set<Connection>();
  private readonly connectionsPerIp = new Map<string, number>();
  private readonly refusedConnection: ThrottledWarning;
  /** The TLS listeners' side of the handshake; null when every listener is plaintext. */
  private tls: TlsAcceptor | null = null;
  /** Shared by the SASL listeners; null when there is none. */
  private readonly sasl: SaslServices | null;
  private nextClientNumber = 1;
  /** Recently disconnected clients, oldest first. */
  private readonly recent: ClientInfo[] = [];
  private stopping = false;

  private constructor(
    readonly config: BrokerConfig,
    readonly logs: LogManager,
    readonly log: Logger,
    topicDefaults: TopicConfig,
    readonly acls: AclStore,
  ) {
    const apis = buildApiTable();
    this.apis = apis;
    this.coordinator = new GroupCoordinator(
      {
        minSessionTimeoutMs: config.groupMinSessionTimeoutMs,
        maxSessionTimeoutMs: config.groupMaxSessionTimeoutMs,
        initialRebalanceDelayMs: config.groupInitialRebalanceDelayMs,
        groupMaxSize: config.groupMaxSize,
        maxGroups: config.maxGroups,
      },
      log,
      (groupId) => this.offsets.store.hasGroup(groupId),
    );
    this.offsets = new GroupOffsets(this.coordinator, OffsetStore.open(join(config.dataDir, '__meta'), log), logs, log);
    this.topics = new BrokerTopicAdmin(logs, config, topicDefaults, (topic) => this.offsets.forgetTopic(topic), log);
    const versions: ApiVersionRange[] = [...apis.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([apiKey, h]) => {
        const [minVersion, maxVersion] = parseRange(h.request.validVersions);
        return { apiKey, minVersion, maxVersion };
      });
    const identity: BrokerIdentity = {
      nodeId: config.nodeId,
      clusterId: logs.clusterId,
      advertised: () => this.advertised(),
      apiVersions: () => versions,
    };
    this.services = {
      logs,
      topics: this.topics,
      coordinator: this.coordinator,
      offsets: this.offsets,
      stats: this.stats,
      limits: limitsOf(config),
      identity,
      authorizer: new Authorizer(acls, config.superUsers, log),
      logger: log,
    };
    this.requestMemory = new MemoryPool(config.queuedMaxRequestBytes);
    this.fetchMemory = new MemoryPool(config.maxFetchMemoryBytes);
    this.refusedConnection = new ThrottledWarning(log);
    this.sasl = config.listeners.some((l) => usesSasl(l.protocol))
      ? {
          users: new UsersStore(usersFilePath(config.dataDir), log),
          failures: new AuthFailureDelay(),
          warnings: new ThrottledWarning(log, 5_000),
          decoySecret: randomBytes(32),
          logger: log,
        }
      : null;
    this.offsetRetentionTimer = setInterval(() => {
      this.offsets
        .expire(config.offsetsRetentionMs)
        .then(() => this.coordinator.forgetIdleGroups())
        .catch((e: Error) => log.error(`offset retention failed: ${e.message}`));
    }, config.retentionCheckIntervalMs);
  }

  static async start(config: BrokerConfig, log: Logger): Promise<Broker> {
    let topicDefaults: TopicConfig;
    const tls = config.listeners.some((l) => usesTls(l.protocol)) ? await TlsAcceptor.load(config, log) : null;
    const low = belowTopicConfigMinimum(config.topicDefaults);
    if (low) throw new ConfigError(`topicDefaults: ${low}`);
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
      maxProducersPerPartition: config.maxProducersPerPartition,
      diskCheckIntervalMs: config.diskCheckIntervalMs,
      searchIndex: config.searchIndex,
    });
    let acls: AclStore;
    try {
      acls = await AclStore.open(aclsFilePath(config.dataDir), log);
    } catch (e) {
      await logs.close();
      throw e;
    }
    const broker = new Broker(config, logs, log, topicDefaults, acls);
    broker.tls = tls;
    if (broker.sasl && (await broker.sasl.users.count()) === 0) {
      log.warn(`no SASL users yet: nobody can log in on the SASL listeners until one is added (tributary users add NAME --data-dir ${config.dataDir})`);
    }
    for (const w of exposedListenerWarnings(config.listeners)) log.warn(w);
    try {
      for (const l of config.listeners) await broker.listen(l);
    } catch (e) {
      for (const b of broker.bound) b.server.close();
      clearInterval(broker.offsetRetentionTimer);
      broker.offsets.store.close();
      acls.close();
      await logs.close();
      throw e;
    }
    return broker;
  }

  /** Binds one listener; its connections are told its own advertised address (Kafka's per-listener Metadata). */
  private async listen(l: ListenerConfig): Promise<void> {
    const server = createServer({ noDelay: true });
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(l.port, l.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const hint = err.code === 'EADDRINUSE' ? ' — another broker (or Kafka) is using it; pick another with --kafka HOST:PORT or --listeners' : '';
      throw new Error(`cannot listen on ${formatListener(l)}: ${err.message}${hint}`);
    }
    server.on('error', (e) => this.log.error(`kafka listener ${formatListener(l)} error: ${e.message}`));
    const a = server.address();
    const address = a && typeof a === 'object' ? { host: a.address, port: a.port } : { host: l.host, port: l.port };
    const identity: BrokerIdentity = { ...this.services.identity, advertised: () => this.advertisedFor(address) };
    const deps: ConnectionDeps = {
      services: { ...this.services, identity },
      apis: this.apis,
      requestMemory: this.requestMemory,
      fetchMemory: this.fetchMemory,
      onClosed: (c) => this.forget(c),
      ...(usesSasl(l.protocol) ? { sasl: this.sasl! } : {}),
    };
    const bound: BoundListener = { config: l, server, address, deps };
    this.bound.push(bound);
    server.on('connection', (s) => this.accept(s, bound));
  }

  /** The CA file clients should trust: the generated one, or null (no TLS listener, or the user's own certificate). */
  caFile(): string | null {
    return this.tls?.caFile ?? null;
  }

  /** Where the first listener is bound (the real port when 0 was asked for). */
  address(): { host: string; port: number } {
    if (this.bound.length === 0) throw new Error('broker is not listening');
    return this.bound[0]!.address;
  }

  /** Every listener, in configuration order, with where it is bound and what it advertises. */
  listenerAddresses(): ListenerAddress[] {
    return this.bound.map((b) => ({ protocol: b.config.protocol, ...b.address, advertised: this.advertisedFor(b.address) }));
  }

  /** What Metadata tells clients of the first listener to connect to. */
  advertised(): { host: string; port: number } {
    return this.advertisedFor(this.address());
  }

  private advertisedFor({ host, port }: { host: string; port: number }): { host: string; port: number } {
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

  /** Connected clients, copied. */
  clients(): ClientInfo[] {
    return [...this.connections].map((c) => ({ ...c.info }));
  }

  /** Clients that disconnected recently (bounded: see RECENT_CLIENTS), newest last, copied. */
  recentClients(now = Date.now()): ClientInfo[] {
    while (this.recent.length > 0 && now - this.recent[0]!.disconnectedAt! > RECENT_CLIENTS.keepMs) this.recent.shift();
    return this.recent.map((c) => ({ ...c }));
  }

  /** For in-process producers (direct ingest): see TopicAdmin.topicForWrite. */
  topicForWrite(name: string, allowAutoCreate: boolean): Promise<TopicInfo | undefined> {
    return this.topics.topicForWrite(name, allowAutoCreate);
  }

  private accept(socket: Socket, listener: BoundListener): void {
    if (this.stopping) {
      socket.destroy();
      return;
    }
    // max.connections and max.connections.per.ip: Kafka closes a connection over either limit as it arrives.
    const ip = clientAddress(socket.remoteAddress ?? '?');
    const fromIp = this.connectionsPerIp.get(ip) ?? 0;
    const refusal =
      this.connections.size >= this.config.maxConnections
        ? `${this.connections.size} connections are open (maxConnections)`
        : fromIp >= this.config.maxConnectionsPerIp
          ? `${fromIp} connections from ${ip} are open (maxConnectionsPerIp)`
          : null;
    if (refusal) {
      this.refusedConnection.warn(`refused a connection from ${ip}: ${refusal}; raise the limit in the broker config if these clients are legitimate`);
      socket.destroy();
      return;
    }
    this.connectionsPerIp.set(ip, fromIp + 1);
    const remote = { address: socket.remoteAddress ?? '?', port: socket.remotePort ?? 0 };
    const info = newClientInfo(this.nextClientNumber++, remote.address, remote.port);
    const transport = new SocketTransport(usesTls(listener.config.protocol) ? this.tls!.wrap(socket, ip, (dn) => (info.tlsPrincipal = dn)) : socket, remote);
    const c = new Connection(transport, listener.deps, info);
    this.connections.add(c);
  }

  private forget(c: Connection): void {
    if (!this.connections.delete(c)) return;
    c.info.disconnectedAt = Date.now();
    this.recent.push(c.info);
    if (this.recent.length > RECENT_CLIENTS.max) this.recent.shift();
    const ip = clientAddress(c.info.remoteAddress);
    const n = (this.connectionsPerIp.get(ip) ?? 1) - 1;
    if (n > 0) this.connectionsPerIp.set(ip, n);
    else this.connectionsPerIp.delete(ip);
  }

  /** Stop accepting, drop clients, flush and close storage (writes the clean-shutdown marker). */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const closed = Promise.all(this.bound.map((b) => new Promise<void>((resolve) => b.server.close(() => resolve()))));
    clearInterval(this.offsetRetentionTimer);
    this.coordinator.shutdown();
    for (const c of this.connections) c.close();
    await closed;
    this.acls.close();
    this.offsets.store.close();
    await this.logs.close();
  }
}

