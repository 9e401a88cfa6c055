import type { ClientInfo } from '../../broker/client-info.js';
import type { PartitionLag } from '../../broker/groups/group-offsets.js';
import type { DirectSender } from '../../ingest/index.js';
import type { MetricsReader } from '../../metrics/types.js';
import type { SearchLogs } from '../../query/search/index.js';
import type { Observation } from '../state-machine.js';

/** What the rules read, built by the composition root from the broker and the metrics store. */
export interface AlertInputs {
  logs: SearchLogs;
  /** Null when the metrics store is off: metric rules then report an error instead of evaluating. */
  metrics: MetricsReader | null;
  /** Connected Kafka clients and those that disconnected recently (as /api/v1/sources lists them). */
  clients(): ClientInfo[];
  /** Senders of syslog and HTTP ingest (they are no Kafka clients); absent: none. */
  senders?(): DirectSender[];
  /** Every consumer group id the coordinator knows. */
  groupIds(): string[];
  /** Committed offset, end offset and lag per partition of a group. */
  lag(group: string): PartitionLag[];
}

/** One rule's condition, evaluated again and again; it may keep memory between evaluations (offsets read, last seen). */
export interface Evaluator {
  /** Every group whose condition is known now; a group missing from the answer counts as false. */
  evaluate(now: number): Promise<Observation[]>;
  /** What must survive a restart (JSON), if anything. */
  snapshot?(): unknown;
  restore?(data: unknown): void;
  /** The rule was replaced or deleted: let go of shared resources. */
  close?(): void;
}

/** A sample's text: at most this many characters of a key or value. */
export const SAMPLE_CHARS = 500;
/** Samples kept per group. */
export const SAMPLES_PER_GROUP = 5;

export function sampleText(b: Buffer | null): string | null {
  if (b === null) return null;
  const s = b.toString('utf8', 0, Math.min(b.length, SAMPLE_CHARS * 4));
  return s.length > SAMPLE_CHARS ? `${s.slice(0, SAMPLE_CHARS)}…` : s;
}
