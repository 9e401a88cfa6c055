// An in-process `serve` (broker + API on 127.0.0.1 port 0, temp data dir) and a fetch wrapper for its API.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from '../../src/app/app.js';
import { loadServeConfig } from '../../src/app/serve-config.js';
import { parseIngestConfig } from '../../src/ingest/config.js';
import { silentLogger, type Logger } from '../../src/common/logger.js';
import { METRICS_DEFAULTS, type MetricsConfig } from '../../src/metrics/config.js';
import { parseAlertsConfig } from '../../src/alerts/index.js';
import { parseConnections } from '../../src/ingest/follow/connection-config.js';

export interface TestApp {
  app: App;
  dataDir: string;
  /** http://127.0.0.1:PORT */
  base: string;
  token: string;
  kafka: string;
  /** fetch with the bearer token (unless `auth: false`), JSON body when `json` is given. */
  api(path: string, init?: RequestInit & { json?: unknown; auth?: boolean }): Promise<Response>;
  /** api() that expects `status` and returns the parsed JSON body. */
  call<T = any>(path: string, status: number, init?: RequestInit & { json?: unknown }): Promise<T>;
  stop(): Promise<void>;
}

export async function startApp(opts: { config?: Record<string, unknown>; logger?: Logger; dataDir?: string; metrics?: Partial<MetricsConfig>; ingest?: unknown; alerts?: unknown; connections?: unknown } = {}): Promise<TestApp> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'tributary-api-'));
  const config = loadServeConfig({ dataDir, kafka: '127.0.0.1:0', http: '127.0.0.1:0' });
  if (opts.ingest !== undefined) config.ingest = parseIngestConfig(opts.ingest);
  Object.assign(config.broker, { groupInitialRebalanceDelayMs: 100, ...(opts.config ?? {}) });
  if (opts.metrics) config.metrics = { ...(config.metrics ?? METRICS_DEFAULTS), ...opts.metrics };
  if (opts.alerts !== undefined) config.alerts = parseAlertsConfig(opts.alerts);
  // As the config file's "connections" object: these are the read-only, config-file connections.
  if (opts.connections !== undefined) config.connections = parseConnections(opts.connections);
  const app = await App.start(config, opts.logger ?? silentLogger);
  const { host, port } = app.api!.address();
  const base = `http://${host}:${port}`;
  const token = app.api!.token;
  const k = app.broker.address();
  const api = (path: string, init: RequestInit & { json?: unknown; auth?: boolean } = {}) => {
    const headers = new Headers(init.headers);
    if (init.auth !== false) headers.set('authorization', `Bearer ${token}`);
    let body = init.body;
    if (init.json !== undefined) {
      headers.set('content-type', 'application/json');
      body = JSON.stringify(init.json);
    }
    return fetch(`${base}${path}`, { ...init, headers, body, redirect: 'manual' });
  };
  const call = async (path: string, status: number, init: RequestInit & { json?: unknown } = {}) => {
    const res = await api(path, init);
    const text = await res.text();
    if (res.status !== status) throw new Error(`${init.method ?? 'GET'} ${path}: expected ${status}, got ${res.status}: ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  return {
    app,
    dataDir,
    base,
    token,
    kafka: `${k.host}:${k.port}`,
    api,
    call,
    stop: async () => {
      await app.stop();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A logger that keeps every line, for checking what was (not) logged. */
export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const at = (l: string) => (m: string) => void lines.push(`${l} ${m}`);
  return { lines, debug: at('DEBUG'), info: at('INFO'), warn: at('WARN'), error: at('ERROR') };
}
