// src/app/desktop-core.ts in-process, with a fake parent port: the ready message (where the UI is, loopback origin,
// token), the API on a free loopback port unless the config file names one, a stop message that shuts down cleanly,
// and a configuration error reported as `fatal` in words a person can act on.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { desktopConfig, runDesktopCore, type CorePort } from '../../src/app/desktop-core.js';
import type { CoreReady, CoreToMain } from '../../src/app/desktop-protocol.js';
import { KafkaClient } from '../../src/client/index.js';
import { silentLogger } from '../../src/common/logger.js';

function fakePort() {
  const sent: CoreToMain[] = [];
  let listener: ((e: { data: unknown }) => void) | null = null;
  const port: CorePort = { postMessage: (m) => sent.push(m), on: (_e, l) => (listener = l) };
  return { port, sent, send: (data: unknown) => listener?.({ data }) };
}

function dirWithConfig(config: object): { dataDir: string; configFile: string } {
  const base = mkdtempSync(join(tmpdir(), 'tributary-desktop-core-'));
  const configFile = join(base, 'config.json');
  writeFileSync(configFile, JSON.stringify(config));
  return { dataDir: join(base, 'data'), configFile };
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('the desktop core', () => {
  it('reports where the UI is, serves it there, and stops cleanly when asked', async () => {
    const { port, sent, send } = fakePort();
    const opts = dirWithConfig({ kafka: '127.0.0.1:0' });
    let stopped: number | null = null;
    const app = await runDesktopCore(port, opts, silentLogger, (code) => (stopped = code));
    expect(sent).toHaveLength(1);
    const ready = sent[0] as CoreReady;
    expect(ready.type).toBe('ready');
    expect(ready.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(ready.uiUrl).toBe(`${ready.origin}/?token=${ready.token}`);
    expect(ready.kafka).toBe(`127.0.0.1:${app.broker.address().port}`);
    expect(ready.dataDir).toBe(opts.dataDir);
    const res = await fetch(ready.uiUrl, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
    expect((await fetch(`${ready.origin}/api/v1/overview`, { headers: { cookie } })).status).toBe(200);

    send({ type: 'something else' });
    send({ type: 'stop' });
    await new Promise<void>((resolve, reject) => {
      const deadline = Date.now() + 20_000;
      const poll = () => (stopped !== null ? resolve() : Date.now() > deadline ? reject(new Error('no stop within 20 s')) : setTimeout(poll, 20));
      poll();
    });
    expect(stopped).toBe(0);
    await expect(fetch(`${ready.origin}/api/v1/overview`)).rejects.toThrow();
  });

  it("posts every alert the core's rules raise as an alert message for the shell's native notification", async () => {
    const { port, sent } = fakePort();
    const rule = { id: 'lag', name: 'Workers behind', kind: 'group-lag', threshold: 0 };
    const app = await runDesktopCore(port, dirWithConfig({ kafka: '127.0.0.1:0', alerts: { interval: '200ms', rules: [rule] } }), silentLogger, () => {});
    try {
      app.broker.topics.createTopic('jobs', 1, {}, false);
      const { port: kafkaPort } = app.broker.address();
      const client = new KafkaClient({ bootstrap: [`127.0.0.1:${kafkaPort}`], clientId: 'desktop-core-test' });
      await client.producer().send('jobs', [{ value: 'job' }]);
      await client.groups.commitOffsets('workers', 'jobs', new Map([[0, 0]]));
      await client.close();
      const deadline = Date.now() + 20_000;
      while (!sent.some((m) => m.type === 'alert') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(sent.find((m) => m.type === 'alert')).toEqual({ type: 'alert', notice: 'firing', rule: 'lag', title: 'Firing: Workers behind on group workers', body: 'lag of 1 records (alert when > 0)' });
    } finally {
      await app.stop();
    }
  });

  it('puts the API on a free loopback port, unless the config file names one', async () => {
    expect(desktopConfig(dirWithConfig({})).api?.listen).toEqual({ host: '127.0.0.1', port: 0 });
    const port = await freePort();
    expect(desktopConfig(dirWithConfig({ http: `127.0.0.1:${port}` })).api?.listen).toEqual({ host: '127.0.0.1', port });
    expect(desktopConfig({ dataDir: mkdtempSync(join(tmpdir(), 'tributary-desktop-nocfg-')) }).api?.listen).toEqual({ host: '127.0.0.1', port: 0 });
  });

  it('reports a configuration error as fatal, with the key to fix, and does not start', async () => {
    const { port, sent } = fakePort();
    await expect(runDesktopCore(port, dirWithConfig({ kafka: '127.0.0.1:0', retentionCheckIntervalMs: 'soon' }), silentLogger, () => {})).rejects.toThrow();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ type: 'fatal', message: expect.stringMatching(/^configuration error: .*retentionCheckIntervalMs/) });
  });

  it('refuses a config that turns the API off: the window has nothing to show without it', async () => {
    const { port, sent } = fakePort();
    await expect(runDesktopCore(port, dirWithConfig({ kafka: '127.0.0.1:0', http: 'off' }), silentLogger, () => {})).rejects.toThrow(/needs the HTTP API/);
    expect(sent[0]).toMatchObject({ type: 'fatal', message: expect.stringMatching(/remove "http": "off"/) });
  });
});
