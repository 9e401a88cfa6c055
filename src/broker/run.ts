import { Broker } from './broker.js';
import { ConfigError, loadBrokerConfig } from './config.js';
import { consoleLogger } from './logger.js';
import { formatAddress } from '../ingest/listen.js';

export interface RunOptions {
  dataDir?: string;
  kafka?: string;
  advertisedHost?: string;
  config?: string;
}

/** `tributary serve`: run the broker in the foreground until SIGINT/SIGTERM, then shut down cleanly. */
export async function runBroker(opts: RunOptions): Promise<void> {
  const log = consoleLogger((process.env.TRIBUTARY_LOG_LEVEL as 'debug' | 'info' | undefined) ?? 'info');
  let broker: Broker;
  try {
    const config = loadBrokerConfig({ configFile: opts.config, dataDir: opts.dataDir, kafka: opts.kafka, advertisedHost: opts.advertisedHost });
    log.info(`data directory ${config.dataDir}`);
    broker = await Broker.start(config, log);
  } catch (e) {
    const msg = e instanceof ConfigError ? `configuration error: ${e.message}` : (e as Error).message;
    process.stderr.write(`tributary serve: ${msg}\n`);
    process.exit(1);
  }
  const { host, port } = broker.address();
  const adv = broker.advertised();
  process.stdout.write(`kafka listener on ${host}:${port} (advertised as ${adv.host}:${adv.port}, cluster ${broker.clusterId})\n`);
  for (const l of broker.ingest?.listeners() ?? []) {
    process.stdout.write(`${l.name} listener on ${formatAddress(l)}\n`);
  }

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      log.warn(`second ${signal}: exiting without a clean shutdown`);
      process.exit(130);
    }
    stopping = true;
    log.info(`${signal}: shutting down (flushing logs)…`);
    broker.stop().then(
      () => {
        log.info('clean shutdown complete');
        process.exit(0);
      },
      (e: Error) => {
        log.error(`shutdown failed: ${e.message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}
