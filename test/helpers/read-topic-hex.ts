// Reads a whole topic back through our client for round-trip tests (export then import, the API's import): every
// record by partition then offset, with its bytes as hex so binary keys, values and headers compare exactly.
import type { KafkaClient } from '../../src/client/client.js';

export interface HexRecord {
  partition: number;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: Array<[string, string | null]>;
}

const hex = (b: Buffer | null) => (b === null ? null : b.toString('hex'));

/** Bounded: at most 1000 fetches a partition. */
export async function readTopicHex(client: KafkaClient, topic: string): Promise<HexRecord[]> {
  const ranges = await client.offsets.ranges(topic);
  const out: HexRecord[] = [];
  for (const [partition, range] of [...ranges].sort((a, b) => a[0] - b[0])) {
    let offset = range.low;
    for (let round = 0; offset < range.high && round < 1000; round++) {
      const [f] = await client.fetcher(topic).fetch(new Map([[partition, offset]]), 100);
      for (const r of f!.records) {
        if (r.offset < offset || r.offset >= range.high) continue;
        out.push({ partition, timestamp: r.timestamp, key: hex(r.key), value: hex(r.value), headers: r.headers.map(([k, v]) => [k, hex(v)]) });
      }
      offset = f!.nextOffset;
    }
  }
  return out;
}
