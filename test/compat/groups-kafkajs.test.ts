// kafkajs 2.2.4 consumer groups against a real `tributary serve`: two members with eachBatch share a topic and their
// commits show up in `tributary groups describe` (lag 0 once everything is consumed); two groups on one topic each
// get every message (pub/sub) while the members of one group share them (queue).
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { brokerConfig } from '../helpers/broker-config.js';
import { startBroker, stopAllBrokers, type BrokerProcess } from '../helpers/broker-process.js';
import { deliveryCounts, settled, startMembers, type Delivery, type GroupMember } from '../helpers/kafkajs-member.js';
import { runCli } from '../helpers/run-cli.js';
import { assertOk } from '../helpers/run-tool.js';
import { sleep, waitUntil } from '../helpers/wait-until.js';

interface DescribedGroup {
  state: string;
  members: Array<{ memberId: string; clientId: string; assignment: Array<{ topic: string; partitions: number[] }> }>;
  partitions: Array<{ topic: string; partition: number; currentOffset: number | null; logEndOffset: number | null; lag: number | null; consumerId: string | null }>;
}

let broker: BrokerProcess;
let kafka: Kafka;
let admin: Admin;
let producer: Producer;
const running: GroupMember[] = [];

const numbered = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}-${i}`);

async function produce(topic: string, values: string[], partitions: number): Promise<void> {
  for (let i = 0; i < values.length; i += 500) {
    await producer.send({ topic, messages: values.slice(i, i + 500).map((value, j) => ({ value, partition: (i + j) % partitions })) });
  }
}

async function describeGroup(group: string): Promise<DescribedGroup> {
  const r = assertOk(await runCli(['groups', 'describe', '--group', group, '--format', 'json'], { bootstrap: broker.bootstrap }), 'groups describe');
  return JSON.parse(r.stdout) as DescribedGroup;
}

async function members(options: Parameters<typeof startMembers>[1]): Promise<GroupMember[]> {
  const started = await startMembers(kafka, options);
  running.push(...started);
  return started;
}

/** Waits until `deliveries` holds every value of `expected` at least once. */
async function receivedAll(what: string, deliveries: Delivery[], expected: string[]): Promise<void> {
  await waitUntil(what, () => {
    const seen = new Set(deliveries.map((d) => d.value));
    return expected.every((v) => seen.has(v));
  }, { timeoutMs: 60_000, details: () => `${new Set(deliveries.map((d) => d.value)).size} of ${expected.length} distinct values received` });
  await sleep(300); // a duplicate still in flight would show up now
}

beforeAll(async () => {
  broker = await startBroker({ args: ['--config', brokerConfig()] });
  kafka = new Kafka({ clientId: 'compat-kafkajs-groups', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 100 } });
  admin = kafka.admin();
  await admin.connect();
  producer = kafka.producer();
  await producer.connect();
}, 30_000);

afterEach(async () => {
  await Promise.all(running.splice(0).map((m) => m.stop()));
});

afterAll(async () => {
  await producer?.disconnect();
  await admin?.disconnect();
  await stopAllBrokers();
});

describe('kafkajs consumer group', () => {
  it('two eachBatch members split the partitions, consume every message once, and describe shows lag 0', async () => {
    const topic = 'js-group-pair';
    await admin.createTopics({ topics: [{ topic, numPartitions: 4 }] });
    const values = numbered('pair', 4_000);
    const deliveries: Delivery[] = [];
    const [a, b] = await members({ groupId: 'js-pair', topic, names: ['a', 'b'], deliveries });
    await settled([a!, b!], 4);
    await produce(topic, values, 4);
    await receivedAll('both members to receive every message', deliveries, values);

    expect(deliveries).toHaveLength(values.length);
    expect([...deliveryCounts(deliveries).values()].every((n) => n === 1)).toBe(true);
    expect(a!.assignment).toHaveLength(2);
    expect(b!.assignment).toHaveLength(2);
    expect([...a!.assignment, ...b!.assignment].sort()).toEqual([0, 1, 2, 3]);
    for (const m of [a!, b!]) {
      expect(new Set(deliveries.filter((d) => d.member === m.name).map((d) => d.partition))).toEqual(new Set(m.assignment));
    }

    // kafkajs commits after each batch; the broker's view through the CLI catches up to the log end.
    await waitUntil('describe to show lag 0 on every partition', async () => {
      const view = await describeGroup('js-pair');
      return view.partitions.length === 4 && view.partitions.every((p) => p.lag === 0);
    }, { timeoutMs: 60_000, intervalMs: 250 });
    const view = await describeGroup('js-pair');
    expect(view.state).toBe('Stable');
    expect(view.members.map((m) => m.memberId).sort()).toEqual([a!.memberId, b!.memberId].sort());
    for (const p of view.partitions) {
      expect(p).toMatchObject({ topic, currentOffset: 1_000, logEndOffset: 1_000, lag: 0 });
      const owner = [a!, b!].find((m) => m.assignment.includes(p.partition))!;
      expect(p.consumerId).toBe(owner.memberId);
      expect(owner.committed.get(p.partition)).toBe(1_000);
    }
    for (const m of view.members) {
      const owner = [a!, b!].find((x) => x.memberId === m.memberId)!;
      expect(m.assignment).toEqual([{ topic, partitions: owner.assignment }]);
    }

    // Members leave on disconnect; the group is Empty and keeps its offsets.
    await Promise.all(running.splice(0).map((m) => m.stop()));
    const after = await describeGroup('js-pair');
    expect(after.state).toBe('Empty');
    expect(after.partitions.map((p) => p.currentOffset)).toEqual([1_000, 1_000, 1_000, 1_000]);
  }, 180_000);

  it('two groups on one topic each receive every message (pub/sub); the two members of one group share them (queue)', async () => {
    const topic = 'js-group-pubsub';
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }] });
    const values = numbered('pubsub', 3_000);
    const solo: Delivery[] = [];
    const shared: Delivery[] = [];
    const [soloMember] = await members({ groupId: 'js-pubsub-solo', topic, names: ['solo'], deliveries: solo });
    const pair = await members({ groupId: 'js-pubsub-pair', topic, names: ['p1', 'p2'], deliveries: shared });
    await settled([soloMember!], 3);
    await settled(pair, 3);
    await produce(topic, values, 3);
    await receivedAll('the single-member group to receive every message', solo, values);
    await receivedAll('the two-member group to receive every message', shared, values);

    expect(soloMember!.assignment).toEqual([0, 1, 2]);
    expect(solo.map((d) => d.value).sort()).toEqual([...values].sort());
    // Queue: every message went to exactly one of the pair, and each member read only its own partitions.
    expect(shared.map((d) => d.value).sort()).toEqual([...values].sort());
    const [p1, p2] = pair;
    expect([...p1!.assignment, ...p2!.assignment].sort()).toEqual([0, 1, 2]);
    expect(p1!.assignment.length).toBeGreaterThan(0);
    expect(p2!.assignment.length).toBeGreaterThan(0);
    for (const m of pair) {
      const mine = shared.filter((d) => d.member === m.name);
      expect(mine.length).toBeGreaterThan(0);
      expect(mine.every((d) => m.assignment.includes(d.partition))).toBe(true);
    }

    // More messages reach both groups as well.
    const more = numbered('pubsub-more', 300);
    await produce(topic, more, 3);
    await receivedAll('the single-member group to receive the new messages', solo, more);
    await receivedAll('the two-member group to receive the new messages', shared, more);
    expect(solo).toHaveLength(values.length + more.length);
    expect(shared).toHaveLength(values.length + more.length);
  }, 180_000);
});
