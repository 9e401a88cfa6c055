/**
 * Contracts between the agent's parts: sources (file tailer, host metrics) produce records,
 * a sink ships them (to a Kafka broker over the network, or into the embedded broker's log),
 * and a source's positions are committed only once the sink has them durably.
 */

/** One record as it goes into a topic. */
export interface AgentRecord {
  /** The line (multiline events joined with \n), a JSON object as-is, or a metric in line protocol. */
  value: string | Buffer;
  /** Source file path for logs; measurement+tags for metrics; null for none. */
  key: string | null;
  /** Milliseconds since the epoch: parsed from the line when a common format is found, else read time. */
  timestamp: number;
  /** Always host and agent; for files also path; level when parsed (ERROR/WARN/INFO/DEBUG/TRACE/FATAL). */
  headers: Record<string, string>;
}

/** Where a file source stands: byte offset just past the last record handed out, in one identified file. */
export interface FilePosition {
  /** Stable identity of the file: device+inode plus a fingerprint of its first bytes. */
  fileId: string;
  path: string;
  offset: number;
  /** Byte offset where the record starts (the previous record of the file ends there). */
  start?: number;
}

export interface SourcedRecord extends AgentRecord {
  position: FilePosition;
}

/** Anything that takes records and says when they are safe (acknowledged by the broker or durably spooled). */
export interface RecordSink {
  /** Resolves once every record is acknowledged or durably buffered; rejects only on a fatal, clearly-logged error. */
  write(topic: string, records: AgentRecord[]): Promise<void>;
  /** True while the sink wants no more input (its buffer is full): sources stop reading. */
  readonly saturated: boolean;
  /** Emitted when saturated turns false again. */
  on(event: 'drain', listener: () => void): unknown;
  close(): Promise<void>;
}
