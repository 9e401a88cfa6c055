/** Direct ingest on the broker: syslog, HTTP (logs, Influx writes), Prometheus scrapes and local files. */
export { Ingest, ingestConfigured, type IngestHost, type IngestStats } from './ingest.js';
export { LocalProducer, type LocalLog, type LocalProducerStats } from './local-producer.js';
export { IngestConfigError, NO_INGEST, parseIngestConfig, type IngestConfig } from './config.js';
export { IngestError } from './errors.js';
export type { ListenerInfo } from './listener-info.js';
export type { DirectSender, SenderVia } from './sender-tally.js';
export type { SharedTls } from './tls-options.js';
