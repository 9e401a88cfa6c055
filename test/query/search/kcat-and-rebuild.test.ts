// Batches kcat compressed with each codec are searched like any other (decompressed before the byte prefilter), and
// an index deleted while the broker is down is rebuilt at the next start: the same answers, and skipping again.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BATCH_OFFSET_LENGTH, compressionOf, readBatchHeader } from '../../../src/protocol/record-batch.js';
import { KCAT, requireTools } from '../../helpers/require-tool.js';
import { assertOk, runTool } from '../../helpers/run-tool.js';
import { startApp, type TestApp } from '../../server/helpers.js';
import { allRecords, bruteForce, id, line, produceLines } from './corpus.js';

let t: TestApp;
let dataDir: string;
const CODECS = ['gzip', 'snappy', 'lz4', 'zstd'] as const;
const T0 = Date.UTC(2026, 5, 1);

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-search-'));
  t = await startApp({ dataDir });
});
afterAll(async () => {
  await t?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function search(q: string, topic: string): Promise<{ ids: string[]; stats: Record<string, number> }> {
  const page = await t.call(`/api/v1/search?${new URLSearchParams({ q, topics: topic, limit: '10000' })}`, 200);
  expect(page.cursor).toBeNull();
  return { ids: page.records.map(id), stats: page.stats };
}

describe.skipIf(!requireTools(KCAT))('compressed batches from kcat', () => {
  it.each(CODECS)('%s: searches find what a brute-force scan finds', async (codec) => {
    const topic = `kz-${codec}`;
    await t.call('/api/v1/topics', 201, { method: 'POST', json: { name: topic, partitions: 2, configs: { 'retention.ms': '-1' } } });
    const lines = Array.from({ length: 3000 }, (_, i) => line(i, T0, 1000, 2, new Map([[1234, 'kcat-needle']])).value);
    assertOk(await runTool('kcat', ['-b', t.kafka, '-P', '-t', topic, '-z', codec, '-X', 'linger.ms=20'], { input: `${lines.join('\n')}\n`, timeoutMs: 60_000 }), `kcat -P -z ${codec}`);
    // librdkafka sends a batch uncompressed when compressing does not make it smaller (a one-record batch on a slow
    // machine), so it is enough that some batch came in with the codec.
    const codecs = new Set<string>();
    for (const p of [0, 1]) {
      const log = t.app.broker.logs.partition(topic, p)!;
      if (log.logEndOffset === 0) continue;
      for (const chunk of (await log.read(0, 1 << 22)).chunks) {
        for (let at = 0; at + 61 <= chunk.length; at += 12 + chunk.readInt32BE(at + BATCH_OFFSET_LENGTH)) codecs.add(compressionOf(readBatchHeader(chunk.subarray(at)).attributes));
      }
    }
    expect([...codecs]).toContain(codec);
    await t.app.broker.logs.tokenIndexer!.idle();
    const all = await allRecords(t.app.broker.logs, topic, 2);
    expect(all).toHaveLength(3000);
    for (const q of ['kcat-needle', '"cache lookup" level:warn', 'status>=500', '/connection from 10\\.0\\.1\\d\\./']) {
      const { ids } = await search(q, topic);
      expect(ids, q).toEqual(bruteForce(all, q, 'newest'));
      expect(ids.length, q).toBeGreaterThan(0);
    }
  });
});

describe('index rebuilt after it is deleted', () => {
  it('answers the same before and after, and skips blocks again', async () => {
    const topic = 'rebuild';
    await t.call('/api/v1/topics', 201, { method: 'POST', json: { name: topic, partitions: 1, configs: { 'segment.bytes': '1048576', 'retention.ms': '-1' } } });
    await produceLines(t.kafka, topic, Array.from({ length: 16_000 }, (_, i) => ({ ...line(i, T0, 1000, 1, new Map([[9_000, 'rebuild-needle']]), 60), partition: 0 })), 400);
    await t.app.broker.logs.tokenIndexer!.idle();
    const queries = ['rebuild-needle', 'handled level:error', '/took 9\\d\\dms/'];
    const before = await Promise.all(queries.map((q) => search(q, topic)));
    expect(before[0]!.stats.blocksSkippedByIndex).toBeGreaterThan(3);
    const dir = path.join(dataDir, `${topic}-0`);
    await t.stop();
    const sidecars = fs.readdirSync(dir).filter((f) => f.endsWith('.tokens'));
    expect(sidecars.length).toBeGreaterThan(3);
    for (const f of sidecars) fs.rmSync(path.join(dir, f));
    t = await startApp({ dataDir });
    await t.app.broker.logs.tokenIndexer!.idle();
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tokens')).sort()).toEqual(sidecars.sort());
    const after = await Promise.all(queries.map((q) => search(q, topic)));
    expect(after.map((a) => a.ids)).toEqual(before.map((b) => b.ids));
    expect(after[0]!.stats.blocksSkippedByIndex).toBe(before[0]!.stats.blocksSkippedByIndex);
  }, 120_000);
});
