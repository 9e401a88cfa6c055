// Source-silent rules see direct-ingest senders: syslog over a real TCP socket and HTTP ingest over real HTTP write
// through the in-process producer (no Kafka client), and a rule by host goes ok → firing after silence → resolved
// when the sender comes back, on a real app with rules evaluated every 200 ms.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../helpers/wait-until.js';
import { startApp, type TestApp } from '../server/helpers.js';

const TOKEN = 'ingest-secret-token-0123456789';
let t: TestApp;

beforeAll(async () => {
  t = await startApp({
    alerts: { interval: '200ms' },
    ingest: { syslog: { tcp: '127.0.0.1:0', topic: 'syslog' }, http: { listen: '127.0.0.1:0', token: TOKEN, logsTopic: 'logs', metricsTopic: 'metrics' } },
  });
});
afterAll(async () => {
  await t?.stop();
});

type Alert = { rule: { id: string }; key: string; state: string; labels: Record<string, string> };
const alertsOf = async (rule: string): Promise<Alert[]> => ((await t.call('/api/v1/alerts', 200)).alerts as Alert[]).filter((a) => a.rule.id === rule);
const stateOf = async (rule: string, key: string) => (await alertsOf(rule)).find((a) => a.key === key)?.state ?? 'ok';
const port = (name: string) => t.app.listeners().find((l) => l.name === name)!.port;
const history = async (rule: string, key: string) =>
  ((await t.call(`/api/v1/alerts/history?rule=${rule}`, 200)).history as { key: string; to: string }[]).filter((h) => h.key === key).map((h) => h.to);

/** One RFC 5424 message from HOSTNAME `host` over a new TCP connection (newline framing), closed after. */
function syslogFrom(host: string, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect(port('syslog tcp'), '127.0.0.1', () => s.end(`<134>1 ${new Date().toISOString()} ${host} app - - - ${text}\n`));
    s.on('error', reject);
    s.on('close', () => resolve());
  });
}

const syslogRecords = async (host: string): Promise<number> =>
  (await t.call('/api/v1/topics/syslog/messages?limit=1000', 200)).records.filter((r: { key: string | null }) => r.key === host).length;

describe('source silent over direct ingest', () => {
  it('a syslog sender, known by its HOSTNAME, goes ok → firing after silence → resolved when it sends again', { timeout: 90_000 }, async () => {
    await t.call('/api/v1/alerts/rules/quiet-hosts', 200, { method: 'PUT', json: { kind: 'source-silent', by: 'host', silentFor: '2s' } });
    // Sending every 300 ms (well under 2 s): the host is watched and not silent.
    for (let i = 0; i < 6; i++) {
      await syslogFrom('db7', `tick ${i}`);
      await new Promise((r) => setTimeout(r, 300));
    }
    await waitUntil('the six messages in the syslog topic', async () => (await syslogRecords('db7')) === 6, { timeoutMs: 20_000 });
    expect(await history('quiet-hosts', 'db7')).not.toContain('firing');
    const watched = (await alertsOf('quiet-hosts')).find((a) => a.key === 'db7');
    expect(watched?.state ?? 'ok').not.toBe('firing');

    // Silence: firing, labelled with the host.
    await waitUntil('db7 to be firing', async () => (await stateOf('quiet-hosts', 'db7')) === 'firing', { timeoutMs: 30_000 });
    expect((await alertsOf('quiet-hosts')).find((a) => a.key === 'db7')!.labels).toEqual({ host: 'db7' });

    // It sends again: resolved.
    await syslogFrom('db7', 'back');
    await waitUntil('db7 to be resolved', async () => (await stateOf('quiet-hosts', 'db7')) === 'resolved', { timeoutMs: 30_000 });
    expect(await history('quiet-hosts', 'db7')).toEqual(expect.arrayContaining(['firing', 'resolved']));
  });

  it('an HTTP ingest sender, known by ?host=, is the client http:<host> and goes firing after silence, resolved when it posts again', { timeout: 90_000 }, async () => {
    await t.call('/api/v1/alerts/rules/quiet-clients', 200, { method: 'PUT', json: { kind: 'source-silent', by: 'client', silentFor: '1500ms' } });
    const post = async () => {
      const res = await fetch(`http://127.0.0.1:${port('http ingest')}/ingest/app?host=web9`, { method: 'POST', body: 'level=info msg=hello\n', headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.status).toBe(200);
    };
    await post();
    await waitUntil('http:web9 to be firing', async () => (await stateOf('quiet-clients', 'http:web9')) === 'firing', { timeoutMs: 30_000 });
    expect((await alertsOf('quiet-clients')).find((a) => a.key === 'http:web9')!.labels).toEqual({ client: 'http:web9' });
    await post();
    await waitUntil('http:web9 to be resolved', async () => (await stateOf('quiet-clients', 'http:web9')) === 'resolved', { timeoutMs: 30_000 });
  });
});
