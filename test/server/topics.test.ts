// Topics, configs, overview and sources endpoints against an in-process serve: happy paths and bad input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertOk, runTool } from '../helpers/run-tool.js';
import { KCAT, requireTools } from '../helpers/require-tool.js';
import { waitUntil } from '../helpers/wait-until.js';
import { startApp, type TestApp } from './helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await startApp();
});
afterAll(async () => {
  await t?.stop();
});

describe('topics', () => {
  it('creates, lists, describes, configures and deletes a topic', async () => {
    const created = await t.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'web', partitions: 3, configs: { 'retention.ms': 3600000, 'segment.bytes': '2097152' } } });
    expect(created).toMatchObject({ name: 'web', size: 0, records: 0, configs: { 'retention.ms': '3600000', 'segment.bytes': '2097152' } });
    expect(created.partitions.map((p: { partition: number }) => p.partition)).toEqual([0, 1, 2]);
    expect(created.id).toMatch(/^[A-Za-z0-9_-]{22}$/);

    const list = await t.call('/api/v1/topics', 200);
    expect(list.topics.map((x: { name: string }) => x.name)).toEqual(['web']);

    const configs = await t.call('/api/v1/topics/web/configs', 200);
    const byName = Object.fromEntries(configs.configs.map((c: { name: string }) => [c.name, c]));
    expect(byName['retention.ms']).toMatchObject({ value: '3600000', source: 'TOPIC', isDefault: false });
    expect(byName['max.message.bytes']).toMatchObject({ source: 'DEFAULT', isDefault: true });

    const patched = await t.call('/api/v1/topics/web/configs', 200, { method: 'PATCH', json: { configs: { 'retention.ms': null, 'max.message.bytes': 2000000 } } });
    const after = Object.fromEntries(patched.configs.map((c: { name: string; value: string; source: string }) => [c.name, c]));
    expect(after['retention.ms'].source).toBe('DEFAULT');
    expect(after['max.message.bytes']).toMatchObject({ value: '2000000', source: 'TOPIC' });
    expect(t.app.broker.logs.getTopic('web')!.config['max.message.bytes']).toBe(2000000);

    // validateOnly checks without changing anything.
    const dry = await t.call('/api/v1/topics/web/configs', 200, { method: 'PATCH', json: { configs: { 'retention.ms': '1000' }, validateOnly: true } });
    expect(dry.configs.find((c: { name: string }) => c.name === 'retention.ms').value).toBe('1000');
    expect(t.app.broker.logs.getTopic('web')!.overrides['retention.ms']).toBeUndefined();

    expect(await t.call('/api/v1/topics/web', 200, { method: 'DELETE' })).toEqual({ name: 'web', deleted: true });
    expect((await t.call('/api/v1/topics', 200)).topics).toEqual([]);
  });

  it('answers bad input with 400 and a message, missing topics with 404, duplicates with 409', async () => {
    const err = async (path: string, status: number, init: RequestInit & { json?: unknown } = {}) => (await t.call(path, status, init)).error as { code: string; message: string };
    expect((await err('/api/v1/topics', 400, { method: 'POST', json: { name: 'bad name!' } })).message).toMatch(/body\/name must match pattern/);
    expect((await err('/api/v1/topics', 400, { method: 'POST', json: { name: 'x', partitions: 0 } })).message).toMatch(/partitions must be >= 1/);
    expect((await err('/api/v1/topics', 400, { method: 'POST', json: { name: 'x', replicationFactor: 3 } })).message).toMatch(/replicationFactor/);
    expect((await err('/api/v1/topics', 400, { method: 'POST', json: { name: 'x', colour: 'red' } })).message).toMatch(/must NOT have additional properties/);
    const unknownKey = await err('/api/v1/topics', 400, { method: 'POST', json: { name: 'x', configs: { 'retention.msec': '1' } } });
    expect(unknownKey).toMatchObject({ code: 'INVALID_CONFIG' });
    expect(unknownKey.message).toMatch(/retention\.msec.*supported keys/);
    // The broker's own minimum (KIP-1030), as CreateTopics applies it.
    expect((await err('/api/v1/topics', 400, { method: 'POST', json: { name: 'x', configs: { 'segment.bytes': '1000' } } })).message).toMatch(/segment\.bytes=1000 is below the minimum/);
    expect((await err('/api/v1/topics', 400, { method: 'POST', body: '{nope', headers: { 'content-type': 'application/json' } })).code).toBe('BAD_REQUEST');
    expect((await err('/api/v1/topics', 409, { method: 'POST', json: { name: 'x', partitions: 1001 } })).message).toMatch(/1001 partitions requested, at most 1000 per request \(maxPartitionsPerRequest\)/);
    expect(t.app.broker.logs.getTopic('x')).toBeUndefined();

    await t.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'dup.name' } });
    expect((await err('/api/v1/topics', 409, { method: 'POST', json: { name: 'dup.name' } })).code).toBe('TOPIC_ALREADY_EXISTS');
    expect((await err('/api/v1/topics', 400, { method: 'POST', json: { name: 'dup_name' } })).message).toMatch(/collides with existing topic dup\.name/);
    expect((await err('/api/v1/topics/dup.name/configs', 400, { method: 'PATCH', json: { configs: { 'flush.ms': 'soon' } } })).code).toBe('INVALID_CONFIG');
    expect((await err('/api/v1/topics/dup.name/configs', 400, { method: 'PATCH', json: { configs: {} } })).code).toBe('BAD_REQUEST');

    for (const [method, path] of [['GET', '/api/v1/topics/none'], ['DELETE', '/api/v1/topics/none'], ['GET', '/api/v1/topics/none/configs'], ['GET', '/api/v1/topics/none/messages']] as const) {
      const e = await err(path, 404, { method });
      expect(e.code).toBe('NOT_FOUND');
      expect(e.message).toMatch(/topic none does not exist/);
    }
    expect((await err('/api/v1/nothing/here', 404)).message).toMatch(/no endpoint GET \/api\/v1\/nothing\/here/);
  });
});

describe('overview and sources', () => {
  it.skipIf(!requireTools(KCAT))('count what kcat produced and show it as a source with its client.id and host header', async () => {
    await t.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'src', partitions: 1 } });
    const input = Array.from({ length: 50 }, (_, i) => `line ${i}`).join('\n') + '\n';
    assertOk(await runTool('kcat', ['-b', t.kafka, '-P', '-t', 'src', '-X', 'client.id=shipper-7', '-H', 'host=web-01', '-H', 'agent=vector'], { input, timeoutMs: 30_000 }), 'kcat -P');
    const sources = (await t.call('/api/v1/sources', 200)).sources as { clientId: string; recordsProduced: number; host: string; agent: string; connected: boolean; address: string; lastSeenAt: number }[];
    const s = sources.find((x) => x.clientId === 'shipper-7' && x.recordsProduced > 0)!;
    expect(s).toMatchObject({ recordsProduced: 50, host: 'web-01', agent: 'vector', address: '127.0.0.1' });
    expect(s.lastSeenAt).toBeGreaterThan(Date.now() - 60_000);
    // kcat has exited: the client is remembered as disconnected.
    await waitUntil('kcat disconnected', async () => ((await t.call('/api/v1/sources', 200)).sources as typeof sources).some((x) => x.clientId === 'shipper-7' && !x.connected));

    const o = await t.call('/api/v1/overview', 200);
    expect(o.totals.recordsIn).toBeGreaterThanOrEqual(50);
    expect(o.disk.topics.find((x: { name: string }) => x.name === 'src').bytes).toBeGreaterThan(0);
    expect(o.listeners[0]).toMatchObject({ name: 'kafka', host: '127.0.0.1' });
    assertOk(await runTool('kcat', ['-b', t.kafka, '-C', '-t', 'src', '-e', '-o', 'beginning', '-q'], { timeoutMs: 30_000 }), 'kcat -C');
    expect((await t.call('/api/v1/overview', 200)).totals.recordsOut).toBeGreaterThanOrEqual(50);
    const topic = await t.call('/api/v1/topics/src', 200);
    expect(topic).toMatchObject({ records: 50 });
    expect(topic.partitions[0]).toMatchObject({ startOffset: 0, endOffset: 50 });
  });
});
