// Consumer groups through the API: a real kafkajs member makes a Stable group; its lag, then a reset refused while it
// runs (409), previewed and applied once it has left (Empty), and bad input.
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settled, startMembers, type Delivery, type GroupMember } from '../helpers/kafkajs-member.js';
import { waitUntil } from '../helpers/wait-until.js';
import { startApp, type TestApp } from './helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await startApp();
});
afterAll(async () => {
  await t?.stop();
});

const T0 = Date.UTC(2026, 1, 1);

describe('consumer groups', () => {
  it('shows state, members and lag; resets offsets only when the group is Empty, with a preview', async () => {
    await t.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'orders', partitions: 2 } });
    for (let i = 0; i < 40; i++) await t.call('/api/v1/topics/orders/messages', 201, { method: 'POST', json: { value: `o${i}`, partition: i % 2, timestamp: T0 + i * 1000 } });

    const kafka = new Kafka({ clientId: 'billing', brokers: [t.kafka], logLevel: logLevel.NOTHING });
    const deliveries: Delivery[] = [];
    let members: GroupMember[] = [];
    try {
      members = await startMembers(kafka, { groupId: 'billing', topic: 'orders', names: ['a'], deliveries, consumer: { sessionTimeout: 10_000 } });
      await settled(members, 2);
      await waitUntil('40 deliveries and their commits', () => deliveries.length >= 40 && members[0]!.committed.get(0) === 20 && members[0]!.committed.get(1) === 20);
      const g = await t.call('/api/v1/groups/billing', 200);
      expect(g).toMatchObject({ id: 'billing', state: 'Stable', protocolType: 'consumer', totalLag: 0 });
      expect(g.members).toHaveLength(1);
      expect(g.members[0].clientId).toBe('billing');
      expect(g.partitions).toEqual([
        { topic: 'orders', partition: 0, committedOffset: 20, endOffset: 20, lag: 0, memberId: g.members[0].memberId, clientId: 'billing', host: expect.any(String) },
        { topic: 'orders', partition: 1, committedOffset: 20, endOffset: 20, lag: 0, memberId: g.members[0].memberId, clientId: 'billing', host: expect.any(String) },
      ]);
      const list = await t.call('/api/v1/groups', 200);
      expect(list.groups).toEqual([{ id: 'billing', state: 'Stable', protocolType: 'consumer', members: 1, totalLag: 0 }]);

      const refused = await t.call('/api/v1/groups/billing/reset-offsets', 409, { method: 'POST', json: { to: 'earliest' } });
      expect(refused.error.message).toMatch(/group billing is Stable with 1 member\(s\); stop its consumers first/);
    } finally {
      for (const m of members) await m.stop();
    }
    await waitUntil('the group to be Empty', async () => (await t.call('/api/v1/groups/billing', 200)).state === 'Empty');

    const preview = await t.call('/api/v1/groups/billing/reset-offsets', 200, { method: 'POST', json: { to: 'timestamp', timestamp: String(T0 + 10_000), dryRun: true } });
    expect(preview).toEqual({
      group: 'billing',
      dryRun: true,
      partitions: [
        { topic: 'orders', partition: 0, previousOffset: 20, newOffset: 5 },
        { topic: 'orders', partition: 1, previousOffset: 20, newOffset: 5 },
      ],
    });
    expect((await t.call('/api/v1/groups/billing', 200)).totalLag).toBe(0); // a preview changes nothing

    await t.call('/api/v1/groups/billing/reset-offsets', 200, { method: 'POST', json: { to: 'offset', offset: 3, topic: 'orders', partitions: [1] } });
    const after = await t.call('/api/v1/groups/billing', 200);
    expect(after.partitions.map((p: { partition: number; committedOffset: number; lag: number }) => [p.partition, p.committedOffset, p.lag])).toEqual([[0, 20, 0], [1, 3, 17]]);
    expect(after.totalLag).toBe(17);
    await t.call('/api/v1/groups/billing/reset-offsets', 200, { method: 'POST', json: { to: 'earliest' } });
    expect((await t.call('/api/v1/groups/billing', 200)).totalLag).toBe(40);
    await t.call('/api/v1/groups/billing/reset-offsets', 200, { method: 'POST', json: { to: 'latest' } });
    expect((await t.call('/api/v1/groups/billing', 200)).totalLag).toBe(0);
  });

  it('answers a missing group with 404 and bad reset requests with 400', async () => {
    expect((await t.call('/api/v1/groups/nobody', 404)).error.message).toMatch(/consumer group nobody does not exist/);
    expect((await t.call('/api/v1/groups/nobody/reset-offsets', 404, { method: 'POST', json: { to: 'earliest' } })).error.code).toBe('NOT_FOUND');
    expect((await t.call('/api/v1/groups/billing/reset-offsets', 400, { method: 'POST', json: { to: 'somewhere' } })).error.message).toMatch(/body\/to must be equal to one of the allowed values/);
    expect((await t.call('/api/v1/groups/billing/reset-offsets', 400, { method: 'POST', json: { to: 'offset' } })).error.message).toMatch(/to=offset needs offset/);
    expect((await t.call('/api/v1/groups/billing/reset-offsets', 400, { method: 'POST', json: { to: 'timestamp', timestamp: 'noon' } })).error.message).toMatch(/is not a time/);
    expect((await t.call('/api/v1/groups/billing/reset-offsets', 404, { method: 'POST', json: { to: 'earliest', topic: 'orders', partitions: [5] } })).error.message).toMatch(/topic orders has no partition 5/);
  });
});
