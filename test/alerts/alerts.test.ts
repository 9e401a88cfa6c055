// Alerts end to end on a real app (broker, metrics store, API on port 0), rules evaluated every 200 ms: each rule kind
// fires on synthetic data written with our Kafka client or the messages API and resolves when the data says so; each
// notification reaches a real webhook receiver and the alerts topic; bad rules are a clear 400.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaClient } from '../../src/client/index.js';
import { waitUntil } from '../helpers/wait-until.js';
import { startApp, type TestApp } from '../server/helpers.js';
import { startReceiver, type Receiver } from './receiver.js';

let t: TestApp;
let hook: Receiver;
let client: KafkaClient;

beforeAll(async () => {
  hook = await startReceiver();
  t = await startApp({ alerts: { interval: '200ms' } });
  await t.call('/api/v1/alerts/webhooks', 200, { method: 'PUT', json: { webhooks: [{ url: hook.url, headers: { authorization: 'Bearer hook-secret' } }] } });
  client = new KafkaClient({ bootstrap: [t.kafka], clientId: 'tributary-agent-edge1' });
});
afterAll(async () => {
  await client?.close();
  await t?.stop();
  await hook?.close();
});

type Alert = { rule: { id: string }; key: string; state: string; value: number | null; labels: Record<string, string> };
const alertsOf = async (rule: string): Promise<Alert[]> => ((await t.call('/api/v1/alerts', 200)).alerts as Alert[]).filter((a) => a.rule.id === rule);
const stateOf = async (rule: string, key: string) => (await alertsOf(rule)).find((a) => a.key === key)?.state ?? 'ok';
const hooksFor = (rule: string, type?: string) => hook.calls.filter((c) => c.body.rule.id === rule && (type === undefined || c.body.type === type));
const waitState = (rule: string, key: string, state: string, timeoutMs = 20_000) =>
  waitUntil(`${rule} ${key || '(no group)'} to be ${state}`, async () => (await stateOf(rule, key)) === state, { timeoutMs, details: () => JSON.stringify(hook.calls.map((c) => c.body.title)) });

describe('log count over a window, by host', () => {
  it('fires for the host with more than the threshold of level:error in the window, with the records as samples, then resolves', { timeout: 90_000 }, async () => {
    await t.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'app', partitions: 2 } });
    await t.call('/api/v1/alerts/rules/errors', 200, { method: 'PUT', json: { kind: 'log-count', name: 'Errors per host', query: 'level:error', by: 'host', window: '4s', threshold: 5 } });
    const p = client.producer();
    const line = (level: string, host: string, i: number) => ({ value: `level=${level} host=${host} msg="request ${i} failed"`, headers: [['host', host]] as [string, string][] });
    await p.send('app', [...Array.from({ length: 8 }, (_, i) => line('error', 'web1', i)), ...Array.from({ length: 3 }, (_, i) => line('error', 'web2', i)), ...Array.from({ length: 20 }, (_, i) => line('info', 'web2', i))]);

    await waitState('errors', 'web1', 'firing');
    const firing = (await alertsOf('errors')).find((a) => a.key === 'web1')!;
    expect(firing).toMatchObject({ labels: { host: 'web1' }, value: 8 });
    expect(await stateOf('errors', 'web2')).toBe('ok'); // 3 errors: not more than 5

    const history = (await t.call('/api/v1/alerts/history?rule=errors', 200)).history;
    const fired = history.find((h: { to: string; key: string }) => h.to === 'firing' && h.key === 'web1');
    expect(fired.samples.length).toBeGreaterThan(0);
    for (const s of fired.samples) expect(s).toMatchObject({ kind: 'record', topic: 'app', value: expect.stringContaining('level=error host=web1') });

    await waitUntil('the firing webhook', () => hooksFor('errors', 'firing').length === 1, { timeoutMs: 10_000 });
    const call = hooksFor('errors', 'firing')[0]!;
    expect(call.headers.authorization).toBe('Bearer hook-secret');
    expect(call.body).toMatchObject({ key: 'web1', state: 'firing', value: 8, labels: { host: 'web1' } });

    // Nothing more is written: once the records slide out of the 4 s window the count is 0 and the alert resolves.
    await waitState('errors', 'web1', 'resolved');
    await waitUntil('the resolved webhook', () => hooksFor('errors', 'resolved').length === 1, { timeoutMs: 10_000 });

    // Both notifications are records of the alerts topic too.
    await waitUntil('two records in the alerts topic', async () => {
      const r = await t.call('/api/v1/topics/alerts/messages?limit=100', 200);
      return r.records.filter((m: { value: string }) => JSON.parse(m.value).rule.id === 'errors').length === 2;
    });
  });
});

describe('metric threshold by tag, sustained', () => {
  it('goes pending, fires after `for` only for the host above the threshold, and resolves when it drops', async () => {
    await t.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'metrics', partitions: 1 } });
    await t.call('/api/v1/alerts/rules/cpu', 200, { method: 'PUT', json: { kind: 'metric-threshold', name: 'CPU high', measurement: 'cpu', field: 'usage', by: ['host'], op: '>', threshold: 90, for: '1s' } });
    const write = (host: string, v: number) => t.call('/api/v1/topics/metrics/messages', 201, { method: 'POST', json: { value: `cpu,host=${host} usage=${v} ${Date.now() * 1e6}` } });
    const seen = new Set<string>();
    const deadline = Date.now() + 25_000;
    while (Date.now() < deadline && (await stateOf('cpu', 'host=hot')) !== 'firing') {
      seen.add(await stateOf('cpu', 'host=hot'));
      await write('hot', 97);
      await write('cool', 40);
      await new Promise((r) => setTimeout(r, 150));
    }
    expect(await stateOf('cpu', 'host=hot')).toBe('firing');
    expect(seen.has('pending')).toBe(true); // it waited out `for` before firing
    expect(await stateOf('cpu', 'host=cool')).toBe('ok');
    const fired = (await t.call('/api/v1/alerts/history?rule=cpu', 200)).history.find((h: { to: string }) => h.to === 'firing');
    expect(fired.samples.every((s: { kind: string; tags: { host: string }; value: number }) => s.kind === 'point' && s.tags.host === 'hot' && s.value === 97)).toBe(true);

    await write('hot', 20);
    await waitState('cpu', 'host=hot', 'resolved');
  });
});

describe('source silent', () => {
  it('fires when an agent that produced stops for silentFor, and resolves when it sends again', async () => {
    await t.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'edge', partitions: 1 } });
    await t.call('/api/v1/alerts/rules/quiet', 200, { method: 'PUT', json: { kind: 'source-silent', by: 'agent', silentFor: '1500ms' } });
    await client.producer().send('edge', [{ value: 'hello' }]);
    await waitUntil('the agent to be known (ok)', async () => (await t.call('/api/v1/alerts/rules/quiet', 200)).lastEvaluatedAt !== null);
    await waitState('quiet', 'edge1', 'firing');
    await client.producer().send('edge', [{ value: 'back' }]);
    await waitState('quiet', 'edge1', 'resolved');
    await waitUntil('firing and resolved webhooks', () => hooksFor('quiet', 'firing').length === 1 && hooksFor('quiet', 'resolved').length === 1, { timeoutMs: 10_000 });
    expect(hooksFor('quiet', 'firing')[0]!.body.labels).toEqual({ agent: 'edge1' });
  });
});

describe('consumer-group lag', () => {
  it('fires when a group lags by more than the bound and resolves when it catches up', async () => {
    await t.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'jobs', partitions: 1 } });
    await t.call('/api/v1/alerts/rules/lag', 200, { method: 'PUT', json: { kind: 'group-lag', groups: ['work*'], threshold: 5 } });
    await client.producer().send('jobs', Array.from({ length: 10 }, (_, i) => ({ value: `job ${i}` })));
    await client.groups.commitOffsets('workers', 'jobs', new Map([[0, 2]]));
    await client.groups.commitOffsets('other', 'jobs', new Map([[0, 0]])); // not matched by work*
    await waitState('lag', 'workers', 'firing');
    expect((await alertsOf('lag')).map((a) => [a.key, a.value])).toEqual([['workers', 8]]);
    await client.groups.commitOffsets('workers', 'jobs', new Map([[0, 10]]));
    await waitState('lag', 'workers', 'resolved');
  });
});

describe('rules through the API', () => {
  it('answers 400 with the key and what to write for every bad rule, 404 for an unknown one', async () => {
    const bad: [unknown, RegExp][] = [
      [{ kind: 'nope' }, /body\.kind: must be one of "log-count"/],
      [{ kind: 'log-count', threshold: 1, window: 'soon' }, /body\.window: "soon" is not a duration/],
      [{ kind: 'log-count', threshold: 1, query: 'level:(' }, /body\.query: /],
      [{ kind: 'log-count' }, /body\.threshold: is required/],
      [{ kind: 'metric-threshold', threshold: 1 }, /body\.measurement: is required/],
      [{ kind: 'group-lag', threshold: 1, lagg: 2 }, /body\.lagg: is not a key of a group-lag rule/],
      [{ kind: 'source-silent', id: 'other' }, /body\.id: "other" differs from the id in the path/],
      [{ kind: 'source-silent', repeatInterval: '10ms' }, /body\.repeatInterval: must be at least 1000 ms/],
      [[1], /body must be object/],
    ];
    for (const [json, message] of bad) {
      const res = await t.api('/api/v1/alerts/rules/r1', { method: 'PUT', json });
      expect(res.status, JSON.stringify(json)).toBe(400);
      expect((await res.json()).error.message).toMatch(message);
    }
    expect((await t.api('/api/v1/alerts/rules/bad%20id', { method: 'PUT', json: { kind: 'group-lag', threshold: 1 } })).status).toBe(400);
    expect((await t.api('/api/v1/alerts/webhooks', { method: 'PUT', json: { webhooks: [{ url: 'file:///etc/passwd' }] } })).status).toBe(400);
    expect((await t.api('/api/v1/alerts/history?limit=0')).status).toBe(400);
    expect((await t.api('/api/v1/alerts/rules/missing', { method: 'DELETE' })).status).toBe(404);
    expect((await t.api('/api/v1/alerts/rules/missing')).status).toBe(404);
    await t.call('/api/v1/alerts/rules/lag', 200, { method: 'DELETE' });
    expect((await t.call('/api/v1/alerts/rules', 200)).rules.map((r: { rule: { id: string } }) => r.rule.id)).not.toContain('lag');
  });
});
