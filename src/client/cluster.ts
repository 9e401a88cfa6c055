// What the shipper knows about the cluster: its brokers, which broker leads each partition (from Metadata), one
// connection per broker, and the idempotent producer's id. Works the same against `tributary serve` (one broker)
// and a multi-broker Kafka cluster: every batch goes to its partition's leader.
import { formatHostPort, parseHostPort } from '../common/host-port.js';
import { errorByCode } from '../protocol/errors.js';
import { InitProducerIdRequest, InitProducerIdResponse } from '../protocol/schemas/init-producer-id.js';
import { MetadataRequest, MetadataResponse } from '../protocol/schemas/metadata.js';
import { ProduceRequest, ProduceResponse } from '../protocol/schemas/produce.js';
import type { Decoded, Encodable } from '../protocol/schema.js';
import { BrokerConnection, ConnectionError, type ConnectionOptions } from './broker-connection.js';

export type ProduceBody = Encodable<typeof ProduceRequest>;
export type ProduceResult = Decoded<typeof ProduceResponse>;
export type MetadataResult = Decoded<typeof MetadataResponse>;

export interface TopicLayout {
  /** Partition index → leader node id (-1 while there is none). */
  leaders: number[];
}

/** A topic the broker reported a problem with; `retriable` says whether waiting may help. */
export class TopicError extends Error {
  constructor(
    readonly topic: string,
    readonly type: string,
    readonly retriable: boolean,
    message: string,
  ) {
    super(message);
    this.name = 'TopicError';
  }
}

const METADATA_VERSIONS: [number, number] = [1, 9];
const PRODUCE_VERSIONS: [number, number] = [3, 9];
const INIT_PRODUCER_ID_VERSIONS: [number, number] = [0, 4];

function topicProblem(topic: string, code: number): TopicError {
  const e = errorByCode(code);
  const type = e?.type ?? `error ${code}`;
  if (e?.type === 'UNKNOWN_TOPIC_OR_PARTITION') {
    return new TopicError(topic, type, true, `topic "${topic}" does not exist and the broker does not create topics automatically — create it with \`tributary topics create ${topic}\``);
  }
  if (e?.type === 'LEADER_NOT_AVAILABLE') return new TopicError(topic, type, true, `topic "${topic}" has no leader yet (it may be being created)`);
  return new TopicError(topic, type, e?.retriable ?? false, `topic "${topic}": ${e?.message ?? `the broker answered with error code ${code}`} (${type})`);
}

export class Cluster {
  private readonly connections = new Map<string, Promise<BrokerConnection>>();
  private readonly brokers = new Map<number, string>();
  private readonly topics = new Map<string, TopicLayout>();
  private closed = false;

  /** The cluster id from the last Metadata answer (null from brokers too old to send one). */
  clusterId: string | null = null;

  /** Called when a connection we did not close goes away (the broker stopped, the network dropped). */
  onUnexpectedClose: ((err: ConnectionError) => void) | null = null;

  constructor(
    private readonly bootstrap: string[],
    private readonly options: ConnectionOptions & { produceTimeoutMs: number },
  ) {}

  /** The partitions and leaders of `topic` as last seen, or undefined if never fetched. */
  layout(topic: string): TopicLayout | undefined {
    return this.topics.get(topic);
  }

  /** The broker address a node id stands for ("host:port"), for log lines. */
  addressOf(nodeId: number): string {
    return this.brokers.get(nodeId) ?? this.bootstrap[0]!;
  }

  /** An open connection to `address`, reusing a live one. Throws ConnectionError. */
  private connection(address: string): Promise<BrokerConnection> {
    if (this.closed) return Promise.reject(new ConnectionError(address, 'the client is closing'));
    const existing = this.connections.get(address);
    if (existing) return existing;
    let opening: Promise<BrokerConnection>;
    try {
      const { host, port } = parseHostPort(address); // "[::1]:9092" too
      opening = BrokerConnection.open(host, port, this.options);
    } catch (err) {
      return Promise.reject(new ConnectionError(address, (err as Error).message));
    }
    this.connections.set(address, opening);
    opening.then(
      (conn) =>
        conn.onClose((err) => {
          if (this.connections.get(address) !== opening) return; // closed by closeAll()
          this.connections.delete(address);
          this.onUnexpectedClose?.(err);
        }),
      () => {
        if (this.connections.get(address) === opening) this.connections.delete(address);
      },
    );
    return opening;
  }

  /** Any broker that answers: a live connection first, then every known broker, then the bootstrap list. */
  async anyConnection(): Promise<BrokerConnection> {
    const candidates = [...new Set([...this.connections.keys(), ...this.brokers.values(), ...this.bootstrap])];
    let last: unknown = null;
    for (const address of candidates) {
      try {
        const conn = await this.connection(address);
        if (!conn.isClosed) return conn;
      } catch (err) {
        last = err;
      }
    }
    throw last instanceof ConnectionError ? last : new ConnectionError(this.bootstrap.join(','), (last as Error)?.message ?? 'no broker reachable');
  }

  /** The connection to the leader of a node id. */
  leader(nodeId: number): Promise<BrokerConnection> {
    const address = this.brokers.get(nodeId);
    if (address === undefined) return Promise.reject(new ConnectionError(`node ${nodeId}`, 'unknown broker id; metadata is stale'));
    return this.connection(address);
  }

  /**
   * One Metadata request: every topic when `topics` is null. Remembers the brokers and each topic's leaders, so
   * leader() finds them. Never asks the broker to create a topic unless `allowAutoTopicCreation` says so.
   */
  async metadata(topics: string[] | null, allowAutoTopicCreation = false): Promise<MetadataResult> {
    const conn = await this.anyConnection();
    const version = conn.version(MetadataRequest, METADATA_VERSIONS);
    const res = await conn.request(MetadataRequest, MetadataResponse, version, {
      topics: topics === null ? null : topics.map((name) => ({ name })),
      allowAutoTopicCreation,
    });
    for (const b of res.brokers) this.brokers.set(b.nodeId, formatHostPort(b));
    for (const t of res.topics) {
      if (t.errorCode !== 0) continue;
      const leaders: number[] = [];
      for (const p of t.partitions) leaders[p.partitionIndex] = p.leaderId;
      for (let i = 0; i < leaders.length; i++) leaders[i] ??= -1;
      this.topics.set(t.name, { leaders });
    }
    return res;
  }

  /** Remembers a broker learnt outside Metadata (FindCoordinator answers with one). */
  addBroker(nodeId: number, host: string, port: number): void {
    this.brokers.set(nodeId, formatHostPort({ host, port }));
  }

  /**
   * Fetches metadata for `topics` (asking the broker to create missing ones, as any producer does) and returns the
   * problems it reported per topic. Throws ConnectionError if no broker answers.
   */
  async refresh(topics: string[]): Promise<Map<string, TopicError>> {
    const conn = await this.anyConnection();
    const version = conn.version(MetadataRequest, METADATA_VERSIONS);
    const res = await conn.request(MetadataRequest, MetadataResponse, version, {
      topics: topics.map((name) => ({ name })),
      allowAutoTopicCreation: true,
    });
    for (const b of res.brokers) this.brokers.set(b.nodeId, formatHostPort(b));
    const problems = new Map<string, TopicError>();
    for (const t of res.topics) {
      if (t.errorCode !== 0) {
        problems.set(t.name, topicProblem(t.name, t.errorCode));
        continue;
      }
      const leaders: number[] = [];
      for (const p of t.partitions) leaders[p.partitionIndex] = p.errorCode === 0 || p.leaderId >= 0 ? p.leaderId : -1;
      for (let i = 0; i < leaders.length; i++) leaders[i] ??= -1;
      this.topics.set(t.name, { leaders });
      if (leaders.length === 0 || leaders.some((l) => l < 0)) problems.set(t.name, topicProblem(t.name, 5));
    }
    this.clusterId = res.clusterId ?? null;
    return problems;
  }

  /**
   * A producer id for the idempotent producer. With a current id (KIP-360, Kafka 2.5+) the broker bumps its epoch
   * so sequences can restart at 0 without losing the id; older brokers give a new id.
   */
  async initProducerId(current?: { producerId: number; producerEpoch: number }): Promise<{ producerId: number; producerEpoch: number }> {
    const conn = await this.anyConnection();
    const version = conn.version(InitProducerIdRequest, INIT_PRODUCER_ID_VERSIONS);
    const res = await conn.request(InitProducerIdRequest, InitProducerIdResponse, version, {
      transactionalId: null,
      transactionTimeoutMs: 60_000,
      producerId: version >= 3 && current ? current.producerId : -1,
      producerEpoch: version >= 3 && current ? current.producerEpoch : -1,
    });
    if (res.errorCode !== 0) {
      const e = errorByCode(res.errorCode);
      throw new TopicError('', e?.type ?? String(res.errorCode), e?.retriable ?? false, `the broker refused a producer id: ${e?.message ?? `error ${res.errorCode}`}`);
    }
    return { producerId: res.producerId, producerEpoch: res.producerEpoch };
  }

  /**
   * Sends one Produce request to the leader `nodeId`: acks=all unless told otherwise; with acks=0 the broker sends
   * no response and this resolves with null once the request is written. Throws ConnectionError.
   */
  async produce(nodeId: number, topicData: ProduceBody['topicData']): Promise<ProduceResult>;
  async produce(nodeId: number, topicData: ProduceBody['topicData'], acks: -1 | 0 | 1): Promise<ProduceResult | null>;
  async produce(nodeId: number, topicData: ProduceBody['topicData'], acks: -1 | 0 | 1 = -1): Promise<ProduceResult | null> {
    const conn = await this.leader(nodeId);
    const version = conn.version(ProduceRequest, PRODUCE_VERSIONS);
    const body = { transactionalId: null, acks, timeoutMs: this.options.produceTimeoutMs, topicData };
    if (acks === 0) {
      await conn.requestWithoutResponse(ProduceRequest, version, body);
      return null;
    }
    return conn.request(ProduceRequest, ProduceResponse, version, body);
  }

  /** Closes every connection; pending requests reject. The cluster can connect again afterwards unless `final`. */
  async closeAll(reason: string, final = false): Promise<void> {
    if (final) this.closed = true;
    const all = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(all.map((p) => p.then((c) => c.close(reason), () => undefined)));
  }
}
