// Secure by default, through the real app: the first start with a SASL listener creates the agent user (once), the
// settings API shows how another machine connects (with the generated password until it is changed, behind the
// API's token), the agent can log in with what is shown, and every start warns about plaintext off loopback.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../../src/app/app.js';
import { loadServeConfig } from '../../src/app/serve-config.js';
import { setPassword } from '../../src/broker/security/user-admin.js';
import { silentLogger } from '../../src/common/logger.js';
import { memoryLogger } from '../ingest/helpers.js';
import { saslLogin } from '../helpers/sasl-client.js';
import { WireClient } from '../helpers/wire-client.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tributary-secure-default-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const start = (dataDir: string, listeners: string, log = silentLogger) =>
  App.start(loadServeConfig({ dataDir, listeners, http: '127.0.0.1:0' }), log);

async function settings(app: App) {
  const { host, port } = app.api!.address();
  const res = await fetch(`http://${host}:${port}/api/v1/settings`, { headers: { authorization: `Bearer ${app.api!.token}` } });
  expect(res.status).toBe(200);
  return (await res.json()).security;
}

async function loginOverTls(port: number, ca: string, password: string): Promise<number> {
  const s = await new Promise<TLSSocket>((resolve, reject) => {
    const t = tlsConnect({ host: '127.0.0.1', port, ca: readFileSync(ca) }, () => resolve(t));
    t.once('error', reject);
  });
  const c = WireClient.over(s);
  try {
    return (await saslLogin(c, 'SCRAM-SHA-512', 'agent', password)).errorCode;
  } finally {
    c.close();
  }
}

describe('first start with a SASL_SSL listener', () => {
  it('creates the agent once, and the settings show a password and commands that log in', async () => {
    const data = join(dir, 'one');
    const app = await start(data, 'PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0');
    let password: string;
    try {
      expect(app.agentCreated?.user).toBe('agent');
      password = app.agentCreated!.password;
      const s = await settings(app);
      const [plain, secure] = app.broker.listenerAddresses();
      expect(s.listeners).toEqual([
        { protocol: 'PLAINTEXT', address: `127.0.0.1:${plain!.port}`, advertised: `127.0.0.1:${plain!.port}`, tls: false, sasl: false },
        { protocol: 'SASL_SSL', address: `127.0.0.1:${secure!.port}`, advertised: `127.0.0.1:${secure!.port}`, tls: true, sasl: true },
      ]);
      expect(s.caFile).toBe(join(data, 'tls', 'ca.pem'));
      expect(s.clientAuth).toBe('none');
      expect(s.agent).toEqual({ user: 'agent', password, passwordFile: join(data, 'tls', 'agent.password') });
      expect(s.connect.bootstrap).toBe(`127.0.0.1:${secure!.port}`);
      expect(s.connect.kcat).toContain(`-X sasl.password=${password}`);
      expect(s.connect.kcat).toContain(`-X ssl.ca.location=${s.caFile}`);
      expect(s.connect.kafkaPython).toContain(`sasl_plain_password='${password}'`);
      expect(s.connect.agent).toContain('--sasl-username agent --sasl-password-file agent.password');
      // What the settings show really logs in, and only that.
      expect(await loginOverTls(secure!.port, s.caFile, s.agent.password)).toBe(0);
      expect(await loginOverTls(secure!.port, s.caFile, `${password}x`)).toBe(58);
    } finally {
      await app.stop();
    }

    // A restart creates nothing and prints nothing, but the settings still show the generated password.
    const again = await start(data, 'PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0');
    try {
      expect(again.agentCreated).toBeNull();
      expect((await settings(again)).agent.password).toBe(password);
      // Changed by the user: the settings stop showing it, and the commands say PASSWORD instead.
      await setPassword(data, 'agent', 'chosen-by-the-user');
      const s = await settings(again);
      expect(s.agent).toEqual({ user: 'agent', password: null, passwordFile: null });
      expect(s.connect.kcat).toContain('-X sasl.password=PASSWORD');
      expect(s.connect.kcat).not.toContain(password);
    } finally {
      await again.stop();
    }
  }, 60_000);

  it('a plaintext-only start creates no user and shows no connect commands', async () => {
    const app = await start(join(dir, 'plain'), 'PLAINTEXT://127.0.0.1:0');
    try {
      expect(app.agentCreated).toBeNull();
      const s = await settings(app);
      expect(s.agent).toBeNull();
      expect(s.connect).toBeNull();
      expect(s.caFile).toBeNull();
    } finally {
      await app.stop();
    }
  }, 30_000);
});

describe('plaintext off loopback', () => {
  it('is warned about at every start, saying what anyone on the network can do; loopback and TLS are not', async () => {
    const data = join(dir, 'exposed');
    for (let run = 0; run < 2; run++) {
      const log = memoryLogger();
      const app = await start(data, 'PLAINTEXT://0.0.0.0:0,SASL_PLAINTEXT://0.0.0.0:0,SASL_SSL://0.0.0.0:0', log);
      await app.stop();
      const warnings = log.lines.filter((l) => l.startsWith('warn kafka listener'));
      expect(warnings).toHaveLength(2);
      expect(warnings[0]).toMatch(/^warn kafka listener PLAINTEXT:\/\/0\.0\.0\.0:0 is reachable from other machines without TLS and without a login: anyone who can reach it connects as User:ANONYMOUS .*reading every topic, writing any record, deleting topics and consumer groups/);
      expect(warnings[1]).toMatch(/^warn kafka listener SASL_PLAINTEXT:\/\/0\.0\.0\.0:0 is reachable from other machines without TLS: anyone on the network path can read every record sent through it, and with PLAIN the password itself/);
    }
    const log = memoryLogger();
    const quiet = await start(join(dir, 'quiet'), 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0,SSL://0.0.0.0:0', log);
    await quiet.stop();
    expect(log.lines.filter((l) => l.startsWith('warn kafka listener'))).toEqual([]);
  }, 60_000);
});
