// Shared by the flow tests: waiting with a bound, reading a whole topic back over the Kafka protocol.
import { KafkaClient } from '../../src/client/client.js';
import type { FetchedRecord } from '../../src/client/fetcher.js';

export async function until<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface ReadRecord extends FetchedRecord {
  partition: number;
  header(name: string): string | undefined;
}

/** Every record of `topic` on the cluster at `bootstrap`, partition by partition (bounded). */
export async function readTopic(bootstrap: string, topic: string): Promise<ReadRecord[]> {
  const client = new KafkaClient({ bootstrap: [bootstrap], clientId: 'flow-test-reader' });
  try {
    const ranges = await client.offsets.ranges(topic);
    const fetcher = client.fetcher(topic);
    const out: ReadRecord[] = [];
    for (const [partition, { low, high }] of ranges) {
      for (let at = low, rounds = 0; at < high && rounds < 10_000; rounds++) {
        const [f] = await fetcher.fetch(new Map([[partition, at]]), 0);
        if (!f || f.nextOffset <= at) break;
        for (const r of f.records) {
          out.push({ ...r, partition, header: (name) => r.headers.find(([k]) => k === name)?.[1]?.toString('utf8') });
        }
        at = f.nextOffset;
      }
    }
    return out;
  } finally {
    await client.close();
  }
}

/** `partition/offset` of each record copied by a flow, from its markers. */
export function sourcesOf(records: ReadRecord[]): string[] {
  return records.map((r) => `${r.header('tributary.source')}@${r.header('tributary.offset')}`);
}

export async function produce(bootstrap: string, topic: string, records: Array<{ key?: string; value: string; partition?: number }>): Promise<void> {
  const client = new KafkaClient({ bootstrap: [bootstrap], clientId: 'flow-test-producer' });
  try {
    for (let i = 0; i < records.length; i += 100) await client.producer().send(topic, records.slice(i, i + 100));
  } finally {
    await client.close();
  }
}
