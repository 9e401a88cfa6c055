import type { BrokerConfig } from '../broker/config.js';
import { generatedTls, readUserTls, type ServerTls } from '../broker/security/certificates.js';
import { machineNames } from '../broker/security/machine-names.js';
import type { Logger } from '../common/logger.js';
import type { IngestConfig } from '../ingest/config.js';
import type { SharedTls } from '../ingest/index.js';

/**
 * The certificate direct ingest's TLS listeners share with the Kafka TLS listeners: the user's (`tls` in the config)
 * or the one generated in DATA/tls/ (same CA, so senders trust one file). The generated one also names the ingest
 * listeners' hosts; a certificate that already covers them is reused as it is.
 */
export function sharedTls(broker: BrokerConfig, ingest: IngestConfig, log: Logger): SharedTls {
  return async (): Promise<ServerTls> => {
    if (broker.tls) return readUserTls(broker.tls.cert, broker.tls.key);
    const hosts = [
      ...broker.listeners.map((l) => l.host),
      ...(broker.advertisedHost ? [broker.advertisedHost] : []),
      ...(ingest.http ? [ingest.http.listen.host] : []),
      ...(ingest.syslog?.tls ? [ingest.syslog.tls.listen.host] : []),
    ];
    return generatedTls(broker.dataDir, machineNames(hosts), log);
  };
}
