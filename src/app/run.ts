import { ConfigError } from '../broker/config.js';
import { formatHostPort } from '../common/host-port.js';
import { formatAddress } from '../common/listen.js';
import { consoleLogger } from '../common/logger.js';
import { App } from './app.js';
import { loadServeConfig, type ServeConfigSources } from './serve-config.js';
import { firstStartBanner } from './first-start-banner.js';
import { securitySettings } from './security-settings.js';

/** `tributary serve`: run the app in the foreground until SIGINT/SIGTERM, then shut down cleanly. Owns exit codes. */
export async function runServe(opts: Omit<ServeConfigSources, 'configFile'> & { config?: string }): Promise<void> {
  const log = consoleLogger((process.env.TRIBUTARY_LOG_LEVEL as 'debug' | 'info' | undefined) ?? 'info');
  let app: App;
  try {
    const config = loadServeConfig({ ...opts, configFile: opts.config });
    log.info(`data directory ${config.broker.dataDir}`);
    app = await App.start(config, log);
  } catch (e) {
    const msg = e instanceof ConfigError ? `configuration error: ${e.message}` : (e as Error).message;
    process.stderr.write(`tributary serve: ${msg}\n`);
    process.exit(1);
  }
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      log.warn(`second ${signal}: exiting without a clean shutdown`);
      process.exit(130);
    }
    stopping = true;
    log.info(`${signal}: shutting down (flushing logs)…`);
    app.stop().then(
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
  // Before the listener line: whoever reads it may signal at once (a supervisor, a test on a loaded machine).
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  const { broker } = app;
  // One line per listener, the first as it always was ("kafka listener on HOST:PORT (…"), so scripts keep finding it.
  for (const l of broker.listenerAddresses()) {
    process.stdout.write(`kafka listener on ${formatHostPort(l)} (${l.protocol}, advertised as ${formatHostPort(l.advertised)}, cluster ${broker.clusterId})\n`);
  }
  const ca = broker.caFile();
  if (ca) process.stdout.write(`kafka TLS clients trust ${ca} (kcat: -X ssl.ca.location=${ca}; kafka-python: ssl_cafile='${ca}')\n`);
  if (app.agentCreated) process.stdout.write(firstStartBanner(await securitySettings(broker)));
  for (const l of app.listeners()) {
    const tls = l.tls ? ` (TLS${l.caFile ? `; senders trust ${l.caFile}` : ''})` : '';
    process.stdout.write(`${l.name} listener on ${formatAddress(l)}${tls}\n`);
  }
  // The one line that carries the token: nothing logs it again (see src/server/auth.ts).
  if (app.api) process.stdout.write(`ui on ${app.api.uiUrl()}\n`);
}
