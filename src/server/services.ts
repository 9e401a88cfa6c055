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
  kind: 'syslog udp' | 'syslog tcp' | 'http ingest' | 'prometheus scrape' | 'files';
  /** HOST:PORT it listens on (as bound); null for what listens nowhere (scrapes, files). */
  address: string | null;
  /** Topics it writes to. */
  topics: string[];
  /** The bearer token senders must present (HTTP ingest), or null when none is needed. */
  token: string | null;
  /** One line a person reads: the endpoint's paths, targets or files. */
  detail: string;
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
  /** The metrics store's read side (series from the metric topics); null when it is off: the metrics routes answer 503. */
  metrics: MetricsReader | null;
  /** Alert rules, their states and history; absent or null when not running: the alerts routes answer 503. */
  alerts?: AlertEngine | null;
  logger: Logger;
}
