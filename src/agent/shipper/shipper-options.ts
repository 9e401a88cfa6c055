// What a shipper is opened with: where it ships, its disk buffer, batching and memory limits, timeouts, security,
// and the send journal that makes delivery exactly-once across a crash.
import type { AgentRecord } from '../../collect/record.js';
import type { Logger } from '../../common/logger.js';
import type { ClientSecurity } from '../../client/security.js';
import type { Compression } from './batch-builder.js';
import type { FileIdentity, JournalPlan, SentBatch } from './send-journal.js';

/** A batch sent before a crash, rebuilt from the same records (the agent reads them again from the files). */
export interface Replay {
  batch: SentBatch;
  records: AgentRecord[];
}

export interface ShipperJournal {
  /** The send journal's file (rewritten at open). */
  file: string;
  /** A file's identity by the fileId in its records' positions, written to the journal once per file. */
  identify(fileId: string): FileIdentity | undefined;
  /** What the last run left (readJournal), when it may be used: the shipper continues as that producer. */
  resume: { plan: JournalPlan; replays: Replay[] } | null;
}

export interface ShipperOptions {
  /** Bootstrap brokers, "host:port". */
  bootstrap: string[];
  /** Directory of the disk buffer (created if missing). */
  spoolDir: string;
  clientId?: string;
  compression?: Compression;
  /** A batch is sent when it holds this many records or bytes... */
  batchMaxRecords?: number;
  batchMaxBytes?: number;
  /** ...or when its partition has nothing in flight and it has waited this long (0: at once). */
  lingerMs?: number;
  /** Records held in memory (open, waiting and in-flight batches); above it, saturated (direct mode). */
  maxMemoryBytes?: number;
  /** Records held in the spool; above it, saturated: sources stop reading. */
  maxBufferBytes?: number;
  spoolSegmentBytes?: number;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** TLS and SASL for every broker connection; plaintext when absent. */
  security?: ClientSecurity;
  retryBackoffMs?: number;
  retryMaxBackoffMs?: number;
  /** How long close() waits for in-flight batches before spooling them instead. */
  shutdownTimeoutMs?: number;
  /** Exactly-once across restarts (see send-journal.ts); without it a restart starts a new producer. */
  journal?: ShipperJournal;
  logger?: Logger;
}

export const SHIPPER_DEFAULTS = {
  clientId: 'tributary-agent',
  compression: 'none' as Compression,
  batchMaxRecords: 10_000,
  batchMaxBytes: 1_000_000,
  lingerMs: 0,
  maxMemoryBytes: 8 * 1024 * 1024,
  maxBufferBytes: 256 * 1024 * 1024,
  spoolSegmentBytes: 16 * 1024 * 1024,
  connectTimeoutMs: 5_000,
  requestTimeoutMs: 30_000,
  retryBackoffMs: 250,
  retryMaxBackoffMs: 10_000,
  shutdownTimeoutMs: 10_000,
};
