// An in-process `serve` with a plaintext and a SASL_PLAINTEXT Kafka listener, for the API tests whose effect a real
// SASL client must see (users, ACLs): the API's base URL, its port for SASL clients, and a fetch with the token.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from '../../src/app/app.js';
import { loadServeConfig } from '../../src/app/serve-config.js';
import { silentLogger } from '../../src/common/logger.js';

export interface SaslTestApp {
  app: App;
  /** http://HOST:PORT/api/v1 */
  base: string;
  saslPort: number;
  /** A request with the API token (a JSON body when given). */
  api(method: string, path: string, body?: unknown): Promise<Response>;
  stop(): Promise<void>;
}

export async function startSaslApp(tempPrefix: string): Promise<SaslTestApp> {
  const dir = mkdtempSync(join(tmpdir(), tempPrefix));
  const app = await App.start(loadServeConfig({ dataDir: join(dir, 'data'), listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0', http: '127.0.0.1:0' }), silentLogger);
  const { host, port } = app.api!.address();
  const base = `http://${host}:${port}/api/v1`;
  const auth = { authorization: `Bearer ${app.api!.token}` };
  return {
    app,
    base,
    saslPort: app.broker.listenerAddresses().find((l) => l.protocol === 'SASL_PLAINTEXT')!.port,
    api: (method, path, body) =>
      fetch(`${base}${path}`, body === undefined ? { method, headers: auth } : { method, headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    stop: async () => {
      await app.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
