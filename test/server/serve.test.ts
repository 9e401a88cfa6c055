// `tributary serve` (a real process) and the API: the one URL line, the token file (0600, reused), the token absent
// from everything printed after that line, `--http off`, the loopback default and `--http-public`, and `npm start`.
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startBroker, stopAllBrokers } from '../helpers/broker-process.js';
import { runCli } from '../helpers/run-cli.js';

afterAll(async () => {
  await stopAllBrokers();
});

const UI_LINE = /^ui on http:\/\/127\.0\.0\.1:(\d+)\/\?token=([A-Za-z0-9_-]+)$/;

describe('tributary serve with the API', () => {
  it('prints one URL line with a token kept in a 0600 file, reused on restart, and never printed again', async () => {
    let broker = await startBroker({ env: { ...process.env, TRIBUTARY_LOG_LEVEL: 'debug' } });
    const line = await broker.waitForLine(UI_LINE);
    const [, port, token] = UI_LINE.exec(line)!;
    const base = `http://127.0.0.1:${port}`;
    const file = join(broker.dataDir, '__meta', 'api-token');
    expect(readFileSync(file, 'utf8').trim()).toBe(token);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(Buffer.from(token!, 'base64url').length).toBeGreaterThanOrEqual(16);

    // Use the token every way a client may, including failing requests and a WebSocket with ?token=.
    expect((await fetch(`${base}/?token=${token}`, { redirect: 'manual' })).status).toBe(302);
    expect((await fetch(`${base}/api/v1/topics`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await fetch(`${base}/api/v1/topics/none/messages?cursor=${token}`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(404);
    await new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/api/v1/overview/live?token=${token}`);
      ws.once('message', () => {
        ws.close();
        resolve();
      });
      ws.once('error', reject);
    });
    expect((await broker.stop()).code).toBe(0);
    const printed = [...broker.stdout, ...broker.stderr];
    expect(printed.filter((l) => UI_LINE.test(l))).toHaveLength(1);
    expect(printed.filter((l) => l.includes(token!) && l !== line)).toEqual([]);
    expect(broker.stderr.some((l) => / DEBUG .*api GET \/api\/v1\/topics 200/.test(l))).toBe(true); // the request log ran

    broker = await startBroker({ dataDir: broker.dataDir });
    expect(UI_LINE.exec(await broker.waitForLine(UI_LINE))![2]).toBe(token);
    await broker.stop();
  });

  it('runs without the API when told --http off', async () => {
    const broker = await startBroker({ args: ['--http', 'off'] });
    await broker.stop();
    expect(broker.stdout.some((l) => l.startsWith('ui on'))).toBe(false);
  });

  it('refuses a non-loopback API address without --http-public, and warns with it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tributary-api-public-'));
    const refused = await runCli(['serve', '--data-dir', dir, '--kafka', '127.0.0.1:0', '--http', '0.0.0.0:0']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/configuration error: http: 0\.0\.0\.0:0 lets other machines reach the API .* --http-public/);
    const broker = await startBroker({ args: ['--http', '0.0.0.0:0', '--http-public'] });
    await broker.waitForLine(UI_LINE); // a wildcard address is opened through loopback
    await broker.waitForLine(/WARN .*the API listens on 0\.0\.0\.0:\d+: other machines can reach it/);
    await broker.stop();
  });

  it('says what to do when the API address is taken or malformed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tributary-api-taken-'));
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const r = await runCli(['serve', '--data-dir', dir, '--kafka', '127.0.0.1:0', '--http', `127.0.0.1:${port}`]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`cannot listen for the API on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE.* choose another with --http HOST:PORT, or --http off`));
    } finally {
      taken.close();
    }
    const bad = await runCli(['serve', '--data-dir', dir, '--http', 'nowhere']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/"nowhere" is not HOST:PORT/);
  });

  it('`npm start` (bin/start.js) prints the UI URL line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tributary-npm-start-'));
    const bin = fileURLToPath(new URL('../../bin/start.js', import.meta.url));
    // Headless: where Electron's binary is installed, npm start would open the desktop app (test/main/start.test.ts).
    const env = { ...process.env, TRIBUTARY_HEADLESS: '1' };
    const child = spawn(process.execPath, [bin, '--data-dir', dir, '--kafka', '127.0.0.1:0', '--http', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let out = '';
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ui line within 20 s; stdout: ${out}`)), 20_000);
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (/^ui on http:\/\/127\.0\.0\.1:\d+\/\?token=\S+$/m.test(out)) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.once('exit', (code) => reject(new Error(`npm start exited with ${code}; stdout: ${out}`)));
      });
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('close', r));
    }
    expect(out).toMatch(/^kafka listener on 127\.0\.0\.1:\d+/m);
  });
});
