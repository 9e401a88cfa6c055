// kafka-python 2.0.2 (Debian's python3-kafka) against a real `tributary serve`: producer acks 0/1/all, a group-less
// consumer reading everything back, and the admin client's create/delete topics and their errors.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, stopAllBrokers, type BrokerProcess } from '../helpers/broker-process.js';
import { PYTHON_KAFKA, requireTools } from '../helpers/require-tool.js';
import { assertOk, runTool } from '../helpers/run-tool.js';

const available = requireTools(PYTHON_KAFKA);
const script = (name: string) => fileURLToPath(new URL(`./python/${name}`, import.meta.url));

interface Consumed {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  value: string | null;
  headers: [string, string | null][];
}

describe.skipIf(!available)('kafka-python 2.0.2', () => {
  let broker: BrokerProcess;

  const python = async <T>(name: string, args: (string | number)[], timeoutMs = 90_000): Promise<T> => {
    const r = assertOk(await runTool(PYTHON_KAFKA.command, [script(name), broker.bootstrap, ...args.map(String)], { timeoutMs }), `python ${name}`);
    return JSON.parse(r.stdout) as T;
  };
  const produce = (topic: string, acks: '0' | '1' | 'all', count: number) =>
    python<{ results: { topic: string; partition: number; offset: number }[] }>('produce.py', [topic, acks, count]);
  const consume = (topic: string) => python<{ records: Consumed[] }>('consume.py', [topic, 3000]);

  const expected = (acks: string, count: number) =>
    Array.from({ length: count }, (_, i) => {
      const n = String(i).padStart(6, '0');
      return { key: `key-${n}`, value: `value-${n}-acks-${acks}`, headers: [['src', 'kafka-python'], ['seq', String(i)]] };
    });

  beforeAll(async () => {
    broker = await startBroker();
  }, 30_000);
  afterAll(async () => {
    await stopAllBrokers();
  });

  it.each(['1', 'all'] as const)('acks=%s: futures resolve to consecutive offsets and a group-less consumer reads everything back', async (acks) => {
    const topic = `py-acks-${acks}`;
    const count = 2000;
    const { results } = await produce(topic, acks, count);
    expect(results).toHaveLength(count);
    // One auto-created partition: the i-th message's RecordMetadata offset is i.
    expect(results.map((r) => r.partition)).toEqual(new Array(count).fill(0));
    expect(results.map((r) => r.offset)).toEqual(Array.from({ length: count }, (_, i) => i));
    const { records } = await consume(topic);
    expect(records.map((r) => r.offset)).toEqual(Array.from({ length: count }, (_, i) => i));
    expect(records.map(({ key, value, headers }) => ({ key, value, headers }))).toEqual(expected(acks, count));
  }, 120_000);

  it('acks=0: no responses (offsets unknown, -1), yet every message arrives', async () => {
    const topic = 'py-acks-0';
    const count = 2000;
    const { results } = await produce(topic, '0', count);
    expect(results).toHaveLength(count);
    expect(results.every((r) => r.offset === -1)).toBe(true);
    // acks=0 gives no delivery signal; the consumer's idle timeout covers data still being appended.
    const { records } = await consume(topic);
    expect(records.map((r) => r.offset)).toEqual(Array.from({ length: count }, (_, i) => i));
    expect(records.map(({ key, value, headers }) => ({ key, value, headers }))).toEqual(expected('0', count));
  }, 120_000);

  it('admin: create_topics with partitions and configs, describe, errors for existing topics and replication factor 2, delete_topics', async () => {
    const out = await python<Record<string, unknown>>('admin.py', ['py-admin']);
    expect(out.create).toBeNull();
    expect(out.partitions).toEqual([0, 1, 2].map((p) => ({ partition: p, leader: 1, replicas: [1] })));
    expect(out.configErrorCode).toBe(0);
    expect(out.configs).toMatchObject({ 'retention.ms': '3600000', 'max.message.bytes': '65536' });
    expect(out.createExisting).toBe('TopicAlreadyExistsError');
    expect(out.createRf2).toBe('InvalidReplicationFactorError');
    expect(out.listedAfterCreate).toBe(true);
    expect(out.rf2Listed).toBe(false);
    expect(out.delete).toBeNull();
    expect(out.listedAfterDelete).toBe(false);
    expect(out.deleteMissing).toBe('UnknownTopicOrPartitionError');
  }, 120_000);
});
