// A deterministic corpus of log lines (plain, logfmt and JSON; five levels; hosts and services; a few rare needles)
// with controlled timestamps, produced with our own client, and the brute-force answers a search must equal.
import { decodeBatches } from '../../../src/protocol/record-decoder.js';
import { KafkaClient } from '../../../src/client/index.js';
import { compileQuery } from '../../../src/query/language/index.js';
import type { PartitionLog } from '../../../src/storage/index.js';

export const LEVELS = ['INFO', 'INFO', 'INFO', 'DEBUG', 'WARN', 'ERROR'] as const;
const SERVICES = ['api', 'auth', 'billing', 'search', 'mailer'];
/** Common words that make lines longer (bytes for many segments) without adding distinct tokens. */
const FILLER = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua'.repeat(8).split(' ');

export interface Line {
  value: string;
  timestamp: number;
  headers: [string, string][];
  partition: number;
}

/** Line `i`: its shape depends on i, the rare needle words sit at the given positions only. */
export function line(i: number, t0: number, stepMs: number, partitions: number, needles: Map<number, string> = new Map(), padWords = 0): Line {
  const level = LEVELS[(i * 7) % LEVELS.length]!;
  const svc = SERVICES[i % SERVICES.length]!;
  const host = `web-${(i * 3) % 7}`;
  const ms = (i * 37) % 997;
  const pad = padWords > 0 ? ` ${FILLER.slice(0, padWords).join(' ')}` : '';
  const extra = `${needles.get(i) ? ` ${needles.get(i)}` : ''}${pad}`;
  let value: string;
  if (i % 3 === 0) value = JSON.stringify({ level: level.toLowerCase(), service: svc, host, msg: `handled request ${i} in ${ms}ms${extra}`, status: 200 + ((i * 13) % 4) * 100 });
  else if (i % 3 === 1) value = `level=${level.toLowerCase()} service=${svc} host=${host} msg="cache lookup ${i} took ${ms}ms${extra}" user=u${i % 101}`;
  else value = `${new Date(t0 + i * stepMs).toISOString()} ${level} [${svc}] connection from 10.0.${i % 250}.${(i * 7) % 250} closed after ${ms}ms${extra}`;
  return { value, timestamp: t0 + i * stepMs, headers: [['host', host]], partition: i % partitions };
}

/** Produces lines [from, to) in batches of `batch` per partition send. */
export async function produceLines(bootstrap: string, topic: string, lines: Line[], batch = 200): Promise<void> {
  const client = new KafkaClient({ bootstrap: [bootstrap], clientId: 'search-test' });
  try {
    const producer = client.producer();
    for (let i = 0; i < lines.length; i += batch) {
      await producer.send(topic, lines.slice(i, i + batch).map((l) => ({ value: l.value, timestamp: l.timestamp, headers: l.headers, partition: l.partition })));
    }
  } finally {
    await client.close();
  }
}

export interface Rec {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: string | null;
  value: string | null;
}

/** Every record of the partitions, decoded the plain way (record-decoder), for brute-force answers. */
export async function allRecords(logs: { partition(t: string, p: number): PartitionLog | undefined }, topic: string, partitions: number): Promise<(Rec & { raw: ReturnType<typeof decodeBatches>[number]['records'][number] })[]> {
  const out: (Rec & { raw: ReturnType<typeof decodeBatches>[number]['records'][number] })[] = [];
  for (let p = 0; p < partitions; p++) {
    const log = logs.partition(topic, p)!;
    let next = log.logStartOffset;
    const end = log.logEndOffset;
    for (let guard = 0; next < end && guard < 100_000; guard++) {
      const { chunks } = await log.read(next, 1 << 20);
      if (!chunks.length) break;
      let moved = false;
      for (const c of chunks) {
        for (const b of decodeBatches(c)) {
          if (b.header.attributes & 0x20) continue;
          for (const r of b.records) {
            if (r.offset < next || r.offset >= end) continue;
            out.push({ topic, partition: p, offset: r.offset, timestamp: r.timestamp, key: r.key?.toString() ?? null, value: r.value?.toString() ?? null, raw: r });
          }
          const after = b.header.baseOffset + b.header.lastOffsetDelta + 1;
          if (after > next) {
            next = after;
            moved = true;
          }
        }
      }
      if (!moved) break;
    }
  }
  return out;
}

/** The records a query must find, in the order a search returns them. */
export function bruteForce(all: Awaited<ReturnType<typeof allRecords>>, q: string, order: 'newest' | 'oldest', from = -Infinity, to = Infinity): string[] {
  const query = compileQuery(q);
  const tf = query.timeRange;
  const hits = all.filter((r) => r.timestamp >= Math.max(from, tf.from ?? -Infinity) && r.timestamp < Math.min(to, tf.to ?? Infinity) && query.matches({ ...r.raw, topic: r.topic, partition: r.partition }));
  hits.sort((a, b) => a.timestamp - b.timestamp || (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0) || a.partition - b.partition || a.offset - b.offset);
  if (order === 'newest') hits.reverse();
  return hits.map(id);
}

export const id = (r: { topic: string; partition: number; offset: number }) => `${r.topic}/${r.partition}/${r.offset}`;
