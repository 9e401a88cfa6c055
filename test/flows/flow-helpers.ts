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

/** Each partition's records, in offset order, as `map(record)`: a copy is exactly once when these lists are equal. */
export function byPartition<T>(records: ReadRecord[], map: (r: ReadRecord) => T): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const r of [...records].sort((a, b) => a.partition - b.partition || a.offset - b.offset)) {
    let list = out.get(r.partition);
    if (!list) out.set(r.partition, (list = []));
    list.push(map(r));
  }
  return out;
}

/** `source@offset` from the flow markers of the records that carry them. */
export function marksOf(records: ReadRecord[]): string[] {
  return records.filter((r) => r.header('tributary.source') !== undefined).map((r) => `${r.header('tributary.source')}@${r.header('tributary.offset')}`);
}

/**
 * Checks the markers a flow wrote into `copied`: the last record of each target partition names the last source
 * record copied from the same partition (what a restart resumes after).
 */
export function lastMarks(copied: ReadRecord[], sourceTopic: string, lastSourceOffset: Map<number, number>): void {
  const last = new Map<number, ReadRecord>();
  for (const r of copied) if ((last.get(r.partition)?.offset ?? -1) < r.offset) last.set(r.partition, r);
  for (const [p, offset] of lastSourceOffset) {
    const r = last.get(p);
    if (!r || r.header('tributary.source') !== `${sourceTopic}/${p}` || r.header('tributary.offset') !== String(offset)) {
      throw new Error(`the last record of target partition ${p} is marked ${r?.header('tributary.source')}@${r?.header('tributary.offset')}, expected ${sourceTopic}/${p}@${offset}`);
    }
  }
}

export async function produce(bootstrap: string, topic: string, records: Array<{ key?: string; value: string; partition?: number }>): Promise<void> {
  const client = new KafkaClient({ bootstrap: [bootstrap], clientId: 'flow-test-producer' });
  try {
    for (let i = 0; i < records.length; i += 100) await client.producer().send(topic, records.slice(i, i + 100));
  } finally {
    await client.close();
  }
}
