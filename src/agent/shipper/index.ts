// The agent's shipping side: a RecordSink that sends to Kafka, buffering on disk while the broker is unreachable, and
// recording what it sends so a restarted agent continues as the same idempotent producer.
export { Shipper, SHIPPER_DEFAULTS, type Replay, type ShipperJournal, type ShipperOptions, type ShipperStats } from './shipper.js';
export { readJournal, type JournalPlan, type JournalRead, type SentBatch } from './send-journal.js';
export type { Compression } from './batch-builder.js';
