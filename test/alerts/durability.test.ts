// Alerts across a restart (same data directory, rules from the config file) and the delivery rules of notifications:
// a webhook answering 500 is retried until it takes the notification; a firing alert repeats at its repeatInterval.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KafkaClient } from '../../src/client/index.js';
import { sleep, waitUntil } from '../helpers/wait-until.js';
import { startApp, type TestApp } from '../server/helpers.js';
import { startReceiver, type Receiver } from './receiver.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const f of cleanup.reverse()) await f();
});

type Alert = { rule: { id: string }; key: string; state: string; since: number; lastNotifiedAt: number | null; value: number | null };
const alertsOf = async (t: TestApp, rule: string): Promise<Alert[]> => ((await t.call('/api/v1/alerts', 200)).alerts as Alert[]).filter((a) => a.rule.id === rule);

async function laggingGroup(t: TestApp, group: string, committed: number, produced = 10): Promise<void> {
  const client = new KafkaClient({ bootstrap: [t.kafka], clientId: 'durability-test' });
  try {
    if (!(await t.api('/api/v1/topics/jobs')).ok) await t.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'jobs', partitions: 1 } });
    await client.producer().send('jobs', Array.from({ length: produced }, (_, i) => ({ value: `job ${i}` })));
    await client.groups.commitOffsets(group, 'jobs', new Map([[0, committed]]));
  } finally {
    await client.close();
  }
}

describe('alerts survive a restart', () => {
  it('a firing alert is firing again right after the restart, with the same since, and does not notify again before its repeat interval', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tributary-alerts-'));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const hook = await startReceiver();
    cleanup.push(() => hook.close());
    const alerts = {
      interval: '200ms',
      webhooks: [hook.url],
      rules: [
        { id: 'lag', kind: 'group-lag', threshold: 5, repeatInterval: '1h' },
        { id: 'pend', kind: 'group-lag', threshold: 5, for: '1h' }, // stays pending across the restart
      ],
    };
    let t = await startApp({ dataDir, alerts });
    await laggingGroup(t, 'workers', 1);
    await waitUntil('lag firing and pend pending', async () => (await alertsOf(t, 'lag'))[0]?.state === 'firing' && (await alertsOf(t, 'pend'))[0]?.state === 'pending', { timeoutMs: 20_000 });
    await waitUntil('the firing webhook', () => hook.calls.length === 1, { timeoutMs: 10_000 });
    const before = [...(await alertsOf(t, 'lag')), ...(await alertsOf(t, 'pend'))];
    const rules = (await t.call('/api/v1/alerts/rules', 200)).rules;
    expect(rules.every((r: { readOnly: boolean }) => r.readOnly)).toBe(true);
    expect((await t.api('/api/v1/alerts/rules/lag', { method: 'DELETE' })).status).toBe(409);
    await t.stop();

    t = await startApp({ dataDir, alerts });
    cleanup.push(() => t.stop());
    // Before any evaluation and after several: the same states, entered at the same times.
    const after = [...(await alertsOf(t, 'lag')), ...(await alertsOf(t, 'pend'))];
    expect(after.map((a) => [a.rule.id, a.key, a.state, a.since])).toEqual(before.map((a) => [a.rule.id, a.key, a.state, a.since]));
    const evaluated = (await t.call('/api/v1/alerts/rules/lag', 200)).lastEvaluatedAt;
    await waitUntil('a few evaluations after the restart', async () => ((await t.call('/api/v1/alerts/rules/lag', 200)).lastEvaluatedAt ?? 0) > (evaluated ?? 0) + 600);
    expect((await alertsOf(t, 'lag')).map((a) => [a.state, a.since])).toEqual([['firing', before[0]!.since]]);
    expect((await alertsOf(t, 'pend')).map((a) => [a.state, a.since])).toEqual([['pending', before[1]!.since]]);
    expect(hook.calls.map((c) => c.body.type)).toEqual(['firing']);
    const history = (await t.call('/api/v1/alerts/history', 200)).history.map((h: { rule: { id: string }; to: string }) => `${h.rule.id}:${h.to}`);
    expect(history.sort()).toEqual(['lag:firing', 'pend:pending']);

    // And it resolves after the restart like any other.
    await laggingGroup(t, 'workers', 20, 0);
    await waitUntil('lag resolved', async () => (await alertsOf(t, 'lag'))[0]?.state === 'resolved', { timeoutMs: 20_000 });
    await waitUntil('the resolved webhook', () => hook.calls.map((c) => c.body.type).join() === 'firing,resolved', { timeoutMs: 10_000 });
  });
});

describe('log-count and silent-source alerts survive a restart', () => {
  it('a firing log-count alert recounts its window after the restart and stays firing; a silent source stays silent', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tributary-alerts-'));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const hook = await startReceiver();
    cleanup.push(() => hook.close());
    const alerts = {
      interval: '200ms',
      webhooks: [hook.url],
      rules: [
        { id: 'errors', kind: 'log-count', query: 'level:error', by: 'host', window: '10m', threshold: 3, repeatInterval: '1h' },
        { id: 'quiet', kind: 'source-silent', by: 'agent', silentFor: '1s', repeatInterval: '1h' },
      ],
    };
    let t = await startApp({ dataDir, alerts });
    const client = new KafkaClient({ bootstrap: [t.kafka], clientId: 'tributary-agent-edge9' });
    await t.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'app', partitions: 1 } });
    await client.producer().send('app', Array.from({ length: 5 }, (_, i) => ({ value: `level=error host=db9 msg="failed ${i}"` })));
    await client.close();
    await waitUntil('errors and quiet firing', async () => (await alertsOf(t, 'errors'))[0]?.state === 'firing' && (await alertsOf(t, 'quiet'))[0]?.state === 'firing', { timeoutMs: 20_000 });
    const before = [...(await alertsOf(t, 'errors')), ...(await alertsOf(t, 'quiet'))].map((a) => [a.rule.id, a.key, a.state, a.since]);
    expect(before.map((b) => b.slice(0, 3))).toEqual([['errors', 'db9', 'firing'], ['quiet', 'edge9', 'firing']]);
    await t.stop();

    t = await startApp({ dataDir, alerts });
    cleanup.push(() => t.stop());
    const evaluated = (await t.call('/api/v1/alerts/rules/errors', 200)).lastEvaluatedAt ?? 0;
    await waitUntil('a few evaluations after the restart', async () => ((await t.call('/api/v1/alerts/rules/errors', 200)).lastEvaluatedAt ?? 0) > evaluated + 1000);
    const after = [...(await alertsOf(t, 'errors')), ...(await alertsOf(t, 'quiet'))];
    expect(after.map((a) => [a.rule.id, a.key, a.state, a.since])).toEqual(before);
    expect(after[0]!.value).toBe(5); // recounted from the log: the window's records were read again, once
    expect(hook.calls.map((c) => `${c.body.rule.id}:${c.body.type}`).sort()).toEqual(['errors:firing', 'quiet:firing']);
  });
});

describe('notification delivery', () => {
  let t: TestApp;
  let hook: Receiver;

  it('retries a webhook that answers 500 with backoff until it takes the notification', async () => {
    hook = await startReceiver([500, 500]);
    cleanup.push(() => hook.close());
    t = await startApp({ alerts: { interval: '200ms', webhooks: [{ url: hook.url }], rules: [{ id: 'lag', kind: 'group-lag', groups: ['slow'], threshold: 5, repeatInterval: '1h' }, { id: 'rep', kind: 'group-lag', groups: ['other'], threshold: 5, repeatInterval: '1s' }] } });
    cleanup.push(() => t.stop());
    await laggingGroup(t, 'slow', 0);
    await waitUntil('a delivery after two 500s', () => hook.calls.some((c) => c.status === 200), { timeoutMs: 20_000 });
    const [a, b, c] = hook.calls;
    expect([a!.status, b!.status, c!.status]).toEqual([500, 500, 200]);
    expect(b!.body).toEqual(a!.body); // the same notification, again
    expect(c!.body).toEqual(a!.body);
    expect(c!.body.type).toBe('firing');
    expect(b!.at - a!.at).toBeGreaterThanOrEqual(900); // the first retry waits its backoff (1 s)…
    expect(c!.at - b!.at).toBeGreaterThanOrEqual(1900); // …the second twice that
    const stats = (await t.call('/api/v1/alerts/webhooks', 200)).stats;
    expect(stats).toMatchObject({ retries: 2 });
    expect(stats.delivered).toBeGreaterThanOrEqual(1);
  });

  it('repeats a firing alert at its repeat interval, not at every evaluation (every 200 ms)', async () => {
    await laggingGroup(t, 'other', 0);
    await waitUntil('rep firing', () => hook.calls.some((c) => c.body.rule.id === 'rep'), { timeoutMs: 20_000 });
    await sleep(4000);
    const sent = hook.calls.filter((c) => c.body.rule.id === 'rep');
    const times = sent.map((c) => c.body.at as number);
    // Notifications carry the evaluation time: consecutive ones are at least the repeat interval (1 s) apart.
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(1000);
    expect(sent.filter((c) => c.body.type === 'repeat').length).toBeGreaterThanOrEqual(1);
    expect(sent[0]!.body.type).toBe('firing');
    expect(sent.length).toBeLessThanOrEqual(7); // about 4 s at one per second, not 20 evaluations' worth
  });
});
