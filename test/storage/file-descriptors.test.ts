import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeBatches } from '../../src/protocol/record-decoder.js';
import { LogManager } from '../../src/storage/index.js';
import { appendBatch, concat, makeBatch, openManager, tempDir } from './helpers.js';

/** Linux lists the process's open descriptors in /proc/self/fd; elsewhere only the cache's own count is checked. */
const PROC_FD = fs.existsSync('/proc/self/fd');
const openFds = () => (PROC_FD ? fs.readdirSync('/proc/self/fd').length : 0);

describe('open file descriptors', () => {
  it('serves 3,000 partitions with a bounded number of open files', { timeout: 120_000 }, async () => {
    const LIMIT = 64;
    const N = 3000;
    const dataDir = tempDir();
    const m = await openManager(dataDir, { maxOpenSegmentFiles: LIMIT });
    const baseline = openFds();
    let peak = 0;
    const sample = () => {
      peak = Math.max(peak, openFds() - baseline);
      expect(m.openSegmentFiles).toBeLessThanOrEqual(LIMIT + 1);
    };

    // Empty partitions hold no descriptor at all (the old code held one per partition here: over 1,024).
    m.createTopic('many', N);
    expect(m.openSegmentFiles).toBe(0);
    sample();

    // Writing to every partition in turn keeps only the most recently written segments open.
    const value = (p: number, i: number) => `p${String(p).padStart(4, '0')}-${i}-`;
    for (let i = 0; i < 2; i++) for (let p = 0; p < N; p++) appendBatch(m.partition('many', p)!, makeBatch(1, { prefix: value(p, i) }));
    sample();

    // Read every partition at once, as a fetch of all of them does: reads queue for descriptors instead of failing.
    const readAll = async (manager: LogManager) => {
      const values = await Promise.all(
        Array.from({ length: N }, async (_, p) => {
          const r = await manager.partition('many', p)!.read(0, 1 << 20);
          sample();
          return decodeBatches(concat(r.chunks)).map((b) => String(b.records[0]!.value).slice(0, 8));
        }),
      );
      values.forEach((got, p) => expect(got).toEqual([value(p, 0), value(p, 1)]));
    };
    await readAll(m);
    sample();
    await m.close();
    if (PROC_FD) expect(openFds()).toBeLessThanOrEqual(baseline);

    // After a restart, loading 3,000 segments (the last batch of each is checked) stays bounded too.
    const again = await openManager(dataDir, { maxOpenSegmentFiles: LIMIT });
    sample();
    await readAll(again);
    sample();
    // Slack for the short-lived opens that are not segment files (an index or snapshot being written, a checkpoint).
    if (PROC_FD) expect(peak).toBeLessThanOrEqual(LIMIT + 8);
  });

  it('reads across a thousand segments with a small cache', { timeout: 60_000 }, async () => {
    const m = await openManager(tempDir(), { maxOpenSegmentFiles: 8 });
    const batch = makeBatch(1, { size: 10 });
    m.createTopic('t', 1, { 'segment.bytes': String(batch.length) });
    const log = m.partition('t', 0)!;
    for (let i = 0; i < 1000; i++) appendBatch(log, Buffer.from(batch));
    expect(log.segments.length).toBe(1000);
    const all = Array.from({ length: 1000 }, (_, i) => i);
    const reads = await Promise.all([0, 0, 0].map(() => log.read(0, 1 << 20)));
    for (const r of reads) expect(decodeBatches(concat(r.chunks)).map((b) => b.header.baseOffset)).toEqual(all);
    expect(m.openSegmentFiles).toBeLessThanOrEqual(8);
  });

  it('with a single descriptor, reads queue for it and survive retention deleting their segments', async () => {
    const dataDir = tempDir();
    const m = await openManager(dataDir, { maxOpenSegmentFiles: 1 });
    m.createTopic('t', 3, { 'segment.bytes': String(3 * makeBatch(2).length), 'retention.ms': '1000', 'file.delete.delay.ms': '0' });
    const T = 1_700_000_000_000;
    for (let p = 0; p < 3; p++) for (let i = 0; i < 9; i++) appendBatch(m.partition('t', p)!, makeBatch(2, { timestamp: T }));
    const reads = [0, 1, 2, 0, 1, 2].map((p) => m.partition('t', p)!.read(0, 1 << 20));
    // The first read holds the only descriptor; the others wait for it while retention deletes their segments.
    expect(m.applyRetention(T + 10_000)).toBe(6);
    const results = await Promise.all(reads);
    expect(decodeBatches(concat(results[0]!.chunks))[0]!.header.baseOffset).toBe(0);
    for (const r of results) {
      const offsets = decodeBatches(concat(r.chunks)).map((b) => b.header.baseOffset);
      expect(offsets).toEqual([...offsets].sort((a, b) => a - b)); // never a gap-filled mix, only what could be read
    }
    // Still readable from the new log start, and the deleted files are gone once no read holds them.
    for (let p = 0; p < 3; p++) {
      const log = m.partition('t', p)!;
      const r = await log.read(log.logStartOffset, 1 << 20);
      expect(decodeBatches(concat(r.chunks)).map((b) => b.header.baseOffset)).toEqual([12, 14, 16]);
      await new Promise((r) => setTimeout(r, 20));
      expect(fs.readdirSync(path.join(dataDir, `t-${p}`)).filter((f) => f.endsWith('.deleted'))).toEqual([]);
    }
    expect(m.openSegmentFiles).toBeLessThanOrEqual(1);
  });

  it('rejects a maxOpenSegmentFiles below 1', async () => {
    await expect(LogManager.open({ dataDir: tempDir(), maxOpenSegmentFiles: 0 })).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
  });
});
