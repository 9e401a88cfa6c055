// The client's consumer-group member against a real `tributary serve`: two of our members split a topic and take
// it over from each other through rebalances, commits are fenced by generation, and a mixed group with kafka-python
// (either one leading, so either one's assignment bytes are read by the other) splits the partitions without overlap.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaClient } from '../../src/client/client.js';
import { JoinAbortedError, RebalanceError, type GroupMember } from '../../src/client/group-member.js';
import type { Assignment } from '../../src/client/consumer-protocol.js';
import { brokerConfig } from '../helpers/broker-config.js';
import { startBroker, stopAllBrokers, type BrokerProcess } from '../helpers/broker-process.js';
import { spawnLines } from '../helpers/line-process.js';
import { PYTHON_KAFKA, requireTools } from '../helpers/require-tool.js';
import { waitUntil } from '../helpers/wait-until.js';

let broker: BrokerProcess;
const clients: KafkaClient[] = [];
const newClient = () => {
  const c = new KafkaClient({ bootstrap: [broker.bootstrap], clientId: 'member-test' });
  clients.push(c);
  return c;
};

beforeAll(async () => {
  broker = await startBroker({ args: ['--config', brokerConfig()] });
}, 30_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await stopAllBrokers();
});

const partitionsOf = (a: Assignment, topic: string) => a.get(topic) ?? [];
const member = (c: KafkaClient, groupId: string, topic: string): GroupMember =>
  c.groupMember({ groupId, topics: [topic], heartbeatIntervalMs: 300, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 20_000 });

/** Rejoins `m` once its heartbeat has seen the rebalance another member caused. */
async function rejoinWhenAsked(m: GroupMember): Promise<Assignment> {
  await waitUntil('the coordinator to ask for a rebalance', () => m.rebalanceNeeded, { timeoutMs: 20_000, intervalMs: 50 });
  return m.join();
}

describe('two members of our own', () => {
  it('split the partitions, and one takes all after the other leaves', async () => {
    const admin = newClient();
    await admin.admin.createTopic({ name: 'split', partitions: 4 });
    const a = member(newClient(), 'split-group', 'split');
    const b = member(newClient(), 'split-group', 'split');

    expect(partitionsOf(await a.join(), 'split')).toEqual([0, 1, 2, 3]);
    const [assignedA, assignedB] = await Promise.all([rejoinWhenAsked(a), b.join()]);
    const pa = partitionsOf(assignedA, 'split');
    const pb = partitionsOf(assignedB, 'split');
    expect([...pa, ...pb].sort()).toEqual([0, 1, 2, 3]);
    expect(pa).toHaveLength(2);
    expect(a.generationId).toBe(b.generationId);

    const [described] = await admin.groups.describeGroups(['split-group']);
    expect(described).toMatchObject({ state: 'Stable', protocolType: 'consumer', protocol: 'range' });
    expect(described!.members.map((m) => m.clientId)).toEqual(['member-test', 'member-test']);

    await b.leave();
    expect(partitionsOf(await rejoinWhenAsked(a), 'split')).toEqual([0, 1, 2, 3]);
    await a.leave();
    // Nobody committed: once empty, the coordinator forgets the group, and DescribeGroups answers Dead (as Kafka does).
    await waitUntil('the group to be gone', async () => (await admin.groups.describeGroups(['split-group']))[0]!.state === 'Dead', { timeoutMs: 10_000 });
  }, 60_000);

  it('commits as this generation; a commit from an older generation is refused with RebalanceError', async () => {
    const admin = newClient();
    await admin.admin.createTopic({ name: 'fenced', partitions: 2 });
    const a = member(newClient(), 'fenced-group', 'fenced');
    await a.join();
    await a.commit('fenced', new Map([[0, 5], [1, 7]]));
    expect((await a.committed()).get('fenced')).toEqual(new Map([[0, 5], [1, 7]]));
    // While the group has a member, a commit from outside it is refused, as in Kafka.
    await expect(admin.groups.commitOffsets('fenced-group', 'fenced', new Map([[0, 1]]))).rejects.toMatchObject({ type: expect.stringMatching(/UNKNOWN_MEMBER_ID|ILLEGAL_GENERATION/) });

    const oldGeneration = a.generationId;
    const b = member(newClient(), 'fenced-group', 'fenced');
    await Promise.all([rejoinWhenAsked(a), b.join()]);
    expect(a.generationId).toBeGreaterThan(oldGeneration);
    await a.commit('fenced', new Map([[0, 6]]));
    expect((await b.committed()).get('fenced')!.get(0)).toBe(6);

    // A member still on the old generation (it missed the rebalance) is fenced: its commit is not saved.
    const current = a.generationId;
    a.generationId = oldGeneration;
    const err = await a.commit('fenced', new Map([[0, 1]])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RebalanceError);
    expect((err as RebalanceError).type).toBe('ILLEGAL_GENERATION');
    expect(a.rebalanceNeeded).toBe(true);
    expect((await b.committed()).get('fenced')!.get(0)).toBe(6);
    a.generationId = current;
    await Promise.all([a.leave(), b.leave()]);
  }, 60_000);
});

describe('stopping', () => {
  it('a join held by the coordinator during a rebalance ends at once when aborted', async () => {
    const admin = newClient();
    await admin.admin.createTopic({ name: 'abort', partitions: 1 });
    const a = member(newClient(), 'abort-group', 'abort');
    await a.join();
    // b's JoinGroup waits until a rejoins, which a never does here: without the abort it would end after the 20 s
    // rebalance timeout with an assignment instead of the error.
    const b = member(newClient(), 'abort-group', 'abort');
    const controller = new AbortController();
    const joining = b.join(controller.signal).catch((e: unknown) => e);
    setTimeout(() => controller.abort(), 300);
    expect(await joining).toBeInstanceOf(JoinAbortedError);
    await Promise.all([a.leave(), b.leave()]);
  }, 30_000);
});

describe.skipIf(!requireTools(PYTHON_KAFKA))('a mixed group with kafka-python 2.0.2', () => {
  const SCRIPT = fileURLToPath(new URL('../compat/python/group_consume.py', import.meta.url));
  type Event = { event: string; positions?: Record<string, number> };

  it.each([
    ['ours first (our member leads and assigns)', true],
    ['kafka-python first (it leads and assigns)', false],
  ])('%s: the partitions are split without overlap', async (_, oursFirst) => {
    const admin = newClient();
    const topic = `mixed-${oursFirst ? 'a' : 'b'}`;
    const group = `${topic}-group`;
    await admin.admin.createTopic({ name: topic, partitions: 4 });
    const ours = member(newClient(), group, topic);
    const startPython = () =>
      spawnLines(PYTHON_KAFKA.command, [SCRIPT, broker.bootstrap, topic, group, 'earliest', '15000', 'sync', '0'], { name: 'group_consume.py' });
    const pyReady = (py: ReturnType<typeof startPython>) => py.lines.map((l) => JSON.parse(l) as Event).find((e) => e.event === 'ready');

    let py: ReturnType<typeof startPython> | undefined;
    try {
      let assigned: Assignment;
      if (oursFirst) {
        expect(partitionsOf(await ours.join(), topic)).toEqual([0, 1, 2, 3]);
        py = startPython();
        assigned = await rejoinWhenAsked(ours);
      } else {
        py = startPython();
        const p = py;
        await waitUntil('kafka-python to join', () => pyReady(p) !== undefined, { timeoutMs: 60_000, details: p.describe });
        assigned = await ours.join();
      }
      const p = py;
      const mine = partitionsOf(assigned, topic);
      expect(ours.isLeader).toBe(oursFirst);
      // kafka-python reports only its first assignment; when it joined first that one had every partition.
      await waitUntil('both members to hold partitions', async () => {
        const [d] = await admin.groups.describeGroups([group]);
        return d!.state === 'Stable' && d!.members.length === 2;
      }, { timeoutMs: 60_000, details: p.describe });
      const [described] = await admin.groups.describeGroups([group]);
      const { decodeAssignment } = await import('../../src/client/consumer-protocol.js');
      const owned = described!.members.map((m) => partitionsOf(decodeAssignment(m.memberAssignment), topic));
      expect(owned.flat().sort()).toEqual([0, 1, 2, 3]);
      expect(owned.map((o) => o.length)).toEqual([2, 2]);
      expect(owned).toContainEqual(mine);
      expect(described!.protocol).toBe('range');
    } finally {
      await ours.leave();
      await py?.stop('SIGKILL');
    }
  }, 120_000);
});
