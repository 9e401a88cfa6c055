import type { Logger } from '../../common/logger.js';
import type { BrokerConfig } from '../config.js';
import { generatedTls, readUserTls, type ServerTls } from './certificates.js';
import { machineNames } from './machine-names.js';

/**
 * The server certificate every TLS listener of this app presents (Kafka's, and direct ingest's): the user's (`tls` in
 * the config) or the one generated in DATA/tls/ naming this machine, the listeners' hosts, the advertised host and
 * `extraHosts` (other listeners that share it). One CA, so clients trust one file.
 */
export function serverTls(config: BrokerConfig, extraHosts: readonly string[], log: Logger): Promise<ServerTls> {
  if (config.tls) return Promise.resolve(readUserTls(config.tls.cert, config.tls.key));
  const hosts = [...config.listeners.map((l) => l.host), ...(config.advertisedHost ? [config.advertisedHost] : []), ...extraHosts];
  return generatedTls(config.dataDir, machineNames(hosts), log);
}
