// kafka-python 2.0.2 (Debian's python3-kafka, run by /usr/bin/python3) as a consumer-group member against a real
// `tributary serve`: a restarted consumer resumes from its committed offsets and reads only new messages, and
// auto_offset_reset 'earliest' / 'latest' decide where a new group starts, as in Kafka.
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerConfig } from '../helpers/broker-config.js';
import { startBroker, stopAllBrokers, type BrokerProcess } from '../helpers/broker-process.js';
import { spawnLines } from '../helpers/line-process.js';
import { PYTHON_KAFKA, requireTools } from '../helpers/require-tool.js';
import { runCli } from '../helpers/run-cli.js';
import { assertOk } from '../helpers/run-tool.js';
import { waitUntil } from '../helpers/wait-until.js';

const available = requireTools(PYTHON_KAFKA);
const SCRIPT = fileURLToPath(new URL('./python/group_consume.py', import.meta.url));
const IDLE_MS = 2_000;

type Event =
  | { event: 'ready'; positions: Record<string, number> }
  | { event: 'record'; partition: number; offset: number; key: string | null; value: string }
  | { event: 'done'; committed: Record<string, number | null> };

interface Run {
  positions: Record<string, number>;
  values: string[];
  committed: Record<string, number | null>;
}

describe.skipIf(!available)('kafka-python 2.0.2 consumer groups', () => {
  let broker: BrokerProcess;
  let producer: Producer;
  let admin: Admin;

  const events = (lines: string[]) => lines.map((line) => JSON.parse(line) as Event);

  /**
   * Starts group_consume.py, which consumes until it has `expect` records and then IDLE_MS pass without another;
   * `whenReady` runs once the consumer has its partitions and start positions.
   */
  async function consume(topic: string, group: string, reset: 'earliest' | 'latest', commit: 'auto' | 'sync', expect: number, whenReady?: () => Promise<void>): Promise<Run> {
    const py = spawnLines(PYTHON_KAFKA.command, [SCRIPT, broker.bootstrap, topic, group, reset, String(IDLE_MS), commit, String(expect)], { name: `group_consume.py ${group}` });
    try {
      await waitUntil('the Python consumer to be assigned partitions', () => events(py.lines).some((e) => e.event === 'ready'), {
        timeoutMs: 60_000,
        details: py.describe,
      });
      await whenReady?.();
      const exit = await Promise.race([py.exited, new Promise<null>((resolve) => setTimeout(() => resolve(null), 90_000))]);
      if (exit?.code !== 0) throw new Error(`group_consume.py did not finish cleanly (${JSON.stringify(exit)})\n${py.describe()}`);
    } finally {
      await py.stop('SIGKILL');
    }
    const all = events(py.lines);
    const ready = all.find((e) => e.event === 'ready') as Extract<Event, { event: 'ready' }>;
    const done = all.find((e) => e.event === 'done') as Extract<Event, { event: 'done' }>;
    const values = all.filter((e): e is Extract<Event, { event: 'record' }> => e.event === 'record').map((e) => e.value);
    return { positions: ready.positions, values, committed: done.committed };
  }

  const produce = (topic: string, values: string[]) =>
    producer.send({ topic, messages: values.map((value, i) => ({ value, partition: i % 2 })) });
  const numbered = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  const sorted = (values: string[]) => [...values].sort();

  beforeAll(async () => {
    broker = await startBroker({ args: ['--config', brokerConfig()] });
    const kafka = new Kafka({ clientId: 'compat-python-groups', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: ['py-resume', 'py-reset'].map((topic) => ({ topic, numPartitions: 2 })) });
    producer = kafka.producer();
    await producer.connect();
  }, 30_000);

  afterAll(async () => {
    await producer?.disconnect();
    await admin?.disconnect();
    await stopAllBrokers();
  });

  it('commits, and after a restart resumes from the committed offsets reading only the new messages', async () => {
    const first = numbered('first', 100);
    await produce('py-resume', first);

    const run1 = await consume('py-resume', 'py-resume-group', 'earliest', 'sync', first.length);
    expect(run1.positions).toEqual({ '0': 0, '1': 0 });
    expect(sorted(run1.values)).toEqual(sorted(first));
    expect(run1.committed).toEqual({ '0': 50, '1': 50 });

    const second = numbered('second', 30);
    await produce('py-resume', second);
    const run2 = await consume('py-resume', 'py-resume-group', 'earliest', 'auto', second.length);
    expect(run2.positions).toEqual({ '0': 50, '1': 50 });
    expect(sorted(run2.values)).toEqual(sorted(second));
    // enable_auto_commit: close() committed what was consumed.
    expect(run2.committed).toEqual({ '0': 65, '1': 65 });

    const run3 = await consume('py-resume', 'py-resume-group', 'earliest', 'auto', 0);
    expect(run3.positions).toEqual({ '0': 65, '1': 65 });
    expect(run3.values).toEqual([]);

    // The same commits, as the CLI reports them.
    const view = JSON.parse(
      assertOk(await runCli(['groups', 'describe', '--group', 'py-resume-group', '--format', 'json'], { bootstrap: broker.bootstrap }), 'groups describe').stdout,
    ) as { state: string; partitions: Array<{ partition: number; currentOffset: number; lag: number }> };
    expect(view.state).toBe('Empty');
    expect(view.partitions.map((p) => [p.partition, p.currentOffset, p.lag])).toEqual([
      [0, 65, 0],
      [1, 65, 0],
    ]);
  }, 240_000);

  it("a new group starts at the oldest message with auto_offset_reset='earliest' and at the end with 'latest'", async () => {
    const existing = numbered('existing', 20);
    await produce('py-reset', existing);

    const earliest = await consume('py-reset', 'py-earliest', 'earliest', 'sync', existing.length);
    expect(earliest.positions).toEqual({ '0': 0, '1': 0 });
    expect(sorted(earliest.values)).toEqual(sorted(existing));

    const fresh = numbered('fresh', 6);
    const latest = await consume('py-reset', 'py-latest', 'latest', 'sync', fresh.length, () => produce('py-reset', fresh).then(() => undefined));
    expect(latest.positions).toEqual({ '0': 10, '1': 10 });
    expect(sorted(latest.values)).toEqual(sorted(fresh));
    expect(latest.committed).toEqual({ '0': 13, '1': 13 });

    // The 'earliest' group's committed offsets win over the policy from now on: it sees only the fresh messages.
    const again = await consume('py-reset', 'py-earliest', 'latest', 'sync', fresh.length);
    expect(again.positions).toEqual({ '0': 10, '1': 10 });
    expect(sorted(again.values)).toEqual(sorted(fresh));
  }, 240_000);
});
