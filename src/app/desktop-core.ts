import { readFileSync } from 'node:fs';
import { ConfigError } from '../broker/config.js';
import { formatHostPort } from '../common/host-port.js';
import type { Logger } from '../common/logger.js';
import { App } from './app.js';
import type { CoreToMain, MainToCore } from './desktop-protocol.js';
import { loadServeConfig, type ServeConfig } from './serve-config.js';

/** The message port a utility process has to its parent (Electron's `process.parentPort`), narrowed to what we use. */
export interface CorePort {
  postMessage(message: CoreToMain): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): unknown;
}

export interface DesktopCoreOptions {
  /** The OS user-data folder's data directory, chosen by the shell. */
  dataDir: string;
  /** `config.json` beside it, when the user wrote one (same keys as `tributary serve --config`). */
  configFile?: string;
}

/**
 * The desktop app's config: `serve`'s, with one difference. The API listens on a free loopback port unless the config
 * file names one: the window learns the URL from the ready message, so a fixed port would only add a way to clash with
 * a `tributary serve` running beside the app.
 */
export function desktopConfig(opts: DesktopCoreOptions): ServeConfig {
  const config = loadServeConfig({ dataDir: opts.dataDir, configFile: opts.configFile });
  if (config.api && !configFileSetsHttp(opts.configFile)) config.api = { ...config.api, listen: { host: '127.0.0.1', port: 0 } };
  return config;
}

function configFileSetsHttp(file: string | undefined): boolean {
  if (!file) return false;
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    return typeof parsed === 'object' && parsed !== null && 'http' in parsed;
  } catch {
    return false; // loadServeConfig has already said what is wrong with the file
  }
}

/**
 * Starts the app for the desktop shell and tells it where the UI is; a `stop` message shuts it down cleanly. A
 * failure to start is reported as `fatal` (with what to do) and rethrown; the caller owns the exit code.
 */
export async function runDesktopCore(port: CorePort, opts: DesktopCoreOptions, log: Logger, onStopped: (code: number) => void): Promise<App> {
  let app: App;
  try {
    const config = desktopConfig(opts);
    if (!config.api) throw new ConfigError('the desktop app needs the HTTP API: remove "http": "off" from the config file');
    log.info(`data directory ${config.broker.dataDir}`);
    app = await App.start(config, log);
  } catch (e) {
    const message = e instanceof ConfigError ? `configuration error: ${e.message}` : (e as Error).message;
    port.postMessage({ type: 'fatal', message });
    throw e;
  }
  const api = app.api!;
  port.on('message', (e) => {
    const msg = e.data as MainToCore | null;
    if (msg?.type !== 'stop') return;
    app.stop().then(
      () => onStopped(0),
      (err: Error) => {
        log.error(`shutdown failed: ${err.message}`);
        onStopped(1);
      },
    );
  });
  // Every notification of the alerts engine becomes a native desktop notification in the shell.
  app.alerts.onNotification((n) => port.postMessage({ type: 'alert', notice: n.type, rule: n.rule.id, title: n.title, body: n.body }));
  const uiUrl = api.uiUrl();
  port.postMessage({ type: 'ready', uiUrl, origin: new URL(uiUrl).origin, token: api.token, kafka: formatHostPort(app.broker.address()), dataDir: app.broker.config.dataDir });
  return app;
}
