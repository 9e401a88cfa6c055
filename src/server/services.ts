import type { AlertEngine } from '../alerts/index.js';
import type { ClientInfo } from '../broker/client-info.js';
import type { GroupCoordinator } from '../broker/groups/group-coordinator.js';
import type { GroupOffsets } from '../broker/groups/group-offsets.js';
import type { BrokerLimits } from '../broker/limits.js';
import type { TopicAdmin } from '../broker/services.js';
import type { Logger } from '../common/logger.js';
import type { SingleRecord } from '../ingest/local-producer.js';
import type { RecordInput } from '../protocol/record-batch-builder.js';
import type { MetricsReader } from '../metrics/types.js';
import type { ConnectionView } from '../ingest/follow/connections.js';
import type { ProbeResult } from '../ingest/follow/connection-probe.js';
import type { FlowView } from '../flows/index.js';
import type { KafkaClient } from '../client/client.js';
import type { LogManager } from '../storage/index.js';

/** Running totals of records and bytes into and out of the log (the API derives per-second rates from them). */
export interface TrafficTotals {
  recordsIn: number;
  bytesIn: number;
  recordsOut: number;
  bytesOut: number;
}

/** A listener of the running app, for the overview. */
export interface ListenerAddress {
  name: string;
  host: string;
  port: number;
}

/** A direct-ingest endpoint as configured, for the settings page: where senders point and what they need. */
export interface IngestEndpoint {
  kind: 'syslog udp' | 'syslog tcp' | 'syslog tls' | 'http ingest' | 'prometheus scrape' | 'files';
  /** HOST:PORT it listens on (as bound); null for what listens nowhere (scrapes, files). */
  address: string | null;
  /** Topics it writes to. */
  topics: string[];
  /** The bearer token senders must present (HTTP ingest), or null when none is needed. */
  token: string | null;
  /** Senders connect with TLS (HTTPS, syslog over TLS); false for plain listeners and what listens nowhere. */
  tls: boolean;
  /** One line a person reads: the endpoint's paths, targets or files. */
  detail: string;
}

/** The connections to other clusters, as the API lists and changes them (ingest/follow/Connections). */
export interface ConnectionRegistry {
  list(): ConnectionView[];
  get(name: string): ConnectionView | undefined;
  put(name: string, raw: unknown): Promise<ConnectionView>;
  remove(name: string): Promise<boolean>;
  client(name: string): KafkaClient | undefined;
  /** Tries settings without saving them (TCP, TLS, SASL, Metadata); `name`: the connection being edited. */
  test(raw: unknown, name?: string): Promise<ProbeResult>;
}

/** The flows, as the API lists and changes them (flows/Flows). */
export interface FlowRegistry {
  list(): FlowView[];
  get(name: string): FlowView | undefined;
  put(name: string, raw: unknown): Promise<FlowView>;
  remove(name: string): Promise<boolean>;
}

/** How Kafka clients connect and log in, for the Settings view (the desktop app has no console to print it on). */
export interface SecuritySettings {
  /** Every Kafka listener: its protocol, where it is bound and what clients are told. */
  listeners: { protocol: string; address: string; advertised: string; tls: boolean; sasl: boolean }[];
  /** The CA file TLS clients trust (the generated one); null with the user's own certificate or no TLS listener. */
  caFile: string | null;
  /** Client certificates (mTLS): none, requested or required. */
  clientAuth: string;
  /** The user agents log in as; null when no such user exists (deleted, or no SASL listener). */
  agent: {
    user: string;
    /** The password generated on first start while it is still the user's; null once changed. */
    password: string | null;
    /** The 0600 file holding it on this machine, while it is current. */
    passwordFile: string | null;
  } | null;
  /** Ready-to-copy commands for another machine, through the first SASL_SSL listener; null without one. */
  connect: { bootstrap: string; mechanism: string; kcat: string; kafkaPython: string; agent: string } | null;
}

/** Writes one record into an existing topic (the in-process producer direct ingest uses). */
export interface RecordProducer {
  produce(topic: string, record: SingleRecord, partition?: number): Promise<{ partition: number; offset: number }>;
  /** Records as they were (an import): to their partition when given, else by key; keys, headers, timestamps kept. */
  appendRecords(topic: string, records: ReadonlyArray<RecordInput & { partition?: number }>): Promise<void>;
}

/**
 * The narrow services the API reads and changes, built by the composition root (src/app). Routes receive these,
 * never the Broker or the App.
 */
export interface ApiServices {
  version: string;
  /** When the app started (epoch ms). */
  startedAt: number;
  /** Topics, partition logs, their sizes and offsets, configs. */
  logs: LogManager;
  /** Creating, deleting and configuring topics with the broker's own checks and limits. */
  topics: TopicAdmin;
  /** The broker's limits (maxPartitionsPerRequest bounds a topic creation here as in CreateTopics). */
  limits: BrokerLimits;
  coordinator: GroupCoordinator;
  offsets: GroupOffsets;
  producer: RecordProducer;
  /** Connected Kafka clients, and those that disconnected recently. */
  clients(): ClientInfo[];
  recentClients(): ClientInfo[];
  traffic(): TrafficTotals;
  /** Kafka and ingest listeners. */
  listeners(): ListenerAddress[];
  /** Direct-ingest endpoints as configured (with their tokens: the API is behind its own token). */
  ingestEndpoints(): IngestEndpoint[];
  /** Listeners' protocols, the CA, the agent user and how to connect (with its generated password: behind the token too). */
  security(): Promise<SecuritySettings>;
  /** The metrics store's read side (series from the metric topics); null when it is off: the metrics routes answer 503. */
  metrics: MetricsReader | null;
  /** Other Kafka clusters and what is followed from them; null where none can be configured (the OpenAPI build). */
  connections: ConnectionRegistry | null;
  /** Flows (forwarding and derived topics); null or absent where none run (the OpenAPI build). */
  flows?: FlowRegistry | null;
  /** Principals the broker allows everything (its superUsers setting). */
  superUsers?(): string[];
  /** Alert rules, their states and history; absent or null when not running: the alerts routes answer 503. */
  alerts?: AlertEngine | null;
  logger: Logger;
}
