import type { BrokerConfig } from '../broker/config.js';
import { serverTls } from '../broker/security/server-tls.js';
import type { Logger } from '../common/logger.js';
import type { IngestConfig } from '../ingest/config.js';
import type { SharedTls } from '../ingest/index.js';

/**
 * The certificate direct ingest's TLS listeners share with the Kafka TLS listeners (serverTls): the generated one
 * also names the ingest listeners' hosts; a certificate that already covers them is reused as it is.
 */
export function sharedTls(broker: BrokerConfig, ingest: IngestConfig, log: Logger): SharedTls {
  const hosts = [...(ingest.http ? [ingest.http.listen.host] : []), ...(ingest.syslog?.tls ? [ingest.syslog.tls.listen.host] : [])];
  return () => serverTls(broker, hosts, log);
}
