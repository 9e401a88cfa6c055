// Small kafkajs helpers for setting up and checking benchmark topics (never on a timed path).
import kafkajs from 'kafkajs';
import { withTimeout } from './child.js';

const { Kafka, logLevel } = kafkajs;
const ADMIN_TIMEOUT_MS = 30_000;

export function kafkaClient(address, clientId = 'tributary-bench') {
  return new Kafka({
    clientId,
    brokers: [address],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 5_000,
    requestTimeout: 30_000,
    retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 2_000 },
  });
}

async function withAdmin(address, what, fn) {
  const admin = kafkaClient(address).admin();
  try {
    await withTimeout(admin.connect(), ADMIN_TIMEOUT_MS, `${what}: admin connect`);
    return await withTimeout(fn(admin), ADMIN_TIMEOUT_MS, what);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Create the topic with this many partitions and check the broker reports them all. */
export async function createTopic(address, topic, partitions) {
  await withAdmin(address, `create topic ${topic}`, async (admin) => {
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
    const md = await admin.fetchTopicMetadata({ topics: [topic] });
    const got = md.topics[0]?.partitions.length ?? 0;
    if (got !== partitions) throw new Error(`topic ${topic} has ${got} partitions after CreateTopics, expected ${partitions}`);
  });
}

/** Sum of the high watermarks of all partitions (records in the topic when it starts at offset 0). */
export async function totalEndOffset(address, topic) {
  return withAdmin(address, `end offsets of ${topic}`, async (admin) => {
    const offsets = await admin.fetchTopicOffsets(topic);
    return { total: offsets.reduce((n, p) => n + Number(p.high), 0), partitions: offsets.map((p) => Number(p.high)) };
  });
}
