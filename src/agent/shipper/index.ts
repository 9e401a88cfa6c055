// The agent's shipping side: a RecordSink that sends to Kafka, buffering on disk while the broker is unreachable.
export { Shipper, SHIPPER_DEFAULTS, type ShipperOptions, type ShipperStats } from './shipper.js';
export type { Compression } from './batch-builder.js';
