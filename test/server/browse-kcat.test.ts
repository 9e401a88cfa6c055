// Browsing batches kcat compressed with each codec, across segments, and pages that stay stable while a producer
// keeps writing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compressionOf, readBatchHeader } from '../../src/protocol/record-batch.js';
import { READ_CHUNK_BYTES } from '../../src/query/browse/index.js';
import { assertOk, runTool } from '../helpers/run-tool.js';
import { KCAT, requireTools } from '../helpers/require-tool.js';
import { startApp, type TestApp } from './helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await startApp();
});
afterAll(async () => {
  await t?.stop();
});

interface Rec { partition: number; offset: number; key: string | null; value: string; timestamp: number }
interface Page { records: Rec[]; cursor: string | null; atEnd: boolean }

async function follow(path: string, limit: number, maxPages: number): Promise<Rec[]> {
  const out: Rec[] = [];
  let page: Page = await t.call(`${path}${path.includes('?') ? '&' : '?'}limit=${limit}`, 200);
  out.push(...page.records);
  for (let n = 1; page.cursor && !page.atEnd && n < maxPages; n++) {
    page = await t.call(`${path.split('?')[0]}?cursor=${page.cursor}&limit=${limit}`, 200);
    out.push(...page.records);
  }
  return out;
}

describe.skipIf(!requireTools(KCAT))('browsing what kcat produced', () => {
  it.each(['gzip', 'snappy', 'lz4', 'zstd'])('decompresses %s batches, forward, backward, one record and its context', async (codec) => {
    const topic = `z-${codec}`;
    await t.call('/api/v1/topics', 201, { method: 'POST', json: { name: topic, partitions: 2 } });
    const lines = Array.from({ length: 500 }, (_, i) => `k${i % 7}:${codec} line ${i} ${'x'.repeat(i % 50)}`);
    assertOk(await runTool('kcat', ['-b', t.kafka, '-P', '-t', topic, '-K', ':', '-z', codec, '-X', 'linger.ms=50'], { input: `${lines.join('\n')}\n`, timeoutMs: 60_000 }), `kcat -P -z ${codec}`);
    // The batches really are stored compressed with that codec (kcat sent them so).
    for (const p of [0, 1]) {
      const { chunks } = await t.app.broker.logs.partition(topic, p)!.read(0, 1 << 20);
      expect(compressionOf(readBatchHeader(chunks[0]!).attributes)).toBe(codec);
    }
    const all = await follow(`/api/v1/topics/${topic}/messages?seek=oldest`, 1000, 5);
    expect(all).toHaveLength(500);
    // Per key (one partition each), the order kcat sent them in.
    const byKey = (recs: Rec[]) => {
      const m = new Map<string, string[]>();
      for (const r of recs) m.set(r.key!, [...(m.get(r.key!) ?? []), r.value]);
      return m;
    };
    const expected = byKey(lines.map((l) => ({ key: l.slice(0, l.indexOf(':')), value: l.slice(l.indexOf(':') + 1) }) as Rec));
    expect(byKey(all)).toEqual(expected);
    const back = await follow(`/api/v1/topics/${topic}/messages?seek=newest`, 37, 50);
    expect(back.map((r) => `${r.partition}/${r.offset}`).sort()).toEqual(all.map((r) => `${r.partition}/${r.offset}`).sort());
    const someone = all[250]!;
    const one: Rec = await t.call(`/api/v1/topics/${topic}/messages/${someone.partition}/${someone.offset}`, 200);
    expect(one.value).toBe(someone.value);
    const ctx = await t.call(`/api/v1/topics/${topic}/messages/${someone.partition}/${someone.offset}/context?n=2`, 200);
    expect(ctx.records.map((r: Rec) => r.offset)).toEqual([someone.offset - 2, someone.offset - 1, someone.offset, someone.offset + 1, someone.offset + 2]);
  });
});

describe('paging', () => {
  it('reads backward over many segments in bounded steps', async () => {
    // segment.bytes at its 1 MiB minimum and ~3.5 MiB of records: the backward walk crosses segment boundaries.
    await t.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'seg', partitions: 1, configs: { 'segment.bytes': 1048576 } } });
    const producer = t.app.api!.context.services.producer;
    const N = 3500;
    for (let i = 0; i < N; i++) await producer.produce('seg', { key: null, value: `${String(i).padStart(6, '0')} ${'y'.repeat(1000)}`, timestamp: 1_700_000_000_000 + i, headers: {} }, 0);
    expect(t.app.broker.logs.partition('seg', 0)!.segments.length).toBeGreaterThan(3);
    const back = await follow('/api/v1/topics/seg/messages?maxValueBytes=6', 1000, 10);
    expect(back.map((r) => Number(r.value.slice(0, 6)))).toEqual(Array.from({ length: N }, (_, i) => N - 1 - i));
  });

  it('reads a bounded amount of the log for a page, wherever it starts', async () => {
    // Runs on the 3.5 MiB 'seg' partition of the test before: a page of 10 reads a chunk or two, not the partition.
    const log = t.app.broker.logs.partition('seg', 0)!;
    const read = log.read.bind(log);
    let bytes = 0;
    log.read = async (...args: Parameters<typeof log.read>) => {
      const r = await read(...args);
      bytes += r.bytes;
      return r;
    };
    try {
      const pageBytes = async (path: string) => {
        bytes = 0;
        await t.call(path, 200);
        return bytes;
      };
      const chunk = READ_CHUNK_BYTES;
      expect(log.size).toBeGreaterThan(12 * chunk);
      expect(await pageBytes('/api/v1/topics/seg/messages?limit=10')).toBeLessThanOrEqual(2 * chunk);
      expect(await pageBytes('/api/v1/topics/seg/messages?seek=oldest&limit=10')).toBeLessThanOrEqual(2 * chunk);
      expect(await pageBytes('/api/v1/topics/seg/messages?seek=offset&offset=1700&limit=10&direction=backward')).toBeLessThanOrEqual(2 * chunk);
      expect(await pageBytes(`/api/v1/topics/seg/messages?seek=timestamp&timestamp=${1_700_000_000_000 + 2000}&limit=10`)).toBeLessThanOrEqual(2 * chunk);
      expect(await pageBytes('/api/v1/topics/seg/messages/0/2500/context?n=5')).toBeLessThanOrEqual(4 * chunk);
    } finally {
      log.read = read;
    }
  });

  it('keeps pages stable while a producer keeps writing', async () => {
    await t.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'live', partitions: 3 } });
    let n = 0;
    const write = async () => {
      await t.call('/api/v1/topics/live/messages', 201, { method: 'POST', json: { value: String(n++), partition: n % 3 } });
    };
    for (let i = 0; i < 300; i++) await write();
    let producing = true;
    const background = (async () => {
      for (let i = 0; producing && i < 5000; i++) await write();
    })();
    try {
      // Backward from the newest: exactly the records that existed when the first page was read, each once.
      const first: Page = await t.call('/api/v1/topics/live/messages?limit=25', 200);
      const newestAtStart = Math.max(...first.records.map((r) => Number(r.value)));
      const seen: Rec[] = [...first.records];
      let page = first;
      for (let i = 0; page.cursor && i < 100; i++) {
        page = await t.call(`/api/v1/topics/live/messages?cursor=${page.cursor}&limit=25`, 200);
        seen.push(...page.records);
      }
      const values = seen.map((r) => Number(r.value));
      expect(new Set(values).size).toBe(values.length);
      expect([...values].sort((a, b) => a - b)).toEqual(Array.from({ length: newestAtStart + 1 }, (_, i) => i));
      // Forward from the oldest: each partition's offsets in order, none twice, none skipped, new ones included.
      const fwd = await follow('/api/v1/topics/live/messages?seek=oldest', 40, 20);
      const perPartition = new Map<number, number[]>();
      for (const r of fwd) perPartition.set(r.partition, [...(perPartition.get(r.partition) ?? []), r.offset]);
      for (const offsets of perPartition.values()) expect(offsets).toEqual(Array.from({ length: offsets.length }, (_, i) => i));
      expect(fwd.length).toBeGreaterThan(300);
    } finally {
      producing = false;
      await background;
    }
  });
});
